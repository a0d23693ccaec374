//! Blocks: immutable bodies shared by every peer that has received them.
//!
//! A peer "has" a body only once a Block message reached it (its mempool entry says so); the
//! book is just where the bytes live, so a Block message carries a 4-byte index instead of a
//! copy. Bodies are dropped from the front of the book once the block is finished and older
//! than the garbage-collection horizon, which bounds memory however long the run.

use crate::model::ids::{BlockIdx, PeerIdx, Tick, TokenIdx};
use crate::model::rng::hash_words;
use bevy_ecs::prelude::Resource;
use smallvec::SmallVec;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};

/// Protocol capacity of a block (D2: 1..=6 parts, each token at most once).
pub use crate::config::MAX_PARTS;

/// One token transfer: `token` moves away from the owner set by block `last`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Part {
    pub token: TokenIdx,
    pub last: BlockIdx,
    /// Time of block `last` (0 for genesis). A receiver would read it from the parent block;
    /// carrying it saves a lookup and lets a node tell "I am behind" from "this is stale".
    pub last_time: Tick,
}

/// How a block ended, as seen by the peer it was submitted to (its origin).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Committed,
    Rejected,
    TimedOut,
}

/// How a protocol names its blocks (`Protocol::BLOCK_IDS`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BlockIds {
    /// The id is the drawn nonce itself, chosen freely (the original simulator's ids).
    #[default]
    Drawn,
    /// The id is the hash of the block's content ([`content_id`]): whoever signs a block can
    /// only grind its nonce, and a re-submission keeps its id.
    ContentHash,
}

impl BlockIds {
    /// The id of a block with `parts` and `nonce`.
    pub fn id(self, parts: &[Part], nonce: u64) -> u64 {
        match self {
            BlockIds::Drawn => nonce,
            BlockIds::ContentHash => content_id(parts, nonce),
        }
    }
}

/// The hash of a block's content: its nonce, then each part's token, owner (`last`, the
/// parent's index standing for its hash) and owner time. The origin and submission tick are
/// left out, so a re-submission through another origin has the same id.
pub fn content_id(parts: &[Part], nonce: u64) -> u64 {
    parts.iter().fold(hash_words(&[nonce]), |h, p| {
        hash_words(&[h, p.token as u64, p.last as u64, p.last_time as u64])
    })
}

/// Who signed a block's spends. A part is valid only when signed by its token's owner; the
/// simulator models the signature by who made the block.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Spender {
    /// The owner, or whoever holds the owner's key (a double-signing owner is one).
    #[default]
    Owner,
    /// A peer without the owner's key (behaviour `thief`): its signatures do not verify.
    Thief,
}

#[derive(Debug)]
pub struct Block {
    /// Ring id: the nonce itself in the original (random, as in the original simulator), the
    /// hash of the content in v2 (`BlockIds`).
    pub id: u64,
    /// What the owner chose beside the parts: the recipients and amounts the simulator does
    /// not model, so two spends of the same parts (a double spend's twin) differ.
    pub nonce: u64,
    /// Tick the block was submitted.
    pub submitted: Tick,
    /// Block time, written into token mappings: `submitted + 1`, so it always exceeds the
    /// genesis time 0 and its parent's time.
    pub time: Tick,
    pub origin: PeerIdx,
    pub parts: SmallVec<[Part; 3]>,
    /// A double-spending twin made by conflict injection: its tokens belong to another block.
    pub twin_of: Option<BlockIdx>,
    /// The first block of the submission this one re-submits unchanged (an owner whose block
    /// timed out, v2), which it continues: one submission, however many tries.
    pub retry_of: Option<BlockIdx>,
    /// Who signed its spends (see [`Spender`]).
    pub spender: Spender,
    pub outcome: Option<(Outcome, Tick)>,
    /// Number of peers that committed this block.
    pub commits: u32,
    /// Messages sent about this block (votes, queries and transfers), lost ones included.
    pub messages: AtomicU64,
}

impl Block {
    /// Charges `n` messages to this block; called from parallel senders.
    #[inline]
    pub fn charge(&self, n: u64) {
        self.messages.fetch_add(n, Ordering::Relaxed);
    }

    pub fn messages_sent(&self) -> u64 {
        self.messages.load(Ordering::Relaxed)
    }

    /// The end of the block's life: no peer holds an entry for it from this tick on, so once
    /// it has passed nothing can commit the block any more.
    #[inline]
    pub fn expires(&self, ttl: Tick) -> Tick {
        self.submitted + ttl
    }

    /// D2/S4: 1..=6 parts, no token twice.
    pub fn is_well_formed(&self) -> bool {
        let n = self.parts.len();
        (1..=MAX_PARTS).contains(&n)
            && (0..n).all(|i| (i + 1..n).all(|j| self.parts[i].token != self.parts[j].token))
    }
}

#[derive(Resource, Default)]
pub struct BlockBook {
    base: BlockIdx,
    blocks: VecDeque<Block>,
}

impl BlockBook {
    #[inline]
    pub fn get(&self, idx: BlockIdx) -> Option<&Block> {
        idx.checked_sub(self.base)
            .and_then(|i| self.blocks.get(i as usize))
    }

    #[inline]
    pub fn get_mut(&mut self, idx: BlockIdx) -> Option<&mut Block> {
        idx.checked_sub(self.base)
            .and_then(|i| self.blocks.get_mut(i as usize))
    }

    /// Index of the oldest block still held (every older one is retired).
    pub fn first_idx(&self) -> BlockIdx {
        self.base
    }

    /// Index the next pushed block will get.
    pub fn next_idx(&self) -> BlockIdx {
        self.base + self.blocks.len() as BlockIdx
    }

    pub fn push(&mut self, block: Block) -> BlockIdx {
        let idx = self.next_idx();
        assert!(
            idx < crate::model::ids::GENESIS - 1,
            "block index space exhausted"
        );
        self.blocks.push_back(block);
        idx
    }

    /// Blocks the book has room for without allocating (for memory censuses).
    pub fn capacity(&self) -> usize {
        self.blocks.capacity()
    }

    /// Blocks still held (finished ones inside the horizon included).
    pub fn len(&self) -> usize {
        self.blocks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }

    /// Drops finished blocks older than `horizon` ticks from the front; returns them in order
    /// so the caller can export them.
    pub fn retire(&mut self, now: Tick, horizon: Tick, mut sink: impl FnMut(BlockIdx, &Block)) {
        while let Some(front) = self.blocks.front() {
            match front.outcome {
                Some((_, at)) if at + horizon < now => {
                    sink(self.base, front);
                    self.blocks.pop_front();
                    self.base += 1;
                }
                _ => break,
            }
        }
    }

    /// Every block still held, oldest first.
    /// The blocks first submitted at `now` that race nothing (twins excluded), with the first
    /// part of each, in submission order: what a double-spending owner may race.
    pub fn fresh_spends(&self, now: Tick) -> Vec<(BlockIdx, PeerIdx, Part)> {
        let mut fresh: Vec<_> = self
            .iter()
            .rev()
            .take_while(|(_, b)| b.submitted == now)
            .filter(|(_, b)| b.twin_of.is_none())
            .map(|(i, b)| (i, b.origin, b.parts[0]))
            .collect();
        fresh.reverse();
        fresh
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (BlockIdx, &Block)> {
        self.blocks
            .iter()
            .enumerate()
            .map(move |(i, b)| (self.base + i as BlockIdx, b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(parts: &[TokenIdx]) -> Block {
        let spends: Vec<_> = parts
            .iter()
            .map(|&t| (t, crate::model::ids::GENESIS))
            .collect();
        crate::testing::block_spending(1, &spends)
    }

    #[test]
    fn well_formed_blocks() {
        assert!(block(&[1, 2, 3]).is_well_formed());
        assert!(!block(&[1, 2, 1]).is_well_formed());
        assert!(!block(&[]).is_well_formed());
        assert!(block(&[0, 1, 2, 3, 4, 5]).is_well_formed());
        assert!(!block(&[0, 1, 2, 3, 4, 5, 6]).is_well_formed());
    }

    #[test]
    fn retire_keeps_indices_stable() {
        let mut book = BlockBook::default();
        for _ in 0..3 {
            book.push(block(&[1]));
        }
        book.get_mut(0).unwrap().outcome = Some((Outcome::Committed, 5));
        book.get_mut(2).unwrap().outcome = Some((Outcome::Committed, 5));
        let mut gone = vec![];
        book.retire(10, 2, |i, _| gone.push(i));
        assert_eq!(gone, vec![0]);
        assert!(book.get(0).is_none());
        assert!(book.get(1).is_some() && book.get(2).is_some());
        assert_eq!(book.next_idx(), 3);
    }
}

impl Block {
    /// A summary row for export once the block is retired or the run ends.
    pub fn record(&self, idx: BlockIdx) -> BlockRecord {
        BlockRecord {
            idx,
            id: self.id,
            submitted: self.submitted,
            origin: self.origin,
            outcome: self.outcome,
            messages: self.messages_sent(),
            tokens: self.parts.len() as u32,
            peers_committed: self.commits,
            twin_of: self.twin_of,
        }
    }
}

/// One block's life, for the blocks table.
#[derive(Clone, Debug, PartialEq)]
pub struct BlockRecord {
    pub idx: BlockIdx,
    pub id: u64,
    pub submitted: Tick,
    pub origin: PeerIdx,
    pub outcome: Option<(Outcome, Tick)>,
    pub messages: u64,
    pub tokens: u32,
    pub peers_committed: u32,
    pub twin_of: Option<BlockIdx>,
}

/// Retired blocks waiting to be exported; only filled when someone asked for them.
#[derive(Resource, Default)]
pub struct RetiredBlocks {
    pub enabled: bool,
    pub records: Vec<BlockRecord>,
}
