//! The original's neighbourhood of a key, as one node sees it: the 4 peers it knows nearest
//! below the key and the 4 at or above it. Its voters, the targets it asks, and its own range
//! (the tokens it stores) all come from it.

use crate::engine::lookup::Lookup;
use crate::model::blocks::Block;
use crate::model::ids::PeerIdx;
use crate::model::ring::NearestKnown;
use crate::model::tokens::TokenBook;

/// Known peers on each side of a key.
pub const SIDE: usize = 4;

/// A node's neighbourhood of one key.
pub type Neighbourhood = NearestKnown<SIDE>;

/// A block's views at one peer: one neighbourhood per part, then the witness's. Room for the
/// default blocks of up to three parts inline: a spilled list is one more allocation that
/// every delivered vote and every vote request has to chase (BENCHMARKS.md, "Design history").
pub type Views = smallvec::SmallVec<[Neighbourhood; 4]>;

/// Peer `node`'s neighbourhood of `key`.
#[inline]
pub fn neighbourhood(lookup: Lookup, node: PeerIdx, key: u64) -> Neighbourhood {
    lookup.nearest_known(node, key)
}

/// Peer `me`'s views of `block`: its neighbourhood of each part's token, then of the block
/// id (the witness).
pub fn views(lookup: Lookup, block: &Block, tokens: &TokenBook, me: PeerIdx) -> Views {
    block
        .parts
        .iter()
        .map(|p| neighbourhood(lookup, me, tokens.id(p.token)))
        .chain(std::iter::once(neighbourhood(lookup, me, block.id)))
        .collect()
}

/// The ring ids whose tokens peer `p` stores: from the 4th known peer below its own id to
/// the 4th above.
pub fn own_range(lookup: Lookup, p: PeerIdx) -> (u64, u64) {
    let (lo, hi) = neighbourhood(lookup, p, lookup.id(p)).bounds();
    (lookup.id(lo), lookup.id(hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The voters config validation counts on: 4 either side plus the key's own nearest peer.
    #[test]
    fn the_configured_voter_count_is_this_neighbourhoods() {
        assert_eq!(crate::config::NEIGHBOURHOOD_VOTERS as usize, 2 * SIDE + 1);
    }
}
