//! The original protocol's own parameters beside its `ProtocolConfig` fields (`threshold`,
//! `threshold_policy`): the policy's forms, and the bound its neighbourhood sets on the
//! threshold. The rules that use them live in `protocol/original/`.

use super::SimConfig;
use serde::{Deserialize, Serialize};

/// The original's neighbourhood is the 4 known peers either side of a key, plus the key's
/// own nearest peer, so a node counts at most 9 voters for any key.
pub const NEIGHBOURHOOD_VOTERS: u32 = 9;

/// How the vote threshold is chosen each tick.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum ThresholdPolicy {
    /// Always `threshold`.
    #[default]
    Fixed,
    /// From the loss observed network-wide: `max` on a clean network, falling linearly to
    /// `min` at 40 % loss (fewer votes arrive, so a lower margin still converges in time).
    Adaptive { min: u32, max: u32 },
}

impl ThresholdPolicy {
    /// `fixed` or `adaptive:MIN..MAX`.
    pub fn parse(s: &str) -> Option<Self> {
        if s == "fixed" {
            return Some(Self::Fixed);
        }
        let (min, max) = s.strip_prefix("adaptive:")?.split_once("..")?;
        Some(Self::Adaptive {
            min: min.trim().parse().ok()?,
            max: max.trim().parse().ok()?,
        })
    }
}

impl SimConfig {
    /// The largest threshold that can ever be exceeded with this degree (the original's).
    pub fn max_threshold(&self) -> u32 {
        let voters = (self.expected_degree().floor() as u32).min(NEIGHBOURHOOD_VOTERS);
        voters.saturating_sub(1)
    }
}
