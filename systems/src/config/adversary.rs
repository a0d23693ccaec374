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

/// Every Byzantine behaviour, listed once: the CLI's help and errors, the scenario parser,
/// the fuzzer's draws, the replay and the report read this table. The fuzzer draws a value
/// below the sum of the weights and walks the rows in this order, so a new row with a weight
/// changes the draws of existing seeds; a new row with weight 0 does not.
#[rustfmt::skip]
pub const BEHAVIOURS: &[BehaviourEntry] = &[
    BehaviourEntry { name: "silent", behaviour: Behaviour::Silent, help: "withhold every vote and answer", fuzz_weight: 1 },
    BehaviourEntry { name: "flood", behaviour: Behaviour::Flood, help: "send bursts of vote requests about random blocks to random peers", fuzz_weight: 1 },
    BehaviourEntry { name: "equivocate", behaviour: Behaviour::Equivocate, help: "vouch for every block, conflicting ones included", fuzz_weight: 1 },
    BehaviourEntry { name: "double-spend", behaviour: Behaviour::DoubleSpend, help: "submit blocks that spend tokens a second time", fuzz_weight: 1 },
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
}
