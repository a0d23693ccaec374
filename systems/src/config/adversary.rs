//! Byzantine peers: how many, and what they do.

use serde::{Deserialize, Serialize};

/// The adversary.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AdversaryConfig {
    /// Fraction of peers that are Byzantine.
    pub fraction: f64,
    pub behaviour: Behaviour,
    /// Where the Byzantine peers sit on the ring (`serde(default)`: configs written before
    /// it existed read as `random`).
    #[serde(default)]
    pub placement: Placement,
}

/// Where the Byzantine peers sit on the ring (CLI `--byzantine-placement`, TOML
/// `byzantine_placement`); either way there are as many of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Placement {
    /// Each peer is Byzantine by a seeded hash of its position against the fraction: what a
    /// claimed bound (a binomial tail over committees) assumes.
    #[default]
    Random,
    /// The adversary chose its ring ids: its peers take the positions nearest the tokens'
    /// keys, filling token 0's committee, then token 1's, ... (`model::adversary`).
    Targeted,
}

impl Placement {
    /// The values `--byzantine-placement` and `byzantine_placement = "..."` take.
    pub const NAMES: &'static str = "random, targeted";

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "random" => Some(Self::Random),
            "targeted" => Some(Self::Targeted),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Random => "random",
            Self::Targeted => "targeted",
        }
    }
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
    /// CLI `collector`: a Byzantine vote collector (v2 on routed topologies) forges its
    /// tallies: it claims every committee member voted yes, or no, or sends nothing (v2's
    /// `byzantine.rs` hook).
    #[serde(rename = "collector")]
    ForgeTallies,
    /// CLI `thief`: like `DoubleSpend`, but without the owner's key: its spends carry no valid
    /// owner signature (system `byzantine_double_spend`, `Spender::Thief`).
    Thief,
    /// CLI `late-twin`: a Byzantine owner races some blocks, like `DoubleSpend`, but submits its
    /// twin only once the first block has expired, never in the same tick (system
    /// `byzantine_late_spend`).
    LateTwin,
}

/// One row of [`BEHAVIOURS`]: a Byzantine behaviour as every front end sees it.
#[derive(Clone, Copy, Debug)]
pub struct BehaviourEntry {
    /// The value `--byzantine-behaviour` and `byzantine_behaviour = "..."` take.
    pub name: &'static str,
    pub behaviour: Behaviour,
    /// One line for `--help` and the docs.
    pub help: &'static str,
    /// How often the fuzzer draws it, relative to the others' weights; 0 = never.
    pub fuzz_weight: u64,
}

/// Every Byzantine behaviour, listed once (the weights: the two that spend late, the attacks on
/// v2's locks, take 8 of 26 draws): the CLI's help and errors, the scenario parser,
/// the fuzzer's draws, the replay and the report read this table. The fuzzer draws a value
/// below the sum of the weights and walks the rows in this order, so a new row with a weight
/// changes the draws of existing seeds; a new row with weight 0 does not.
#[rustfmt::skip]
pub const BEHAVIOURS: &[BehaviourEntry] = &[
    BehaviourEntry { name: "silent", behaviour: Behaviour::Silent, help: "withhold every vote and answer", fuzz_weight: 3 },
    BehaviourEntry { name: "flood", behaviour: Behaviour::Flood, help: "send bursts of vote requests about random blocks to random peers", fuzz_weight: 3 },
    BehaviourEntry { name: "equivocate", behaviour: Behaviour::Equivocate, help: "vouch for every block, conflicting ones included", fuzz_weight: 3 },
    BehaviourEntry { name: "double-spend", behaviour: Behaviour::DoubleSpend, help: "submit blocks that spend tokens a second time", fuzz_weight: 3 },
    BehaviourEntry { name: "withhold", behaviour: Behaviour::WithholdCertificate, help: "as an origin, keep a certified block's certificate, let it time out, then spend its token again", fuzz_weight: 4 },
    BehaviourEntry { name: "late-twin", behaviour: Behaviour::LateTwin, help: "spend a token a second time once the first block has expired", fuzz_weight: 4 },
    BehaviourEntry { name: "thief", behaviour: Behaviour::Thief, help: "race honest blocks with spends of their tokens, without the owner's key", fuzz_weight: 3 },
    BehaviourEntry { name: "collector", behaviour: Behaviour::ForgeTallies, help: "as a vote collector (routed topologies), forge tallies: claim all yes, all no, or send none", fuzz_weight: 3 },
];

impl Behaviour {
    /// The names of [`BEHAVIOURS`], for help and error messages.
    pub fn names() -> String {
        BEHAVIOURS
            .iter()
            .map(|e| e.name)
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn parse(s: &str) -> Option<Self> {
        BEHAVIOURS.iter().find(|e| e.name == s).map(|e| e.behaviour)
    }

    /// This behaviour's row of [`BEHAVIOURS`], if it has one (a test checks every one does).
    pub fn entry(self) -> Option<&'static BehaviourEntry> {
        BEHAVIOURS.iter().find(|e| e.behaviour == self)
    }

    pub fn name(self) -> &'static str {
        self.entry().map_or("?", |e| e.name)
    }

    /// Whether its owners submit conflicting spends late (system `byzantine_late_spend`).
    pub fn spends_late(self) -> bool {
        matches!(self, Self::WithholdCertificate | Self::LateTwin)
    }

    /// What of this behaviour does nothing under `protocol` on `topology`, if anything, for the
    /// report: a run must not look attacked when the attack had nothing to act on.
    pub fn inert_in(
        self,
        protocol: super::ProtocolKind,
        topology: super::Topology,
    ) -> Option<&'static str> {
        use super::ProtocolKind;
        match self {
            Self::ForgeTallies
                if protocol != ProtocolKind::V2 || topology != super::Topology::SmallWorld =>
            {
                Some(
                    "no effect: votes are collected only by v2 on small-world; these peers act honestly",
                )
            }
            Self::WithholdCertificate if protocol != ProtocolKind::V2 => {
                Some("only the late spend: keeping a certificate is a v2 origin's")
            }
            _ => None,
        }
    }
}
