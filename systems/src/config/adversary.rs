//! Byzantine peers: how many, and what they do.

use serde::{Deserialize, Serialize};

/// The adversary.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AdversaryConfig {
    /// Fraction of peers that are Byzantine.
    pub fraction: f64,
    pub behaviour: Behaviour,
}

/// What Byzantine peers do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Behaviour {
    /// Withhold every vote and answer: silent peers (`Adversary::withholds`).
    #[default]
    Silent,
    /// Vouch for every block, whatever it spends: votes for conflicting blocks
    /// (the protocol's `byzantine.rs` hook).
    Equivocate,
    /// Submit blocks that spend tokens a second time (system `byzantine_double_spend`).
    DoubleSpend,
    /// Send bursts of vote requests about random blocks to random peers (system `byzantine_flood`).
    Flood,
}

impl Behaviour {
    pub const NAMES: &'static str = "silent, equivocate, double-spend, flood";

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "silent" => Some(Self::Silent),
            "equivocate" => Some(Self::Equivocate),
            "double-spend" => Some(Self::DoubleSpend),
            "flood" => Some(Self::Flood),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Silent => "silent",
            Self::Equivocate => "equivocate",
            Self::DoubleSpend => "double-spend",
            Self::Flood => "flood",
        }
    }
}
