//! Byzantine peers: which peers they are and how they misbehave.
//!
//! Each behaviour is a system (`systems/byzantine_*.rs`), a hook of the protocol's, or (silence)
//! [`Adversary::withholds`]; this resource only says who is Byzantine. Safety is judged among
//! honest peers: what a Byzantine peer writes into its own store is its own business, so the
//! ledger ignores its commits.

use crate::config::{Behaviour, SimConfig};
use crate::model::ids::PeerIdx;
use crate::model::rng::{Stream, hash_words};
use bevy_ecs::prelude::Resource;

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
        if config.adversary.fraction <= 0.0 {
            return Self {
                behaviour: config.adversary.behaviour,
                side: Vec::new(),
                count: 0,
            };
        }
        let threshold = (config.adversary.fraction * u64::MAX as f64) as u64;
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
            behaviour: config.adversary.behaviour,
            side,
            count,
        }
    }

    /// An adversary of exactly `byzantine` among `peers` peers (tests, hand-built scenarios).
    pub fn with_members(behaviour: Behaviour, peers: u32, byzantine: &[PeerIdx]) -> Self {
        let side: Vec<Allegiance> = (0..peers)
            .map(|p| match byzantine.contains(&p) {
                true => Allegiance::Byzantine,
                false => Allegiance::Honest,
            })
            .collect();
        let count = side.iter().filter(|&&s| s == Allegiance::Byzantine).count() as u32;
        Self {
            behaviour,
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
    /// Byzantine behaviour "silent", vote withholding: a silent peer receives everything and
    /// answers nothing, and never asks for votes either, whatever protocol it runs.
    #[inline]
    pub fn withholds(&self, p: PeerIdx) -> bool {
        self.acts(p, Behaviour::Silent)
    }

    pub fn members(&self) -> impl Iterator<Item = PeerIdx> + '_ {
        self.side
            .iter()
            .enumerate()
            .filter(|(_, s)| **s == Allegiance::Byzantine)
            .map(|(p, _)| p as PeerIdx)
    }
}

/// A conflicting spend a Byzantine owner will submit once its first block has expired
/// (behaviours `withhold` and `late-twin`, system `byzantine_late_spend`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LateSpend {
    /// The tick it is submitted: the first block's expiry.
    pub due: crate::model::ids::Tick,
    /// The block it races (its family's first member).
    pub first: crate::model::ids::BlockIdx,
    /// What it spends: the first block's first part.
    pub part: crate::model::blocks::Part,
}

/// The late spends planned, in order of their tick.
#[derive(Resource, Default)]
pub struct LateSpends {
    queue: std::collections::VecDeque<LateSpend>,
}

impl LateSpends {
    /// Plans `s`; ticks arrive in order (every block has the same lifetime).
    pub fn plan(&mut self, s: LateSpend) {
        debug_assert!(self.queue.back().is_none_or(|b| b.due <= s.due));
        self.queue.push_back(s);
    }

    /// The next spend due by `now`, if any.
    pub fn pop_due(&mut self, now: crate::model::ids::Tick) -> Option<LateSpend> {
        if self.queue.front()?.due <= now {
            self.queue.pop_front()
        } else {
            None
        }
    }

    /// Spends planned and not yet submitted.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }
}
