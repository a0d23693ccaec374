//! One peer's state: the engine's part (mempool, token store, verdicts) and
//! its protocol's own part, whose type the protocol declares (`Protocol::Peer`).
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
    /// Learned from another peer's message (the original's voters and fetched parents, v2's
    /// committee members and the peers a commit push reached).
    Relay,
}

/// What the vote system concluded this tick, for the commit system to apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Undecided,
    Commit,
    Reject,
}

/// The latest vote a peer received from one voter for one block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VoteRecord {
    pub voter: PeerIdx,
    pub sent: Tick,
    pub mask: u8,
    pub holds: u8,
}

/// The votes an entry received, the newest per voter, in the order voters first spoke.
pub type VoteRecords = SmallVec<[VoteRecord; 6]>;

/// Keeps `new` if it is `votes`' first from its voter or newer than the one kept; returns
/// whether the list changed.
pub fn record_newest(votes: &mut VoteRecords, new: VoteRecord) -> bool {
    match votes.iter_mut().find(|v| v.voter == new.voter) {
        Some(v) if new.sent > v.sent => {
            *v = new;
            true
        }
        Some(_) => false,
        None => {
            votes.push(new);
            true
        }
    }
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

pub use crate::model::verdicts::{Settled, Verdict};

/// A protocol's own part of a peer's state (`PeerState::protocol`): what its rules keep per
/// peer beside what the engine keeps for every protocol.
pub trait PeerPart: Clone + Default + std::fmt::Debug + Send + Sync + 'static {
    /// Its own part of each mempool entry (`Entry::protocol`).
    type Entry: EntryPart;

    /// Forgets what ran out by `now` (entries live `ttl` ticks); returns the earliest tick at
    /// which something more runs out (`Tick::MAX`: nothing does). Run by `collect_garbage`.
    /// By default nothing of the part runs out with time.
    fn collect(&mut self, _now: Tick, _ttl: Tick) -> Tick {
        Tick::MAX
    }

    /// Bytes its lists hold on the heap, beyond the part itself (for memory censuses).
    fn heap_bytes(&self) -> usize {
        0
    }

    /// Starts loading into cache what handling a message will read of this part (the
    /// delivery pass calls it a few receivers ahead).
    #[inline(always)]
    fn prefetch(&self) {}
}

/// A protocol's own part of one mempool entry.
pub trait EntryPart: Clone + Default + std::fmt::Debug + Send + Sync + 'static {
    /// Frees what only an undecided entry needs, once the block is decided here.
    fn settle(&mut self);

    /// How many received votes the entry holds (the `vote_records` metric).
    fn vote_records(&self) -> usize;

    /// Bytes its lists hold on the heap, beyond the part itself (for memory censuses).
    fn heap_bytes(&self) -> usize {
        0
    }
}

/// Heap bytes of a `SmallVec` that outgrew its inline room (0 while inline).
pub fn spilled_bytes<A: smallvec::Array>(v: &SmallVec<A>) -> usize {
    if v.spilled() {
        v.capacity() * std::mem::size_of::<A::Item>()
    } else {
        0
    }
}

/// No part of its own: for a protocol that keeps nothing beside the engine's state, and for
/// tests of the engine alone.
impl PeerPart for () {
    type Entry = ();
}

impl EntryPart for () {
    fn settle(&mut self) {}
    fn vote_records(&self) -> usize {
        0
    }
}

/// A block at one peer: what the engine reads of every entry (which block, pending or
/// decided, until when, whether its body is known, why it is here, what the vote pass
/// decided) and the protocol's own part.
#[derive(Clone, Debug)]
pub struct Entry<E> {
    pub block: BlockIdx,
    pub state: EntryState,
    /// The block's lifetime ends here, at every peer alike (see `Block::expires`).
    pub expires: Tick,
    pub body: Body,
    pub role: Role,
    pub decision: Decision,
    /// What the protocol keeps about the block here.
    pub protocol: E,
}

impl<E: EntryPart> Entry<E> {
    pub fn new(block: BlockIdx, expires: Tick, body: Body, role: Role) -> Self {
        Self {
            block,
            state: EntryState::Pending,
            expires,
            body,
            role,
            decision: Decision::Undecided,
            protocol: E::default(),
        }
    }

    /// Marks the block decided here and frees the per-vote state.
    pub fn settle(&mut self, state: EntryState) {
        self.state = state;
        self.decision = Decision::Undecided;
        self.protocol.settle();
    }
}

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

/// One peer: its mempool, its store and what it learned, kept by the engine for every
/// protocol, and the protocol's own part (`S`).
#[derive(Clone, Debug, Default)]
pub struct PeerState<S: PeerPart> {
    /// Entries sorted by block index. Change it only through `insert_entry`, `push_entry`
    /// and `retain_entries`, which keep `keys` in step.
    pub mempool: Vec<Entry<S::Entry>>,
    /// The mempool's block indices, inline: most lookups (every delivered message makes one)
    /// then touch no entry at all, and an entry only when it is the one wanted.
    keys: SmallVec<[BlockIdx; 6]>,
    /// Mappings of tokens inside this peer's own range (absent = genesis).
    pub store: SmallVec<[(TokenIdx, Mapping); 2]>,
    /// Blocks decided here, kept as 12 bytes each (not a whole entry) to echo later votes.
    pub remembered: Verdicts,
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
    /// What the protocol keeps per peer.
    pub protocol: S,
}

impl<S: PeerPart> PeerState<S> {
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
    fn collect_entry(&mut self, e: &Entry<S::Entry>) {
        self.collect_at(match e.state {
            EntryState::Pending => e.expires,
            EntryState::Committed | EntryState::Blocked => 0,
        });
    }

    /// Inserts an entry at the position `find` returned.
    pub fn insert_entry(&mut self, at: usize, e: Entry<S::Entry>) {
        self.collect_entry(&e);
        self.keys.insert(at, e.block);
        self.reserve_entry();
        self.mempool.insert(at, e);
    }

    /// Appends an entry for a block newer than every other in the pool.
    pub fn push_entry(&mut self, e: Entry<S::Entry>) {
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
    pub fn add_entry(&mut self, e: Entry<S::Entry>) {
        match self.find(e.block) {
            Ok(i) => {
                self.collect_entry(&e);
                self.mempool[i] = e;
            }
            Err(at) => self.insert_entry(at, e),
        }
    }

    /// Keeps the entries for which `keep` says so.
    pub fn retain_entries(&mut self, keep: impl FnMut(&Entry<S::Entry>) -> bool) {
        let before = self.mempool.len();
        self.mempool.retain(keep);
        if self.mempool.len() != before {
            self.keys.clear();
            self.keys.extend(self.mempool.iter().map(|e| e.block));
        }
    }

    #[inline]
    pub fn entry_mut(&mut self, block: BlockIdx) -> Option<&mut Entry<S::Entry>> {
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

    /// Whether this peer still remembers deciding `block` at tick `now`.
    pub fn remembers(&self, block: BlockIdx, now: Tick) -> bool {
        self.verdict(block, now).is_some()
    }

    /// How this peer decided `block`, once its entry has left the mempool, while it remembers.
    pub fn verdict(&self, block: BlockIdx, now: Tick) -> Option<Verdict> {
        self.remembered.get(block, now)
    }

    /// Remembers a decided block.
    pub fn remember(&mut self, settled: Settled) {
        self.remembered.push(settled);
        self.collect_at(self.remembered.collect_due());
    }

    /// The mempool's block indices, read-only (for memory censuses: spilled or inline).
    pub fn keys(&self) -> &SmallVec<[BlockIdx; 6]> {
        &self.keys
    }

    pub fn vote_records(&self) -> usize {
        self.mempool.iter().map(|e| e.protocol.vote_records()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ids::GENESIS;

    #[test]
    fn newer_votes_replace_older() {
        let vote = |sent, mask| VoteRecord {
            voter: 7,
            sent,
            mask,
            holds: 0b1,
        };
        let mut votes = VoteRecords::new();
        assert!(record_newest(&mut votes, vote(5, 0b1)));
        assert!(!record_newest(&mut votes, vote(4, 0b0)));
        assert!(record_newest(&mut votes, vote(6, 0b0)));
        assert_eq!(votes.as_slice(), &[vote(6, 0b0)]);
    }

    #[test]
    fn mappings_only_move_forward() {
        let mut p = PeerState::<()>::default();
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
        let mut p = PeerState::<()>::default();
        for (n, block) in [(1, 5), (2, 3)] {
            let at = p.find(block).unwrap_err();
            p.insert_entry(at, Entry::new(block, 10, Body::Known, Role::Relay));
            assert_eq!(p.mempool.capacity(), n);
        }
        assert_eq!(p.find(3), Ok(0));
        p.push_entry(Entry::new(9, 10, Body::Known, Role::Relay));
        assert_eq!((p.mempool.len(), p.find(9)), (3, Ok(2)));
    }
}
