//! One peer's protocol state: mempool, token store, learned peers.
//!
//! Peers live in one dense `Vec<PeerState>` indexed by ring position rather than as ECS
//! entities: every message addresses its receiver by position, so a direct index is the whole
//! lookup, and contiguous chunks of the vector are what the parallel systems hand to threads.

use crate::model::ids::{BlockIdx, PeerIdx, Tick, TokenIdx};
pub use crate::model::mapping::{Mapping, NO_BLOCK};
use crate::model::verdicts::Verdicts;
use smallvec::SmallVec;

/// A block's state at one peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryState {
    Pending,
    Committed,
    Blocked,
}

/// Whether the peer holds the block's body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Body {
    /// Known only from votes; a BlockQuery went out at `asked`.
    Unknown {
        asked: Tick,
    },
    Known,
}

/// Why the entry exists at this peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The block was submitted here; its outcome here is the block's outcome.
    Origin,
    /// Learned from a vote or fetched as a parent.
    Relay,
}

/// What the vote system concluded this tick, for the commit system to apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Undecided,
    Commit,
    Reject,
}

/// Whether the vote tally must be recomputed (new votes arrived since the last count).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tally {
    Stale,
    Fresh,
}

/// Whether `Entry::balance` matches the recorded votes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counted {
    /// Kept up to date vote by vote.
    Exact,
    /// Must be recounted from the votes (views just learned, or a vote recorded without them).
    Recount,
}

/// The latest vote a peer received from one voter for one block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VoteRecord {
    pub voter: PeerIdx,
    pub sent: Tick,
    pub mask: u8,
    pub holds: u8,
}

/// Whether the peer's set of pending entries with known bodies changed since its protocol
/// last looked: the passes that change it say so, and a protocol that derives something from
/// the set (the original's D3 marks) recomputes it only then.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PendingSet {
    #[default]
    Changed,
    Seen,
}

/// Index of the witness count in `Entry::balance`.
pub const WITNESS_SLOT: usize = 6;

/// Bit of the witness in `undecided` masks (bits 0..6 are parts).
pub const WITNESS_BIT: u8 = 1 << 6;

/// The original's view of a key: its neighbourhood, the 4 known peers either side
/// (`protocol/original/neighbourhood.rs`). Kept here, with `Views`, while entries are shared.
pub type View = crate::model::ring::NearestKnown<4>;

/// A block's views at one peer: one per part, then the witness's. Room for the default
/// blocks of up to three parts inline: a spilled list is one more allocation that every
/// delivered vote and every vote request has to chase (BENCHMARKS.md, "Design history").
pub type Views = SmallVec<[View; 4]>;
pub use crate::model::verdicts::{Settled, Verdict};

#[derive(Clone, Debug)]
pub struct Entry {
    pub block: BlockIdx,
    pub state: EntryState,
    /// The block's lifetime ends here, at every peer alike (see `Block::expires`).
    pub expires: Tick,
    pub body: Body,
    pub role: Role,
    pub decision: Decision,
    pub tally: Tally,
    /// Parts (bits 0..6) and witness (bit 6) not yet decided.
    pub undecided: u8,
    /// The original's D3 marks: parts this peer votes 0 on because another pending block
    /// claims the same owner (`protocol/original/conflicts.rs`).
    pub suppressed: u8,
    /// v2 collectors (routed topologies): the parts whose deciding tally this peer sent.
    pub reported: u8,
    pub votes: SmallVec<[VoteRecord; 6]>,
    /// Vote balance per part (holders inside the part's view: +1 agree, -1 object), and at
    /// `WITNESS_SLOT` the number of voters inside the witness view.
    pub balance: [i16; 7],
    pub counted: Counted,
    /// This peer's neighbourhood of each part's token, then of the block id (the witness).
    pub views: Views,
}

impl Entry {
    pub fn new(block: BlockIdx, expires: Tick, body: Body, role: Role) -> Self {
        Self {
            block,
            state: EntryState::Pending,
            expires,
            body,
            role,
            decision: Decision::Undecided,
            tally: Tally::Stale,
            undecided: 0x7F,
            suppressed: 0,
            reported: 0,
            votes: SmallVec::new(),
            balance: [0; 7],
            counted: Counted::Recount,
            views: SmallVec::new(),
        }
    }

    /// Keeps the newest vote per voter; returns whether the tally changed.
    pub fn record_vote(&mut self, voter: PeerIdx, sent: Tick, mask: u8, holds: u8) -> bool {
        match self.votes.iter_mut().find(|v| v.voter == voter) {
            Some(v) if sent > v.sent => {
                v.sent = sent;
                v.mask = mask;
                v.holds = holds;
                self.tally = Tally::Stale;
                self.counted = Counted::Recount;
                true
            }
            Some(_) => false,
            None => {
                self.votes.push(VoteRecord {
                    voter,
                    sent,
                    mask,
                    holds,
                });
                self.tally = Tally::Stale;
                self.counted = Counted::Recount;
                true
            }
        }
    }

    /// Frees the per-vote state once the block is decided here.
    pub fn settle(&mut self, state: EntryState) {
        self.state = state;
        self.decision = Decision::Undecided;
        self.votes = SmallVec::new();
        self.views = SmallVec::new();
    }
}

/// "I agreed that `block` may spend `token` from owner `last`", held until the block expires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Promise {
    pub token: TokenIdx,
    pub last: BlockIdx,
    pub block: BlockIdx,
    /// The block's id, part of its content: a block re-submitted by its owner (a new entry in
    /// the book with the same id and parts) is the same block, and keeps the lock (v2).
    pub id: u64,
    pub until: Tick,
}

/// The most room a learned-peer list takes at its first allocation.
///
/// Every peer's list fills to its cap in a long enough run (at 50k peers, 1.1 M of the 1.6 M
/// slots are taken by tick 500 and all by tick ~3,000), so growing it step by step only
/// spread the same bytes over more ticks and left freed blocks behind: peak RSS crept up with
/// the run's length. Caps up to this size are allocated whole at the first learned peer;
/// larger ones grow as usual from there.
pub const LEARNED_RESERVE_MAX: usize = 64;

/// The mapping of `token` in a peer's `store` (absent = genesis); for callers that borrow the
/// store apart from the rest of the peer.
#[inline]
pub fn stored_mapping(store: &[(TokenIdx, Mapping)], token: TokenIdx) -> Mapping {
    store
        .iter()
        .find(|(t, _)| *t == token)
        .map(|(_, m)| *m)
        .unwrap_or(Mapping::GENESIS)
}

#[derive(Clone, Debug, Default)]
pub struct PeerState {
    /// Entries sorted by block index. Change it only through `insert_entry`, `push_entry`
    /// and `retain_entries`, which keep `keys` in step.
    pub mempool: Vec<Entry>,
    /// The mempool's block indices, inline: most lookups (every delivered message makes one)
    /// then touch no entry at all, and an entry only when it is the one wanted.
    keys: SmallVec<[BlockIdx; 6]>,
    /// Mappings of tokens inside this peer's own range (absent = genesis).
    pub store: SmallVec<[(TokenIdx, Mapping); 2]>,
    /// Peers that voted to us without a seeded link, oldest first. Allocated whole at the
    /// first one (see `LEARNED_RESERVE_MAX`).
    pub learned: Vec<PeerIdx>,
    /// Blocks decided here, kept as 12 bytes each (not a whole entry) to echo later votes.
    pub remembered: Verdicts,
    /// Parent blocks asked for to catch up: (block, asked at).
    pub wanted: SmallVec<[(BlockIdx, Tick); 2]>,
    /// Owners this peer vouched for: it agrees to at most one block per (token, owner).
    pub promises: SmallVec<[Promise; 2]>,
    /// Whether the pending entries changed since the protocol last looked.
    pub pending_set: PendingSet,
    /// The earliest tick at which `collect_garbage` has work here (an entry expires or was
    /// decided, a remembered verdict, promise or wanted parent runs out). Never later than the
    /// truth: every insertion lowers it, and the collector recomputes it when it visits. The
    /// collector reads the copy in `Peers::gc_due` (refreshed after each pass that changes
    /// the peer), so it skips every other peer without touching its state at all.
    pub gc_due: Tick,
    /// Own range (ring ids): this peer stores mappings only for tokens inside it.
    pub range_lo: u64,
    pub range_hi: u64,
}

impl PeerState {
    /// A peer with an empty mempool that stores the tokens inside `[lo, hi]` (ring ids).
    pub fn with_range(lo: u64, hi: u64) -> Self {
        Self {
            range_lo: lo,
            range_hi: hi,
            ..Self::default()
        }
    }

    #[inline]
    pub fn find(&self, block: BlockIdx) -> Result<usize, usize> {
        self.keys.binary_search(&block)
    }

    /// Asks `collect_garbage` to visit this peer at `tick` (or earlier, if it already would).
    #[inline]
    pub fn collect_at(&mut self, tick: Tick) {
        self.gc_due = self.gc_due.min(tick);
    }

    /// When the collector must see an entry: at once if decided, else when it expires.
    #[inline]
    fn collect_entry(&mut self, e: &Entry) {
        self.collect_at(match e.state {
            EntryState::Pending => e.expires,
            EntryState::Committed | EntryState::Blocked => 0,
        });
    }

    /// Inserts an entry at the position `find` returned.
    pub fn insert_entry(&mut self, at: usize, e: Entry) {
        self.collect_entry(&e);
        self.keys.insert(at, e.block);
        self.reserve_entry();
        self.mempool.insert(at, e);
    }

    /// Appends an entry for a block newer than every other in the pool.
    pub fn push_entry(&mut self, e: Entry) {
        debug_assert!(self.keys.last().is_none_or(|&k| k < e.block));
        self.collect_entry(&e);
        self.keys.push(e.block);
        self.reserve_entry();
        self.mempool.push(e);
    }

    /// Room for one more entry. Most peers hold no entry and most others one, so a pool's
    /// first two allocations are exact rather than `Vec`'s usual room for four.
    #[inline]
    fn reserve_entry(&mut self) {
        if self.mempool.len() == self.mempool.capacity() && self.mempool.len() < 2 {
            self.mempool.reserve_exact(1);
        }
    }

    /// Inserts an entry wherever its block index belongs.
    pub fn add_entry(&mut self, e: Entry) {
        match self.find(e.block) {
            Ok(i) => {
                self.collect_entry(&e);
                self.mempool[i] = e;
            }
            Err(at) => self.insert_entry(at, e),
        }
    }

    /// Keeps the entries for which `keep` says so.
    pub fn retain_entries(&mut self, keep: impl FnMut(&Entry) -> bool) {
        let before = self.mempool.len();
        self.mempool.retain(keep);
        if self.mempool.len() != before {
            self.keys.clear();
            self.keys.extend(self.mempool.iter().map(|e| e.block));
        }
    }

    #[inline]
    pub fn entry_mut(&mut self, block: BlockIdx) -> Option<&mut Entry> {
        self.find(block).ok().map(move |i| &mut self.mempool[i])
    }

    #[inline]
    pub fn in_range(&self, token_id: u64) -> bool {
        crate::model::ids::in_id_interval(token_id, self.range_lo, self.range_hi)
    }

    #[inline]
    pub fn mapping(&self, token: TokenIdx) -> Mapping {
        stored_mapping(&self.store, token)
    }

    /// Writes a mapping if it is newer (S3: mappings only move forward in time).
    pub fn set_mapping(&mut self, token: TokenIdx, m: Mapping) -> bool {
        match self.store.iter_mut().find(|(t, _)| *t == token) {
            Some((_, old)) if m.time > old.time => {
                *old = m;
                true
            }
            Some(_) => false,
            None if m.time > 0 => {
                self.store.push((token, m));
                true
            }
            None => false,
        }
    }

    pub fn remembers(&self, block: BlockIdx) -> bool {
        self.verdict(block).is_some()
    }

    /// How this peer decided `block`, once its entry has left the mempool.
    pub fn verdict(&self, block: BlockIdx) -> Option<Verdict> {
        self.remembered.get(block)
    }

    /// Remembers a decided block.
    pub fn remember(&mut self, settled: Settled) {
        self.remembered.push(settled);
        self.collect_at(settled.until);
    }

    #[inline]
    pub fn knows_learned(&self, p: PeerIdx) -> bool {
        self.learned.contains(&p)
    }

    /// Adds a peer learned from a vote, forgetting the oldest beyond `cap`.
    pub fn learn(&mut self, p: PeerIdx, cap: usize) {
        if cap == 0 || self.learned.contains(&p) {
            return;
        }
        if self.learned.len() >= cap {
            self.learned.remove(0);
        } else if self.learned.capacity() == 0 {
            self.learned.reserve_exact(cap.min(LEARNED_RESERVE_MAX));
        }
        self.learned.push(p);
    }

    /// The mempool's block indices, read-only (for memory censuses: spilled or inline).
    pub fn keys(&self) -> &SmallVec<[BlockIdx; 6]> {
        &self.keys
    }

    pub fn vote_records(&self) -> usize {
        self.mempool.iter().map(|e| e.votes.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ids::GENESIS;

    #[test]
    fn newer_votes_replace_older() {
        let mut e = Entry::new(3, 0, Body::Known, Role::Relay);
        assert!(e.record_vote(7, 5, 0b1, 0b1));
        e.tally = Tally::Fresh;
        assert!(!e.record_vote(7, 4, 0b0, 0b1));
        assert_eq!(e.tally, Tally::Fresh);
        assert!(e.record_vote(7, 6, 0b0, 0b1));
        assert_eq!(e.votes.len(), 1);
        assert_eq!(e.votes[0].mask, 0);
    }

    #[test]
    fn mappings_only_move_forward() {
        let mut p = PeerState::default();
        assert_eq!(p.mapping(4), Mapping::GENESIS);
        let m = Mapping {
            block: 9,
            time: 5,
            prev: GENESIS,
        };
        assert!(p.set_mapping(4, m));
        assert!(!p.set_mapping(
            4,
            Mapping {
                block: 8,
                time: 3,
                prev: GENESIS
            }
        ));
        assert_eq!(p.mapping(4), m);
    }

    #[test]
    fn small_pools_hold_no_spare_room() {
        let mut p = PeerState::default();
        for (n, block) in [(1, 5), (2, 3)] {
            let at = p.find(block).unwrap_err();
            p.insert_entry(at, Entry::new(block, 10, Body::Known, Role::Relay));
            assert_eq!(p.mempool.capacity(), n);
        }
        assert_eq!(p.find(3), Ok(0));
        p.push_entry(Entry::new(9, 10, Body::Known, Role::Relay));
        assert_eq!((p.mempool.len(), p.find(9)), (3, Ok(2)));
    }

    #[test]
    fn learned_peers_are_bounded() {
        let mut p = PeerState::default();
        for i in 0..10 {
            p.learn(i, 4);
        }
        assert_eq!(p.learned.as_slice(), &[6, 7, 8, 9]);
    }

    #[test]
    fn a_learned_list_is_allocated_once() {
        let mut p = PeerState::default();
        assert_eq!(p.learned.capacity(), 0);
        for i in 0..32 {
            p.learn(i, 32);
            assert_eq!(p.learned.capacity(), 32, "after {} peers", i + 1);
        }
        p.learn(99, 32);
        assert_eq!((p.learned.len(), p.learned.capacity()), (32, 32));
        assert_eq!((p.learned[0], p.learned[31]), (1, 99));

        let mut wide = PeerState::default();
        wide.learn(0, 1000);
        assert_eq!(wide.learned.capacity(), LEARNED_RESERVE_MAX);
    }
}
