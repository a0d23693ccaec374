//! The global ledger: each token's chain head, and the safety checker.
//!
//! A real network cannot see every peer's state; the simulator can, so it checks the safety
//! invariants globally (D9): S1 no two blocks committed from the same owner of a token, S2 no
//! peer commits over a mapping it does not store, S3 mappings only move forward, and owner
//! views that contradict the committed chain.

use crate::model::blocks::Block;
use crate::model::ids::{BlockIdx, GENESIS, Tick, TokenIdx};
use crate::model::peer::{Mapping, PeerPart, PeerState};
use bevy_ecs::prelude::Resource;
use serde::Serialize;
use smallvec::SmallVec;

/// Counts of safety violations, by invariant.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Violations {
    /// S1: two different blocks spending the same (token, owner) were committed.
    pub conflicting_commits: u64,
    /// S2/S3: a peer committed a block whose `last` is not the mapping it stores.
    pub double_spends: u64,
    /// A peer stores an owner that is a fork of the committed chain.
    pub owner_disagreements: u64,
    /// S6: a committed block names a token that does not exist or names one token twice (the
    /// token count would grow). S6's per-node clause, one (token, owner) spent once among a
    /// node's commits, is S1 seen at one node, so `conflicting_commits` counts it.
    pub conservation: u64,
    /// Two blocks spending the same (token, owner) both hold a valid certificate (`Q` signed
    /// yes votes of every part's committee, `model::certificates`), pushed or not: one per pair.
    pub conflicting_certificates: u64,
}

impl Violations {
    pub fn total(&self) -> u64 {
        self.conflicting_commits
            + self.double_spends
            + self.owner_disagreements
            + self.conservation
            + self.conflicting_certificates
    }
}

/// One committed step of a token's chain: `block` spent the owner set by `last`.
#[derive(Clone, Copy, Debug)]
struct Link {
    last: BlockIdx,
    block: BlockIdx,
    seen: Tick,
}

#[derive(Resource)]
pub struct Ledger {
    /// Chain head per token: the newest committed block that follows the previous head.
    pub heads: Vec<Mapping>,
    /// Recent links per token (kept only when checking).
    links: Vec<SmallVec<[Link; 1]>>,
    pub check: bool,
    pub violations: Violations,
}

impl Ledger {
    pub fn new(tokens: usize, check: bool) -> Self {
        Self {
            heads: vec![Mapping::GENESIS; tokens],
            links: if check {
                vec![SmallVec::new(); tokens]
            } else {
                Vec::new()
            },
            check,
            violations: Violations::default(),
        }
    }

    /// A peer committed `block`. A re-submission of a block (the same id and parts, a new
    /// entry in the book) is the same block: it is linked under its first entry's index.
    pub fn on_commit(&mut self, idx: BlockIdx, block: &Block, now: Tick) {
        let same = block.retry_of.unwrap_or(idx);
        if self.check && !self.conserves(block) {
            // Nothing of it may touch the chains: its tokens are not all real.
            self.violations.conservation += 1;
            return;
        }
        for part in &block.parts {
            let t = part.token as usize;
            if self.check {
                let links = &mut self.links[t];
                if let Some(l) = links
                    .iter_mut()
                    .find(|l| l.last == part.last && l.block == same)
                {
                    l.seen = now;
                } else {
                    if links.iter().any(|l| l.last == part.last) {
                        self.violations.conflicting_commits += 1;
                    }
                    links.push(Link {
                        last: part.last,
                        block: same,
                        seen: now,
                    });
                }
            }
        }
        self.advance_heads(idx, block);
    }

    /// S6 for one block: every token exists, and none appears twice.
    fn conserves(&self, block: &Block) -> bool {
        let tokens = self.heads.len();
        block.parts.iter().all(|p| (p.token as usize) < tokens) && block.is_well_formed()
    }

    /// Moves each token's chain head to `block` if the block follows it. The driver spends
    /// from the heads, as a wallet spends from what its node confirmed.
    pub fn advance_heads(&mut self, idx: BlockIdx, block: &Block) {
        for part in &block.parts {
            let t = part.token as usize;
            if self.heads[t].block == part.last && block.time > self.heads[t].time {
                self.heads[t] = Mapping {
                    block: idx,
                    time: block.time,
                    prev: part.last,
                };
            }
        }
    }

    /// Forgets links not seen for `horizon` ticks: no block that old can still commit.
    pub fn prune(&mut self, now: Tick, horizon: Tick) {
        if !self.check || !now.is_multiple_of(64) {
            return;
        }
        for links in &mut self.links {
            if !links.is_empty() {
                links.retain(|l| l.seen + horizon >= now);
            }
        }
    }

    /// Owner views: where two blocks were committed from the same owner of a token, every
    /// peer that stores the one fewer peers store disagrees with the committed majority. A
    /// snapshot of the views now: it replaces the count of the last check, so asking twice
    /// counts nothing twice.
    pub fn check_owner_views<S: PeerPart>(&mut self, peers: &[PeerState<S>]) -> u64 {
        self.check_owner_views_of(peers, |_| true)
    }

    /// The same, counting only the peers (by index) that `counts` accepts: the honest ones.
    pub fn check_owner_views_of<S: PeerPart>(
        &mut self,
        peers: &[PeerState<S>],
        counts: impl Fn(usize) -> bool,
    ) -> u64 {
        if !self.check {
            return 0;
        }
        let forked = |token: TokenIdx, prev: BlockIdx| {
            let links = &self.links[token as usize];
            links.iter().filter(|l| l.last == prev).count() > 1
        };
        let mut holders: ahash::AHashMap<(TokenIdx, BlockIdx, BlockIdx), u64> = Default::default();
        for (_, p) in peers.iter().enumerate().filter(|(i, _)| counts(*i)) {
            for &(token, m) in &p.store {
                if m.block != GENESIS && forked(token, m.prev) {
                    *holders.entry((token, m.prev, m.block)).or_default() += 1;
                }
            }
        }
        let mut best: ahash::AHashMap<(TokenIdx, BlockIdx), u64> = Default::default();
        let mut all: ahash::AHashMap<(TokenIdx, BlockIdx), u64> = Default::default();
        for (&(t, prev, _), &n) in &holders {
            let b = best.entry((t, prev)).or_default();
            *b = (*b).max(n);
            *all.entry((t, prev)).or_default() += n;
        }
        let bad: u64 = all.iter().map(|(k, n)| n - best[k]).sum();
        self.violations.owner_disagreements = bad;
        bad
    }

    pub fn head(&self, token: TokenIdx) -> Mapping {
        self.heads[token as usize]
    }

    pub fn live_links(&self) -> usize {
        self.links.iter().map(|l| l.len()).sum()
    }
}
