//! Known oracles: global facts that v2's rules still read and no real peer has. Each is listed
//! in `docs/architecture.md` ("Known oracles and shortcuts") and `docs/protocol-v2.md`
//! ("Safety: what is and is not shown"), to be removed by the issue that makes v2 safe on a
//! real network. Nothing else in protocol code may read a block's outcome.

use crate::model::blocks::{BlockBook, Outcome};
use crate::model::ids::{BlockIdx, TokenIdx};
use crate::model::mapping::Mapping;

/// The oracles, behind one named door so that every use is visible.
#[derive(Clone, Copy)]
pub struct KnownOracles<'a>(&'a BlockBook);

impl<'a> KnownOracles<'a> {
    pub fn new(book: &'a BlockBook) -> Self {
        Self(book)
    }

    /// Oracle: whether block `idx` committed at its origin (stands for "a certificate exists").
    #[inline]
    pub fn certified(&self, idx: BlockIdx) -> bool {
        self.0
            .get(idx)
            .is_some_and(|b| matches!(b.outcome, Some((Outcome::Committed, _))))
    }

    /// Oracle: the newest certified owner of `token`, kept after the bodies are gone.
    #[inline]
    pub fn certified_head(&self, token: TokenIdx) -> Mapping {
        self.0.certified_head(token)
    }
}
