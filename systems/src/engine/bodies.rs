//! Block bodies as messages carry them. A message names its block by index and the body lives
//! once in the block book; reading it stands for reading the body the message (or an earlier
//! one) carried. Only the body: a block's outcome is the driver's and the checker's.

use crate::model::blocks::{Block, BlockBook};
use crate::model::ids::{BlockIdx, GENESIS, Tick};

/// Read access to block bodies, and nothing else of the book.
#[derive(Clone, Copy)]
pub struct Bodies<'a>(&'a BlockBook);

impl<'a> Bodies<'a> {
    pub fn new(book: &'a BlockBook) -> Self {
        Self(book)
    }

    /// The body of block `idx`, while the book holds it (it retires long after the block
    /// finished).
    #[inline]
    pub fn get(&self, idx: BlockIdx) -> Option<&'a Block> {
        self.0.get(idx)
    }

    /// The time stamp of block `idx` as an owner (0 for genesis), while its body is held.
    #[inline]
    pub fn owner_time(&self, idx: BlockIdx) -> Option<Tick> {
        if idx == GENESIS {
            Some(0)
        } else {
            self.0.get(idx).map(|b| b.time)
        }
    }
}
