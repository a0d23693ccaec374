//! What the original keeps per peer (promises, parents it asked for) and per entry (the
//! votes it received, their balance over its views, its D3 marks), beside the engine's part.

use super::learned::Learned;
pub use super::neighbourhood::Views;
use crate::engine::prefetch;
use crate::model::ids::{BlockIdx, Tick, TokenIdx};
use crate::model::peer::{EntryPart, PeerPart, VoteRecords, spilled_bytes};
use smallvec::SmallVec;

/// A peer under the original's rules.
pub type PeerState = crate::model::peer::PeerState<OriginalPeer>;

/// A mempool entry under the original's rules.
pub type Entry = crate::model::peer::Entry<OriginalEntry>;

/// Index of the witness count in `OriginalEntry::balance`.
pub const WITNESS_SLOT: usize = 6;

/// Bit of the witness in `undecided` masks (bits 0..6 are parts).
pub const WITNESS_BIT: u8 = 1 << 6;

/// "I agreed that `block` may spend `token` from owner `last`", held until the block expires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Promise {
    pub token: TokenIdx,
    pub last: BlockIdx,
    pub block: BlockIdx,
    pub until: Tick,
}

/// The original's part of a peer.
#[derive(Clone, Debug, Default)]
pub struct OriginalPeer {
    /// Owners this peer vouched for: it agrees to at most one block per (token, owner).
    pub promises: SmallVec<[Promise; 2]>,
    /// Parent blocks asked for to catch up: (block, asked at).
    pub wanted: SmallVec<[(BlockIdx, Tick); 2]>,
    /// Peers that voted to it without a seeded link.
    pub learned: Learned,
}

impl PeerPart for OriginalPeer {
    type Entry = OriginalEntry;

    /// Promises end with their block; a parent asked for is given up after `ttl`.
    fn collect(&mut self, now: Tick, ttl: Tick) -> Tick {
        self.promises.retain(|p| p.until > now);
        self.wanted.retain(|w| w.1 + ttl > now);
        let promises = self.promises.iter().map(|p| p.until);
        let wanted = self.wanted.iter().map(|w| w.1 + ttl);
        promises.chain(wanted).min().unwrap_or(Tick::MAX)
    }

    fn heap_bytes(&self) -> usize {
        spilled_bytes(&self.promises) + spilled_bytes(&self.wanted) + self.learned.heap_bytes()
    }

    /// The trust check of a delivered vote scans the learned peers.
    #[inline(always)]
    fn prefetch(&self) {
        prefetch::slice(self.learned.as_slice());
    }
}

/// Whether the vote tally must be recomputed (new votes arrived since the last count).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tally {
    Stale,
    Fresh,
}

/// Whether `OriginalEntry::balance` matches the recorded votes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counted {
    /// Kept up to date vote by vote.
    Exact,
    /// Must be recounted from the votes (views just learned, or a vote recorded without them).
    Recount,
}

/// The original's part of an entry.
#[derive(Clone, Debug)]
pub struct OriginalEntry {
    pub tally: Tally,
    /// Parts (bits 0..6) and witness (bit 6) not yet decided.
    pub undecided: u8,
    /// D3 marks: parts this peer votes 0 on because another pending block claims the same
    /// owner (`conflicts.rs`).
    pub suppressed: u8,
    pub votes: VoteRecords,
    /// Vote balance per part (holders inside the part's view: +1 agree, -1 object), and at
    /// `WITNESS_SLOT` the number of voters inside the witness view.
    pub balance: [i16; 7],
    pub counted: Counted,
    /// This peer's neighbourhood of each part's token, then of the block id (the witness).
    pub views: Views,
}

impl Default for OriginalEntry {
    fn default() -> Self {
        Self {
            tally: Tally::Stale,
            undecided: 0x7F,
            suppressed: 0,
            votes: SmallVec::new(),
            balance: [0; 7],
            counted: Counted::Recount,
            views: SmallVec::new(),
        }
    }
}

impl EntryPart for OriginalEntry {
    fn settle(&mut self) {
        self.votes = SmallVec::new();
        self.views = SmallVec::new();
    }

    fn vote_records(&self) -> usize {
        self.votes.len()
    }

    fn heap_bytes(&self) -> usize {
        spilled_bytes(&self.votes) + spilled_bytes(&self.views)
    }
}
