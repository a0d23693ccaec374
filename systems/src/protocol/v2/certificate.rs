//! Quorum certificates and the catch-up they allow.
//!
//! A certificate is the quorum of signed yes votes (an aggregate signature of `Q` committee
//! members per part) that lets a block's origin commit it; whoever holds it can show it, and
//! a member accepts it only if it verifies (`engine::verifier`), whatever the origin did with
//! it. A proposal carries its parts' parent certificates and a commit push carries the block's
//! own, so a member that missed a commit learns the mapping from the next message that needs
//! it: no polling, and one behind by any number of commits catches up in one step.

use super::collect::Ballot;
use super::committee::{quorum, size, slot};
use crate::model::blocks::Block;
use crate::model::ids::{BlockIdx, GENESIS, TokenIdx};
use crate::model::peer::Mapping;
use crate::model::signatures::Word;
use crate::protocol::v2::state::PeerState;
use crate::protocol::{BlockRef, Io, Services};

/// Whether the certificate of block `block` (as a message carries it) verifies.
#[inline]
pub fn verifies(world: &Services, block: BlockRef) -> bool {
    let q = quorum(size(world.lookup.len()), world.params.tolerance);
    world.certificates.verifies(block.idx, block.body, q)
}

/// The mapping block `last` wrote for `token`, if the certificate of `last` the message
/// carries verifies (the message names the parent and its time). While the parent's body is
/// held its certificate is checked in full; once it is gone, what the certificate stated when
/// it verified: a member far behind catches up to the head in one step.
pub fn certified_owner(world: &Services, token: TokenIdx, last: BlockIdx) -> Option<Mapping> {
    match world.bodies.get(last) {
        Some(parent) => {
            if !verifies(
                world,
                BlockRef {
                    idx: last,
                    body: parent,
                },
            ) {
                return None;
            }
            let spent = parent.parts.iter().find(|p| p.token == token)?;
            Some(Mapping {
                block: last,
                time: parent.time,
                prev: spent.last,
            })
        }
        None => world.certificates.certified_mapping(token, last),
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

/// Signs this member's vote on `block`, part by part (yes where `ballot.mask` says so, no on
/// the other parts it holds): each a statement in the registry of votes cast
/// (`model::signatures`), by its slot in the part's committee. Certificates and collectors'
/// tallies are checked against these, never against what an origin or collector did.
pub fn sign_ballot<const T: bool>(io: &mut Io<'_, '_, T>, block: BlockRef, ballot: Ballot) {
    let world = io.world;
    let c = size(world.lookup.len());
    for (i, part) in block.body.parts.iter().enumerate() {
        let bit = 1 << i;
        if ballot.holds & bit == 0 {
            continue;
        }
        let word = match ballot.mask & bit != 0 {
            true => Word::Yes,
            false => Word::No,
        };
        let s = slot(world.lookup, world.tokens.id(part.token), io.me);
        if s < c {
            io.sign(block.idx, i, s, word);
        }
    }
}
