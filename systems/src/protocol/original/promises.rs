//! The original's promises: a peer agrees to at most one block per (token, owner), and holds
//! to it until that block expires. Methods of its
//! `PeerState`.

use super::state::{PeerState, Promise};
use crate::model::blocks::Block;
use crate::model::ids::{BlockIdx, Tick, TokenIdx};

impl PeerState {
    /// The block this peer already agreed may spend `token` from `last`, if any.
    #[inline]
    pub fn promised(&self, token: TokenIdx, last: BlockIdx) -> Option<BlockIdx> {
        self.protocol
            .promises
            .iter()
            .find(|p| p.token == token && p.last == last)
            .map(|p| p.block)
    }

    /// Records a promise for every part of `block` this peer agrees with (bits of `agree`).
    pub fn promise_agreed(&mut self, block: &Block, idx: BlockIdx, agree: u8, ttl: Tick) {
        for (i, part) in block.parts.iter().enumerate() {
            if agree & (1 << i) != 0 && self.promised(part.token, part.last).is_none() {
                let until = block.expires(ttl);
                self.protocol.promises.push(Promise {
                    token: part.token,
                    last: part.last,
                    block: idx,
                    until,
                });
                self.collect_at(until);
            }
        }
    }
}
