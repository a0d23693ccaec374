//! The threshold policy. A fixed policy keeps the configured
//! threshold; the adaptive one follows the loss the network showed in recent ticks.

use crate::config::ThresholdPolicy;
use crate::model::metrics::Metrics;
use crate::model::world::{CurrentThreshold, Settings};
use bevy_ecs::prelude::*;

/// Loss at which the adaptive policy reaches its minimum.
const LOSS_AT_MIN: f64 = 0.4;

pub fn adapt_threshold(
    settings: Res<Settings>,
    metrics: Res<Metrics>,
    mut current: ResMut<CurrentThreshold>,
) {
    let ThresholdPolicy::Adaptive { min, max } = settings.0.protocol.threshold_policy else {
        return;
    };
    let last = &metrics.last;
    let sent = last.sent.total();
    if sent > 0 {
        let loss = last.dropped.total() as f64 / sent as f64;
        current.observed_loss += (loss - current.observed_loss) / 20.0;
    }
    let span = (max - min) as f64;
    let t = max as f64 - span * (current.observed_loss / LOSS_AT_MIN).min(1.0);
    current.value = (t.round() as u32).clamp(min, max);
}
