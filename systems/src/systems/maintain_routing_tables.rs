//! dht under session churn: peers back online look up their own place, and every
//! `maintenance_every` ticks each online peer pings a few of its contacts and replaces the
//! dead ones (`engine/dht_maintenance.rs`). Nothing happens on other topologies or without
//! session churn.

use crate::engine::dht_maintenance::{Maintainer, Repair};
use crate::engine::network::Network;
use crate::model::dht::maintenance_counts::MaintenanceCounts;
use crate::model::ids::PeerIdx;
use crate::model::metrics::Metrics;
use crate::model::rng::{Stream, StreamKey};
use crate::model::world::{Clock, Settings};
use bevy_ecs::prelude::*;
use bevy_ecs::system::SystemParam;
use rayon::prelude::*;

/// What maintenance reads (the clock, the settings, the network and its tables) and where it
/// counts.
#[derive(SystemParam)]
pub struct Maintenance<'w> {
    clock: Res<'w, Clock>,
    settings: Res<'w, Settings>,
    network: Res<'w, Network>,
    metrics: ResMut<'w, Metrics>,
}

pub fn maintain_routing_tables(mut m: Maintenance) {
    let network = &*m.network;
    let every = m.settings.0.faults.sessions.maintenance_every;
    let Some(tables) = network.routes.as_deref().and_then(|r| r.dht()) else {
        return;
    };
    if !network.faults.sessions_on() || every == 0 {
        return;
    }
    let now = m.clock.tick;
    let faults = &network.faults;
    let joined = faults.joined();
    let streams = StreamKey::new(m.settings.0.seed, Stream::Maintenance, now);
    let plan = network.plan;
    // Chunk by chunk in parallel, reading the tables only; repairs wait for every round.
    let done: Vec<(MaintenanceCounts, Vec<Repair>)> = (0..plan.count as usize)
        .into_par_iter()
        .map(|c| {
            let (mut counts, mut repairs) = (MaintenanceCounts::default(), Vec::new());
            let mut maintainer = Maintainer {
                tables,
                faults,
                link: network.link,
                now,
                counts: &mut counts,
                repairs: &mut repairs,
            };
            let first = plan.first(c);
            let last = (first + plan.size).min(plan.peers);
            for p in first..last {
                // Peers take their turns spread over the interval, not all at once.
                let phase = (now as u64 + p as u64) % every as u64;
                let turn = (now as u64 + p as u64) / every as u64;
                let back = joined.binary_search(&(p as PeerIdx)).is_ok();
                if back {
                    maintainer.join(p, turn, &mut streams.stream(p as u64));
                } else if phase == 0 && faults.is_online(p, now) {
                    maintainer.round(p, turn, &mut streams.stream(p as u64));
                }
            }
            (counts, repairs)
        })
        .collect();
    let tick = &mut m.metrics.current.maintenance;
    for (counts, repairs) in done {
        tick.merge(&counts);
        for r in repairs {
            tables.replace(r.peer, r.dead, r.stand_in);
        }
    }
}
