//! Certificate verification, the door through which protocol code checks a certificate it is
//! shown. Signatures are modelled as unforgeable by the registry of votes actually cast
//! (`model::signatures`): a certificate is valid when every part has `Q` signers there. A
//! message names its block's certificate rather than carrying the signer bitmaps, and the
//! receiver checks the registry: as if the sender held every cast signature, so a forger is
//! stronger than a real one, and an honest sender only shows a certificate it assembled
//! (listed in `docs/protocol-v2.md`, "Modelling shortcuts").

use crate::model::blocks::Block;
use crate::model::ids::{BlockIdx, TokenIdx};
use crate::model::mapping::Mapping;
use crate::model::signatures::{Signatures, Word};

/// Read access to what certificate verification needs, and nothing else of the registry.
#[derive(Clone, Copy)]
pub struct Verifier<'a>(&'a Signatures);

impl<'a> Verifier<'a> {
    pub fn new(signatures: &'a Signatures) -> Self {
        Self(signatures)
    }

    /// Whether a certificate for block `idx` (body `block`) with quorum `q` verifies: each
    /// part holds `q` signed yes votes of its committee.
    #[inline]
    pub fn verifies(&self, idx: BlockIdx, block: &Block, q: u32) -> bool {
        self.0.is_certified(idx, block.parts.len(), q)
    }

    /// Which committee slots of `claimed` signed `word` on part `part` of block `idx`: what
    /// checking the signatures a collector's tally carries accepts.
    #[inline]
    pub fn signed(&self, idx: BlockIdx, part: usize, claimed: u32, word: Word) -> u32 {
        self.0.signed(idx, part, claimed, word)
    }

    /// The mapping of `token` that block `last`'s certificate states, if it verified and is
    /// among the token's newest two: what a certificate shows once its block's body and
    /// signatures are gone (it was checked when formed).
    #[inline]
    pub fn certified_mapping(&self, token: TokenIdx, last: BlockIdx) -> Option<Mapping> {
        self.0.certified_mapping(token, last)
    }
}
