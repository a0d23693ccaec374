//! What v2 keeps per peer (its locks) and per entry (votes received or cast, and what a
//! collector already reported), beside the engine's part.

use crate::model::ids::{BlockIdx, Tick, TokenIdx};
use crate::model::message::Message;
use crate::model::peer::{
    EntryPart, PeerPart, VoteRecord, VoteRecords, record_newest, spilled_bytes,
};
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
    /// Its locks, dropped only once moot (`vote/lock.rs::prune_locks`), never by age. On the
    /// heap: only committee members ever hold one, so inline room would cost every peer.
    pub locks: Vec<Lock>,
}

impl PeerPart for V2Peer {
    type Entry = V2Entry;

    fn heap_bytes(&self) -> usize {
        self.locks.capacity() * std::mem::size_of::<Lock>()
    }
}

/// A member's vote on a block: bit i of `mask` = yes on part i, of `holds` = spoke for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ballot {
    pub mask: u8,
    pub holds: u8,
}

/// A committee member's own vote on a proposal.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MyVote {
    /// Not a member's entry: an origin's, or one a commit push made.
    #[default]
    None,
    /// Heard of the proposal at `at`; it votes once its waiting window has passed.
    Heard { at: Tick },
    /// Voted, and signed it.
    Cast(Ballot),
}

/// v2's part of an entry.
#[derive(Clone, Debug, Default)]
pub struct V2Entry {
    /// A member's own vote (`MyVote::None` at an origin).
    pub mine: MyVote,
    /// Collectors (routed topologies): the parts whose deciding tally this peer sent.
    pub reported: u8,
    /// Votes received: an origin's from the committees (and its collectors' tallies), a
    /// collector's from the members it collects for.
    pub votes: VoteRecords,
}

impl V2Entry {
    /// Keeps vote `m` on the parts of `parts` only (those its sender speaks for here), if it
    /// is the sender's first or newer than the one kept.
    pub fn take_vote(&mut self, m: &Message, parts: u8) -> bool {
        record_newest(
            &mut self.votes,
            VoteRecord {
                voter: m.from,
                sent: m.sent,
                mask: m.mask & parts,
                holds: m.holds & parts,
            },
        )
    }
}

impl EntryPart for V2Entry {
    fn settle(&mut self) {
        self.votes = SmallVec::new();
        self.mine = MyVote::None;
    }

    /// A member's own vote counts as one record, as the votes it received do.
    fn vote_records(&self) -> usize {
        self.votes.len() + usize::from(self.mine != MyVote::None)
    }

    fn heap_bytes(&self) -> usize {
        spilled_bytes(&self.votes)
    }
}
