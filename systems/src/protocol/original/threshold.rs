//! The original's threshold policy: a fixed policy keeps the configured threshold; the
//! adaptive one follows the loss the network showed in recent ticks (fewer votes arrive, so
//! a lower margin still converges in time).

use crate::config::{ProtocolConfig, ThresholdPolicy};
use crate::model::metrics::TickMetrics;
use crate::model::world::CurrentThreshold;

/// Loss at which the adaptive policy reaches its minimum.
const LOSS_AT_MIN: f64 = 0.4;

/// The threshold a run starts with: the configured one, or the adaptive policy's maximum.
pub fn starting(params: &ProtocolConfig) -> u32 {
    match params.threshold_policy {
        ThresholdPolicy::Fixed => params.threshold,
        ThresholdPolicy::Adaptive { max, .. } => max,
    }
}

/// Moves the threshold by the loss of the last tick (smoothed over about 20 ticks).
pub fn adapt(params: &ProtocolConfig, last: &TickMetrics, current: &mut CurrentThreshold) {
    let ThresholdPolicy::Adaptive { min, max } = params.threshold_policy else {
        return;
    };
    let sent = last.sent.total();
    if sent > 0 {
        let loss = last.dropped.total() as f64 / sent as f64;
        current.observed_loss += (loss - current.observed_loss) / 20.0;
    }
    let span = (max - min) as f64;
    let t = max as f64 - span * (current.observed_loss / LOSS_AT_MIN).min(1.0);
    current.value = (t.round() as u32).clamp(min, max);
}
