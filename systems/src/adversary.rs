//! Byzantine peers: which peers they are and how they misbehave.
//!
//! Each behaviour is its own system or hook (`systems/byzantine_*.rs`); this resource only says
//! who is Byzantine. Safety is judged among honest peers: what a Byzantine peer writes into
//! its own store is its own business, so the ledger ignores its commits.

use crate::config::SimConfig;
use crate::ids::PeerIdx;
use crate::rng::{Stream, hash_words};
use bevy_ecs::prelude::Resource;
use serde::{Deserialize, Serialize};

/// What Byzantine peers do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Behaviour {
    /// Withhold every vote and answer: silent peers (`byzantine_silence.rs`).
    #[default]
    Silent,
    /// Vouch for every block, whatever it spends: votes for conflicting blocks
    /// (`byzantine_equivocate.rs`).
    Equivocate,
    /// Submit blocks that spend tokens a second time (`byzantine_double_spend.rs`).
    DoubleSpend,
    /// Send bursts of vote requests about random blocks to random peers (`byzantine_flood.rs`).
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

/// A peer's side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Allegiance {
    Honest,
    Byzantine,
}

#[derive(Resource)]
pub struct Adversary {
    pub behaviour: Behaviour,
    /// Empty when there are no Byzantine peers (every peer honest).
    side: Vec<Allegiance>,
    pub count: u32,
}

impl Adversary {
    /// Picks a `byzantine` fraction of the peers from the seed.
    pub fn new(config: &SimConfig) -> Self {
        if config.byzantine <= 0.0 {
            return Self {
                behaviour: config.byzantine_behaviour,
                side: Vec::new(),
                count: 0,
            };
        }
        let threshold = (config.byzantine * u64::MAX as f64) as u64;
        let side: Vec<Allegiance> = (0..config.peers)
            .map(|p| {
                let h = hash_words(&[config.seed, Stream::Faults as u64, 0xB12, p as u64]);
                if h < threshold {
                    Allegiance::Byzantine
                } else {
                    Allegiance::Honest
                }
            })
            .collect();
        let count = side.iter().filter(|&&s| s == Allegiance::Byzantine).count() as u32;
        Self {
            behaviour: config.byzantine_behaviour,
            side,
            count,
        }
    }

    #[inline]
    pub fn side(&self, p: PeerIdx) -> Allegiance {
        self.side
            .get(p as usize)
            .copied()
            .unwrap_or(Allegiance::Honest)
    }

    #[inline]
    pub fn is_honest(&self, p: PeerIdx) -> bool {
        self.side(p) == Allegiance::Honest
    }

    /// Is `p` a Byzantine peer with behaviour `b`?
    #[inline]
    pub fn acts(&self, p: PeerIdx, b: Behaviour) -> bool {
        self.behaviour == b && self.side(p) == Allegiance::Byzantine
    }

    /// Byzantine peers, in ring order.
    pub fn members(&self) -> impl Iterator<Item = PeerIdx> + '_ {
        self.side
            .iter()
            .enumerate()
            .filter(|(_, s)| **s == Allegiance::Byzantine)
            .map(|(p, _)| p as PeerIdx)
    }
}
