//! The network's faults for this tick: scripted partitions start or heal, churned
//! peers leave or come back.

use crate::engine::network::Network;
use crate::model::metrics::Metrics;
use crate::model::world::Clock;
use bevy_ecs::prelude::*;

pub fn apply_faults(clock: Res<Clock>, mut network: ResMut<Network>, mut metrics: ResMut<Metrics>) {
    network.faults.advance(clock.tick);
    metrics.current.peers_partitioned = network.faults.cut_off;
    metrics.offline_peer_ticks += network.faults.offline;
    metrics.session_joins += network.faults.joined().len() as u64;
}
