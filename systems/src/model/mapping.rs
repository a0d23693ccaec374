//! A token's owner as a peer stores it: the block that made it, when, and what that block
//! spent. Its own file because both the peers' stores and the block book's per-token record of
//! the newest committed block hold one.

use crate::model::ids::{BlockIdx, GENESIS, Tick};

/// A token's current owner as this peer stores it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mapping {
    pub block: BlockIdx,
    pub time: Tick,
    /// The `last` the block spent, so a sibling spend of the same owner is recognised.
    pub prev: BlockIdx,
}

/// No block: the `prev` of the genesis mapping.
pub const NO_BLOCK: BlockIdx = GENESIS - 1;

impl Mapping {
    pub const GENESIS: Mapping = Mapping {
        block: GENESIS,
        time: 0,
        prev: NO_BLOCK,
    };
}
