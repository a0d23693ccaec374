//! The protocol's threshold policy, once a tick before any message moves (the original's;
//! the other protocols have none and leave the threshold as it is).

use crate::model::metrics::Metrics;
use crate::model::world::{CurrentThreshold, Settings};
use crate::protocol::Protocol;
use bevy_ecs::prelude::*;

pub fn adapt_threshold<P: Protocol>(
    settings: Res<Settings>,
    metrics: Res<Metrics>,
    mut current: ResMut<CurrentThreshold>,
) {
    P::default().adapt_threshold(&settings.0.protocol, &metrics.last, &mut current);
}
