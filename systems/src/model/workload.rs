//! The transaction driver: which tokens are free to spend, and the blocks it submits.
//!
//! As in the original, every free token is put into a new block each tick, in blocks of a
//! random size, each submitted to a random peer; a token is free again once its block has an
//! outcome at its origin. With `tokens = 1` this reproduces the original's sequential runs.

use crate::model::blocks::{BlockBook, BlockIds};
use crate::model::ids::{BlockIdx, Tick, TokenIdx};
use bevy_ecs::prelude::Resource;
use std::collections::VecDeque;

#[derive(Resource, Default)]
pub struct Workload {
    /// Tokens that may go into the next blocks.
    pub free: Vec<TokenIdx>,
    /// Blocks submitted and without an outcome at their origin yet.
    pub active: u64,
    /// Rejected blocks whose tokens are held until the block expires: (tick, block).
    held: VecDeque<(Tick, BlockIdx)>,
    /// Whether an owner whose block timed out re-submits the same block rather than spending
    /// its tokens in a new one (v2's owned-object locks: a new block would find the members
    /// locked for the old one).
    pub resubmit_timed_out: bool,
    /// How the protocol names blocks: the submitter draws a nonce, the id follows.
    pub block_ids: BlockIds,
    /// Blocks that timed out, to be re-submitted as they are (when `resubmit_timed_out`).
    pub resubmit: Vec<BlockIdx>,
    /// The first tick with no submissions (the drain): a time-out later than the tick before
    /// it plans no retry, since none would be submitted.
    pub submissions_end: Tick,
}

impl Workload {
    pub fn new(tokens: u32) -> Self {
        Self {
            free: (0..tokens).collect(),
            active: 0,
            held: VecDeque::new(),
            resubmit_timed_out: false,
            block_ids: BlockIds::Drawn,
            resubmit: Vec::new(),
            submissions_end: Tick::MAX,
        }
    }

    /// Frees `block`'s tokens at `tick` (ticks arrive in order: every block has the same ttl).
    pub fn release_at(&mut self, tick: Tick, block: BlockIdx) {
        self.held.push_back((tick, block));
    }

    /// Frees the tokens of held blocks that have expired by `now`.
    pub fn release_expired(&mut self, now: Tick, book: &BlockBook) {
        while let Some(&(at, block)) = self.held.front() {
            if at > now {
                break;
            }
            self.held.pop_front();
            if let Some(b) = book.get(block) {
                self.free.extend(b.parts.iter().map(|p| p.token));
            }
        }
    }
}
