//! Messages charged to blocks by one chunk during one system pass.
//!
//! Every sender charges the block a message is about. Charging the shared `Block` directly
//! would make both threads write the same few cache lines (the blocks in flight) for every
//! message; each chunk counts into its own array instead, and the system adds the arrays to
//! the blocks once, after the parallel part. Addition commutes, so the order does not matter.

use crate::model::blocks::BlockBook;
use crate::model::ids::BlockIdx;

/// Per-block message counts, indexed from the smallest block charged.
#[derive(Debug, Default)]
pub struct Charges {
    base: BlockIdx,
    counts: Vec<u64>,
}

impl Charges {
    /// Charges `n` messages to block `idx`.
    #[inline]
    pub fn add(&mut self, idx: BlockIdx, n: u64) {
        if self.counts.is_empty() {
            self.base = idx;
        } else if idx < self.base {
            let shift = (self.base - idx) as usize;
            self.counts.splice(0..0, std::iter::repeat_n(0, shift));
            self.base = idx;
        }
        let i = (idx - self.base) as usize;
        if i >= self.counts.len() {
            self.counts.resize(i + 1, 0);
        }
        self.counts[i] += n;
    }

    /// Adds every count to its block (blocks the book no longer holds are skipped) and
    /// starts over, keeping the allocation.
    pub fn settle_into(&mut self, book: &BlockBook) {
        for (i, &n) in self.counts.iter().enumerate() {
            if n > 0
                && let Some(b) = book.get(self.base + i as BlockIdx)
            {
                b.charge(n);
            }
        }
        self.counts.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_land_on_their_blocks_in_any_order() {
        let mut c = Charges::default();
        c.add(5, 2);
        c.add(3, 1);
        c.add(7, 4);
        c.add(5, 1);
        assert_eq!(c.base, 3);
        assert_eq!(c.counts, vec![1, 0, 3, 0, 4]);
    }
}
