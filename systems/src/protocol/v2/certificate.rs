//! Quorum certificates and the catch-up they allow.
//!
//! A certificate is the quorum of votes (an aggregate signature of `Q` committee members
//! per part) that let a block's origin commit it. This file is where v2 still reads the known
//! oracles (`engine/oracle.rs`, listed in docs/architecture.md): a certificate is recognised
//! as "the block's origin committed it", which its origin does only on a quorum of every
//! part's committee (`quorum.rs`), and once a parent's body is gone the token's certified
//! head is read from the book. A proposal carries its parts' parent certificates and a commit
//! push carries the block's own, so a member that missed a commit learns the mapping from the
//! next message that needs it: no polling, and one behind by any number of commits catches up
//! in one step.

use super::committee::{size, slot};
use crate::model::blocks::Block;
use crate::model::ids::{BlockIdx, GENESIS, TokenIdx};
use crate::model::peer::{Mapping, PeerState};
use crate::protocol::{BlockRef, Io, Services};

/// Whether block `idx` has a quorum certificate: a known oracle (its origin committed it).
#[inline]
pub fn certified(world: &Services, idx: BlockIdx) -> bool {
    world.oracle.certified(idx)
}

/// The mapping block `last` wrote for `token`, if `last` is certified (the message names the
/// parent and its time, and carries its certificate). Read from the body while the book holds
/// it, else from the token's newest certificate, which outlives the body: a member far behind
/// catches up to the head in one step.
pub fn certified_owner(world: &Services, token: TokenIdx, last: BlockIdx) -> Option<Mapping> {
    match world.bodies.get(last) {
        Some(parent) => {
            if !certified(world, last) {
                return None;
            }
            let spent = parent.parts.iter().find(|p| p.token == token)?;
            Some(Mapping {
                block: last,
                time: parent.time,
                prev: spent.last,
            })
        }
        None => {
            let head = world.oracle.certified_head(token);
            (head.block == last).then_some(head)
        }
    }
}

/// Catch-up: for each part of `block` whose token `ps` stores and is behind on, writes the
/// parent's mapping if the parent is certified (the certificate rides with the message).
pub fn catch_up(ps: &mut PeerState, block: &Block, world: &Services) {
    for part in &block.parts {
        if part.last == GENESIS || !ps.in_range(world.tokens.id(part.token)) {
            continue;
        }
        if ps.mapping(part.token).time >= part.last_time {
            continue;
        }
        if let Some(parent) = certified_owner(world, part.token, part.last) {
            ps.set_mapping(part.token, parent);
        }
    }
}

/// Signs this member's yes votes on `block` (bit i of `mask` = yes on part i): each one a
/// statement in the registry of votes cast (`model::signatures`), by its slot in the part's
/// committee. Certificates are checked against these, never against what an origin did.
pub fn sign_ballot<const T: bool>(io: &mut Io<'_, '_, T>, block: BlockRef, mask: u8) {
    let world = io.world;
    let c = size(world.lookup.len());
    for (i, part) in block.body.parts.iter().enumerate() {
        if mask & (1 << i) == 0 {
            continue;
        }
        let s = slot(world.lookup, world.tokens.id(part.token), io.me);
        if s < c {
            io.sign_yes(block.idx, i, s);
        }
    }
}
