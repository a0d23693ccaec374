//! What v2 keeps per peer (its locks) and per entry (votes received or cast, and what a
//! collector already reported), beside the engine's part.

use crate::model::ids::{BlockIdx, Tick, TokenIdx};
use crate::model::peer::{EntryPart, PeerPart, VoteRecords, spilled_bytes};
use smallvec::SmallVec;

/// A peer under v2's rules.
pub type PeerState = crate::model::peer::PeerState<V2Peer>;

/// A mempool entry under v2's rules.
pub type Entry = crate::model::peer::Entry<V2Entry>;

/// A member's lock: it votes yes for `block` only, ever, on (token, last) (`vote/lock.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lock {
    pub token: TokenIdx,
    pub last: BlockIdx,
    pub block: BlockIdx,
    /// The block's id, part of its content: a block re-submitted by its owner (a new entry in
    /// the book with the same id and parts) is the same block, and keeps the lock.
    pub id: u64,
}

/// v2's part of a peer.
#[derive(Clone, Debug, Default)]
pub struct V2Peer {
    /// Its locks, dropped only once moot (`vote/lock.rs::prune_locks`), never by age.
    pub locks: SmallVec<[Lock; 2]>,
}

impl PeerPart for V2Peer {
    type Entry = V2Entry;

    /// Nothing of v2's own runs out with time.
    fn collect(&mut self, _: Tick, _: Tick) -> Tick {
        Tick::MAX
    }

    fn heap_bytes(&self) -> usize {
        spilled_bytes(&self.locks)
    }
}

/// v2's part of an entry.
#[derive(Clone, Debug)]
pub struct V2Entry {
    /// An origin's parts not yet certified; a member's `NOT_VOTED` until it votes, then 0.
    pub undecided: u8,
    /// Collectors (routed topologies): the parts whose deciding tally this peer sent.
    pub reported: u8,
    /// An origin's or collector's votes received; a member's own vote in `votes[0]` (voter =
    /// the member, `sent` = the tick it first heard of the proposal, `mask`/`holds` = its
    /// vote).
    pub votes: VoteRecords,
}

impl Default for V2Entry {
    fn default() -> Self {
        Self {
            undecided: 0x7F,
            reported: 0,
            votes: SmallVec::new(),
        }
    }
}

impl EntryPart for V2Entry {
    fn settle(&mut self) {
        self.votes = SmallVec::new();
    }

    fn vote_records(&self) -> usize {
        self.votes.len()
    }

    fn heap_bytes(&self) -> usize {
        spilled_bytes(&self.votes)
    }
}
