//! The certificate checker (issue 24, item 6): two valid certificates for blocks spending the
//! same (token, owner) are a fork, even if neither block is ever pushed or committed.
//!
//! A block holds a valid certificate when every part has at least `Q` distinct signers of its
//! token's committee in the vote registry ([`Signatures`]): what verifying the aggregate
//! signature would accept, whoever holds the votes. A block re-submitted by its owner (a new
//! entry in the book with the same id and parts) is the same block, not a rival. The ledger's checker counts conflicting
//! *commits* by honest peers; this one counts conflicting *certificates*, into
//! [`Violations::conflicting_certificates`], once per pair of blocks.
//!
//! Bounded like the registry: a certified block is forgotten when the book retires it
//! (`entry_ttl + gc_after` ticks after its outcome), so a conflicting certificate formed after
//! that is not paired with it. No block that old is still proposed by the driver.

use crate::model::blocks::BlockBook;
use crate::model::ids::{BlockIdx, TokenIdx};
use crate::model::ledger::Ledger;
use crate::model::ledger::Violations;
use crate::model::signatures::Signatures;
use bevy_ecs::prelude::{ResMut, Resource};
use bevy_ecs::system::SystemParam;
use smallvec::SmallVec;
use std::collections::BTreeMap;

/// A certified block and its id (a re-submission of it has the same id and parts).
type Certified = (BlockIdx, u64);

/// Certified blocks by the (token, owner) they spend.
#[derive(Resource, Default)]
pub struct CertificateChecker {
    /// (token, owner) -> the certified blocks spending it, with their ids.
    spends: BTreeMap<(TokenIdx, BlockIdx), SmallVec<[Certified; 2]>>,
    /// Certified block -> the (token, owner) pairs it spends, so retiring visits only the
    /// retired blocks, not every pair held.
    by_block: BTreeMap<BlockIdx, SmallVec<[(TokenIdx, BlockIdx); 3]>>,
    /// Blocks found certified so far (not reset by retiring).
    pub certified: u64,
}

impl CertificateChecker {
    /// Looks at every block that became certified since the last check (every part reaches
    /// `q` signers): each certified block already spending one of its (token, owner) pairs
    /// makes one conflicting pair (counted once per pair of blocks).
    pub fn check(
        &mut self,
        signatures: &mut Signatures,
        book: &BlockBook,
        q: u32,
        violations: &mut Violations,
    ) {
        for idx in signatures.certify(book, q) {
            let Some(block) = book.get(idx) else {
                continue;
            };
            self.certified += 1;
            let mut rivals: SmallVec<[BlockIdx; 4]> = SmallVec::new();
            self.by_block
                .insert(idx, block.parts.iter().map(|p| (p.token, p.last)).collect());
            for part in &block.parts {
                let certified = self.spends.entry((part.token, part.last)).or_default();
                for &(other, id) in certified.iter() {
                    // A block its owner re-submitted (same id and parts) is the same block.
                    let same =
                        id == block.id && book.get(other).is_none_or(|o| o.parts == block.parts);
                    if other != idx && !same && !rivals.contains(&other) {
                        rivals.push(other);
                    }
                }
                certified.push((idx, block.id));
            }
            violations.conflicting_certificates += rivals.len() as u64;
        }
    }

    /// Forgets the certified blocks the book retired.
    pub fn retire_before(&mut self, first: BlockIdx) {
        let kept = self.by_block.split_off(&first);
        for (idx, keys) in std::mem::replace(&mut self.by_block, kept) {
            for key in keys {
                if let Some(blocks) = self.spends.get_mut(&key) {
                    blocks.retain(|b| b.0 != idx);
                    if blocks.is_empty() {
                        self.spends.remove(&key);
                    }
                }
            }
        }
    }

    /// (token, owner) pairs with a certified spend held (for memory tests).
    pub fn len(&self) -> usize {
        self.spends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spends.is_empty()
    }

    /// About the bytes its two maps take (for memory censuses): each entry's key and value,
    /// and half as much again for B-tree nodes that are not full, an estimate (the standard
    /// B-tree does not say its node count).
    pub fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        let spends = size_of::<(TokenIdx, BlockIdx)>() + size_of::<SmallVec<[Certified; 2]>>();
        let blocks = size_of::<BlockIdx>() + size_of::<SmallVec<[(TokenIdx, BlockIdx); 3]>>();
        let spilled: usize = self
            .spends
            .values()
            .filter(|v| v.spilled())
            .map(|v| v.capacity() * size_of::<Certified>())
            .sum();
        (self.spends.len() * spends + self.by_block.len() * blocks) * 3 / 2 + spilled
    }
}

/// What checking certificates borrows, for the system whose pass signs votes.
#[derive(SystemParam)]
pub struct Certification<'w> {
    pub signatures: ResMut<'w, Signatures>,
    pub checker: ResMut<'w, CertificateChecker>,
    pub ledger: ResMut<'w, Ledger>,
}

impl Certification<'_> {
    /// Finds the blocks that became certified (quorum `q`), and checks them for conflicts
    /// when the run checks safety.
    pub fn check(&mut self, book: &BlockBook, q: u32) {
        let Self {
            signatures,
            checker,
            ledger,
        } = self;
        if ledger.check {
            checker.check(signatures, book, q, &mut ledger.violations);
        } else {
            signatures.certify(book, q);
        }
    }

    /// Forgets what the book retired.
    pub fn retire(&mut self, book: &BlockBook) {
        self.signatures.retire_before(book.first_idx());
        self.checker.retire_before(book.first_idx());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::blocks::Block;
    use crate::model::ids::GENESIS;
    use crate::model::signatures::{SignedVote, Word};

    fn block(spends: &[(TokenIdx, BlockIdx)]) -> Block {
        crate::testing::block_spending(1 + spends.len() as u64, spends)
    }

    fn sign(s: &mut Signatures, block: BlockIdx, part: u8, slots: std::ops::Range<u8>) {
        for slot in slots {
            s.record(SignedVote {
                block,
                part,
                slot,
                word: Word::Yes,
            });
        }
    }

    #[test]
    fn two_certified_blocks_spending_one_owner_are_one_conflict() {
        let mut book = BlockBook::default();
        let x = book.push(block(&[(0, GENESIS)]));
        let y = book.push(block(&[(0, GENESIS), (1, GENESIS)]));
        let z = book.push(block(&[(1, GENESIS)]));
        let (mut s, mut c, mut v) = (
            Signatures::default(),
            CertificateChecker::default(),
            Violations::default(),
        );
        let q = 4;
        sign(&mut s, x, 0, 0..4);
        sign(&mut s, y, 0, 0..4);
        sign(&mut s, y, 1, 0..3);
        c.check(&mut s, &book, q, &mut v);
        assert_eq!(
            (c.certified, v.conflicting_certificates),
            (1, 0),
            "y lacks part 1"
        );
        sign(&mut s, y, 1, 3..5);
        c.check(&mut s, &book, q, &mut v);
        assert_eq!((c.certified, v.conflicting_certificates), (2, 1));
        // More votes on a certified block change nothing; z conflicts with y only.
        sign(&mut s, x, 0, 4..9);
        sign(&mut s, z, 0, 10..14);
        c.check(&mut s, &book, q, &mut v);
        assert_eq!((c.certified, v.conflicting_certificates), (3, 2));
        assert_eq!(v.total(), 2);
    }

    #[test]
    fn a_block_and_its_resubmission_are_not_rivals() {
        let mut book = BlockBook::default();
        let x = book.push(block(&[(0, GENESIS)]));
        let again = book.push(block(&[(0, GENESIS)]));
        let (mut s, mut c, mut v) = (
            Signatures::default(),
            CertificateChecker::default(),
            Violations::default(),
        );
        sign(&mut s, x, 0, 0..2);
        sign(&mut s, again, 0, 0..2);
        c.check(&mut s, &book, 2, &mut v);
        assert_eq!((c.certified, v.conflicting_certificates), (2, 0));
    }

    #[test]
    fn one_pair_is_counted_once_however_many_tokens_it_shares() {
        let mut book = BlockBook::default();
        let x = book.push(block(&[(0, GENESIS), (1, GENESIS)]));
        let y = book.push(block(&[(1, GENESIS), (0, GENESIS)]));
        let (mut s, mut c, mut v) = (
            Signatures::default(),
            CertificateChecker::default(),
            Violations::default(),
        );
        for b in [x, y] {
            sign(&mut s, b, 0, 0..2);
            sign(&mut s, b, 1, 0..2);
        }
        c.check(&mut s, &book, 2, &mut v);
        assert_eq!(v.conflicting_certificates, 1);
        c.retire_before(2);
        assert!(c.is_empty());
    }
}
