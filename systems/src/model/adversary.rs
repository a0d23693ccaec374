//! Byzantine peers: which peers they are and how they misbehave.
//!
//! Each behaviour is a system (`systems/byzantine_*.rs`), a hook of the protocol's, or (silence)
//! [`Adversary::withholds`]; this resource only says who is Byzantine. Safety is judged among
//! honest peers: what a Byzantine peer writes into its own store is its own business, so the
//! ledger ignores its commits.

use crate::config::{Behaviour, Placement, SimConfig};
use crate::model::ids::PeerIdx;
use crate::model::ring::Ring;
use crate::model::rng::{Stream, hash_words};
use crate::model::tokens::TokenBook;
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
    /// Picks a `byzantine` fraction of the peers from the seed, placed as the config says.
    /// `committee` is how many positions nearest a key make its committee (v2's C), the
    /// share a targeted adversary fills per token.
    pub fn new(config: &SimConfig, ring: &Ring, tokens: &TokenBook, committee: u32) -> Self {
        let a = &config.adversary;
        if a.fraction <= 0.0 {
            return Self::with_members(a.behaviour, 0, &[]);
        }
        let threshold = (a.fraction * u64::MAX as f64) as u64;
        let mut side: Vec<Allegiance> = (0..config.peers)
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
        if a.placement == Placement::Targeted {
            // As many as the random draw gave, so the two placements differ only in where.
            side = vec![Allegiance::Honest; config.peers as usize];
            for p in targeted_positions(ring, tokens, committee, count) {
                side[p as usize] = Allegiance::Byzantine;
            }
        }
        Self {
            behaviour: a.behaviour,
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

/// The `count` positions a targeted adversary takes, the rule of `Placement::Targeted`: the
/// `committee` positions nearest token 0's key (its insertion point, then one below, one
/// above, ...), then token 1's, and so on in `TokenBook` order; a position already taken is
/// skipped. So each targeted committee (v2's C peers around the key) is wholly Byzantine,
/// and only the last may be partly. Left over once every committee is full, the rest
/// continue outward around the keys, token by token.
pub fn targeted_positions(
    ring: &Ring,
    tokens: &TokenBook,
    committee: u32,
    count: u32,
) -> Vec<PeerIdx> {
    let n = ring.len();
    let count = count.min(n);
    let mut taken = vec![false; n as usize];
    let mut placed = Vec::with_capacity(count as usize);
    // The k-th nearest position to the insertion point i: i, i - 1, i + 1, i - 2, ...; the
    // first C of them are the committee [i - C/2, i + C/2).
    let nearest = |i: PeerIdx, k: u32| -> PeerIdx {
        let d = k.div_ceil(2) % n;
        if k.is_multiple_of(2) {
            (i + d) % n
        } else {
            (i + n - d) % n
        }
    };
    let mut take = |p: PeerIdx, placed: &mut Vec<PeerIdx>| {
        if !taken[p as usize] && (placed.len() as u32) < count {
            taken[p as usize] = true;
            placed.push(p);
        }
    };
    let inserts: Vec<PeerIdx> = tokens.ids.iter().map(|&key| ring.insertion(key)).collect();
    for &i in &inserts {
        for k in 0..committee.min(n) {
            take(nearest(i, k), &mut placed);
        }
    }
    // 2n steps outward from any key reach every position, so this always places `count`.
    for k in committee.min(n)..2 * n {
        if placed.len() as u32 >= count {
            break;
        }
        for &i in &inserts {
            take(nearest(i, k), &mut placed);
        }
    }
    placed
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
