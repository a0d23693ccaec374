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
    /// CLI `withhold`: a Byzantine origin collects votes as usual, but when its block is
    /// certified it neither commits nor pushes (v2's `byzantine.rs` hook); it answers status
    /// queries as an honest origin does, and its block times out. At the block's expiry its
    /// owner (the origin holds the owner's key) submits a conflicting spend of the same
    /// (token, owner) through a random peer (system `byzantine_late_spend`). Not the same as
    /// `Adversary::withholds`, which is silence.
    #[serde(rename = "withhold")]
    WithholdCertificate,
    /// CLI `late-twin`: a Byzantine owner races some blocks, like `DoubleSpend`, but submits its
    /// twin only once the first block has expired, never in the same tick (system
    /// `byzantine_late_spend`).
    LateTwin,
}

impl Behaviour {
    pub const NAMES: &'static str = "silent, equivocate, double-spend, flood, withhold, late-twin";

    /// Every behaviour, in the order of [`Behaviour::NAMES`].
    pub const ALL: [Behaviour; 6] = [
        Self::Silent,
        Self::Equivocate,
        Self::DoubleSpend,
        Self::Flood,
        Self::WithholdCertificate,
        Self::LateTwin,
    ];

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "silent" => Some(Self::Silent),
            "equivocate" => Some(Self::Equivocate),
            "double-spend" => Some(Self::DoubleSpend),
            "flood" => Some(Self::Flood),
            "withhold" => Some(Self::WithholdCertificate),
            "late-twin" => Some(Self::LateTwin),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Silent => "silent",
            Self::Equivocate => "equivocate",
            Self::DoubleSpend => "double-spend",
            Self::Flood => "flood",
            Self::WithholdCertificate => "withhold",
            Self::LateTwin => "late-twin",
        }
    }

    /// Whether its owners submit conflicting spends late (system `byzantine_late_spend`).
    pub fn spends_late(self) -> bool {
        matches!(self, Self::WithholdCertificate | Self::LateTwin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_behaviour_parses_from_its_name_and_is_listed() {
        for b in Behaviour::ALL {
            assert_eq!(Behaviour::parse(b.name()), Some(b));
            assert!(Behaviour::NAMES.contains(b.name()), "{}", b.name());
        }
        assert_eq!(Behaviour::NAMES.split(", ").count(), Behaviour::ALL.len());
    }
}
