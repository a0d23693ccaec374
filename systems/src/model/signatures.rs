//! The registry of signed votes: signatures modelled as unforgeable (issue 24, item 2).
//!
//! Every vote a v2 member casts is a signed statement (signer, block, part, yes or no). The
//! simulator keeps them all, so that "does a certificate for this block exist?" is answered
//! as signature verification would: by the votes actually cast, not by what any origin did
//! with them. A statement is recorded when it is signed, whether or not the message carrying
//! it arrives: its signer repeats it to whoever asks (a re-sent proposal gets the same vote),
//! and a Byzantine signer hands it to anyone. They are kept as bitmaps of committee slots per
//! (block, part), one for yes and one for no (`COMMITTEE` = 32 slots fit a `u32`): yes votes
//! make certificates, and both verify what a collector claims its voters said.
//!
//! Chunks record into their own buffers during a pass ([`SignedVote`]s in the chunk's
//! scratch); the pass appends them here in chunk order, so the registry is the same on any
//! thread count (and a union of bits does not depend on order anyway). A block's record is
//! dropped when the block book retires the block, so memory follows the work in flight.
//!
//! Besides the checker, the registry serves v2's members as certificate verification
//! (`engine::certificates`): a certificate shown to a member is valid if its signers are in
//! the registry. So that a certificate outlives its block's record, the registry keeps, per
//! token, the mappings the two newest valid certificates wrote (flat in ticks): a parent, and
//! its child certified before the child's origin has caught up to the parent.

use crate::config::MAX_PARTS;
use crate::model::blocks::BlockBook;
use crate::model::ids::{BlockIdx, TokenIdx};
use crate::model::mapping::Mapping;
use bevy_ecs::prelude::Resource;
use std::collections::VecDeque;

/// What a signed vote says about one part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Word {
    Yes,
    No,
}

/// One signed vote: the member in committee slot `slot` of part `part`'s token said `word`
/// on `block`'s part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignedVote {
    pub block: BlockIdx,
    pub part: u8,
    pub slot: u8,
    pub word: Word,
}

/// What the registry holds for one block: each part's yes and no signers, and whether the
/// block's certificate was already found (then it is not checked again).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BlockSigners {
    pub yes: [u32; MAX_PARTS],
    pub no: [u32; MAX_PARTS],
    pub certified: bool,
}

impl BlockSigners {
    /// Whether each of the first `parts` parts holds at least `q` distinct signers.
    pub fn reaches(&self, parts: usize, q: u32) -> bool {
        parts > 0 && self.yes[..parts].iter().all(|s| s.count_ones() >= q)
    }
}

/// Every yes vote cast on the blocks the book still holds, by block.
#[derive(Resource, Default)]
pub struct Signatures {
    /// The record of block `base + i` is `blocks[i]`.
    base: BlockIdx,
    blocks: VecDeque<BlockSigners>,
    /// Blocks that gained a signer since the last [`Signatures::certify`].
    touched: Vec<BlockIdx>,
    /// Per token, the mappings the two newest valid certificates wrote, newest first
    /// (genesis until one did).
    heads: Vec<[Mapping; 2]>,
}

impl Signatures {
    /// Records one signed vote (a repeated one changes nothing).
    pub fn record(&mut self, v: SignedVote) {
        if v.block < self.base || v.part as usize >= MAX_PARTS || v.slot >= 32 {
            return;
        }
        let i = (v.block - self.base) as usize;
        if i >= self.blocks.len() {
            self.blocks.resize(i + 1, BlockSigners::default());
        }
        let rec = &mut self.blocks[i];
        let bit = 1u32 << v.slot;
        if v.word == Word::No {
            rec.no[v.part as usize] |= bit;
            return;
        }
        let set = &mut rec.yes[v.part as usize];
        if *set & bit == 0 {
            *set |= bit;
            if !rec.certified && self.touched.last() != Some(&v.block) {
                self.touched.push(v.block);
            }
        }
    }

    /// Records a chunk's buffer, in its order, and empties it (keeping its allocation).
    pub fn record_all(&mut self, votes: &mut Vec<SignedVote>) {
        for v in votes.drain(..) {
            self.record(v);
        }
    }

    /// What the registry holds for `block`.
    pub fn get(&self, block: BlockIdx) -> Option<&BlockSigners> {
        self.blocks.get(block.checked_sub(self.base)? as usize)
    }

    /// Which of the committee slots in `claimed` signed `word` on part `part` of `idx`.
    #[inline]
    pub fn signed(&self, idx: BlockIdx, part: usize, claimed: u32, word: Word) -> u32 {
        let Some(rec) = self.get(idx).filter(|_| part < MAX_PARTS) else {
            return 0;
        };
        claimed
            & match word {
                Word::Yes => rec.yes[part],
                Word::No => rec.no[part],
            }
    }

    /// Whether block `idx`, of `parts` parts, holds a certificate: at least `q` signers on
    /// every part (what verifying its aggregate signatures would accept).
    #[inline]
    pub fn is_certified(&self, idx: BlockIdx, parts: usize, q: u32) -> bool {
        self.get(idx).is_some_and(|r| r.reaches(parts, q))
    }

    /// The mapping of `token` that block `last`'s valid certificate wrote, if it is one of the
    /// token's two newest.
    #[inline]
    pub fn certified_mapping(&self, token: TokenIdx, last: BlockIdx) -> Option<Mapping> {
        self.heads
            .get(token as usize)?
            .iter()
            .find(|m| m.block == last && m.time > 0)
            .copied()
    }

    /// Finds the blocks that became certified (quorum `q`) since the last call, in increasing
    /// order: each is marked, and moves the head of every token it spends unless a newer
    /// certificate already did.
    pub fn certify(&mut self, book: &BlockBook, q: u32) -> Vec<BlockIdx> {
        let mut touched = std::mem::take(&mut self.touched);
        touched.sort_unstable();
        touched.dedup();
        touched.retain(|&idx| {
            let (Some(block), Some(i)) = (book.get(idx), idx.checked_sub(self.base)) else {
                return false;
            };
            let Some(rec) = self.blocks.get_mut(i as usize) else {
                return false;
            };
            if rec.certified || !rec.reaches(block.parts.len(), q) {
                return false;
            }
            rec.certified = true;
            for part in &block.parts {
                let t = part.token as usize;
                if self.heads.len() <= t {
                    self.heads.resize(t + 1, [Mapping::GENESIS; 2]);
                }
                let new = Mapping {
                    block: idx,
                    time: block.time,
                    prev: part.last,
                };
                let h = &mut self.heads[t];
                if new.time > h[0].time {
                    *h = [new, h[0]];
                } else if new.time > h[1].time {
                    h[1] = new;
                }
            }
            true
        });
        touched
    }

    /// Forgets every block before `first` (the book retired them).
    pub fn retire_before(&mut self, first: BlockIdx) {
        while self.base < first {
            if self.blocks.pop_front().is_none() {
                self.base = first;
                break;
            }
            self.base += 1;
        }
        self.touched.retain(|&b| b >= first);
    }

    /// Bytes its lists have room for: per-block records, blocks touched since the last
    /// certification, per-token heads (for memory censuses).
    pub fn heap_bytes(&self) -> usize {
        self.blocks.capacity() * std::mem::size_of::<BlockSigners>()
            + self.touched.capacity() * std::mem::size_of::<BlockIdx>()
            + self.heads.capacity() * std::mem::size_of::<[Mapping; 2]>()
    }

    /// Blocks with a record (for memory tests).
    pub fn len(&self) -> usize {
        self.blocks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yes(block: BlockIdx, part: u8, slot: u8) -> SignedVote {
        SignedVote {
            block,
            part,
            slot,
            word: Word::Yes,
        }
    }

    /// Blocks 0.. each spending token 0, block `i` at time `i + 1`.
    fn book_of(blocks: usize) -> BlockBook {
        let mut book = BlockBook::default();
        for i in 0..blocks {
            let mut b = crate::testing::block_spending(i as u64, &[(0, 0)]);
            b.time = i as crate::model::ids::Tick + 1;
            book.push(b);
        }
        book
    }

    #[test]
    fn a_signer_counts_once_and_a_part_reaches_its_quorum_on_distinct_signers() {
        let book = book_of(8);
        let mut s = Signatures::default();
        for slot in [0, 1, 1, 2] {
            s.record(yes(7, 0, slot));
        }
        let rec = s.get(7).expect("recorded");
        assert_eq!(rec.yes[0].count_ones(), 3);
        assert!(rec.reaches(1, 3));
        assert!(!rec.reaches(1, 4));
        assert!(!rec.reaches(2, 1), "part 1 has no signer");
        assert!(
            s.certify(&book, 4).is_empty(),
            "3 signers are not a quorum of 4"
        );
        assert_eq!(s.certified_mapping(0, 7), None);
        s.record(yes(7, 0, 3));
        assert_eq!(s.certify(&book, 4), vec![7]);
        assert!(s.certify(&book, 4).is_empty(), "found once");
        assert_eq!(s.certified_mapping(0, 7).map(|m| m.time), Some(8));
        assert!(s.is_certified(7, 1, 4) && !s.is_certified(6, 1, 1));
        // A no vote makes no certificate, and a claim verifies only what was signed.
        s.record(SignedVote {
            word: Word::No,
            ..yes(7, 0, 9)
        });
        assert_eq!(s.get(7).map(|r| r.yes[0].count_ones()), Some(4));
        assert_eq!(s.signed(7, 0, 0b11_0000_0011, Word::Yes), 0b11);
        assert_eq!(s.signed(7, 0, 0b11_0000_0011, Word::No), 1 << 9);
        assert_eq!(
            s.signed(6, 0, u32::MAX, Word::Yes),
            0,
            "nothing signed there"
        );
    }

    #[test]
    fn retiring_drops_records_and_keeps_indices_and_heads() {
        let book = book_of(13);
        let mut s = Signatures::default();
        s.record(yes(3, 0, 0));
        s.record(yes(5, 0, 4));
        s.retire_before(4);
        assert!(s.get(3).is_none());
        assert_eq!(s.get(5).map(|r| r.yes[0]), Some(1 << 4));
        assert_eq!(s.certify(&book, 1), vec![5]);
        s.retire_before(10);
        assert!(s.is_empty());
        assert!(
            s.certified_mapping(0, 5).is_some(),
            "outlives its block's record"
        );
        s.record(yes(12, 1, 31));
        assert_eq!(s.get(12).map(|r| r.yes[1]), Some(1 << 31));
        assert_eq!(s.len(), 3, "held from the retired frontier on");
        s.record(yes(9, 0, 0));
        assert!(s.get(9).is_none(), "retired blocks take no votes");
        // Two newer certificates push a token's oldest out.
        for b in [11, 12] {
            s.record(yes(b, 0, 0));
        }
        assert_eq!(s.certify(&book, 1), vec![11, 12]);
        assert!(s.certified_mapping(0, 5).is_none());
        assert!(s.certified_mapping(0, 11).is_some() && s.certified_mapping(0, 12).is_some());
    }
}
