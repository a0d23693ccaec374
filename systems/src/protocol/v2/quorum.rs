//! The origin's count: a part is certified when `Q` members of its committee voted for it,
//! and the block fails when some part can no longer reach `Q`.

use super::committee::{is_member, quorum, size};
use crate::engine::lookup::Lookup;
use crate::model::blocks::Block;
use crate::model::peer::VoteRecord;
use crate::model::tokens::TokenBook;

/// What the votes gathered so far allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Count {
    /// Every part holds a quorum: the votes form the block's certificate.
    Certified,
    /// Some part has more "no" votes than `C - Q`: it can never reach a quorum.
    Impossible,
    Open,
}

/// The parts (bits) of `block` whose committee holds `voter`.
#[inline]
pub fn committee_mask(lookup: Lookup, tokens: &TokenBook, block: &Block, voter: u32) -> u8 {
    let mut mask = 0u8;
    for (i, p) in block.parts.iter().enumerate() {
        if is_member(lookup, voter, tokens.id(p.token)) {
            mask |= 1 << i;
        }
    }
    mask
}

/// Counts `votes` (one record per voter, already restricted to the committees they sit in),
/// with committees tolerating `b` equivocators (`ProtocolConfig::tolerance`).
pub fn count(lookup: Lookup, block: &Block, votes: &[VoteRecord], tolerance: u32) -> Count {
    let c = size(lookup.len());
    let q = quorum(c, tolerance);
    let mut all = true;
    for i in 0..block.parts.len() {
        let bit = 1u8 << i;
        let yes = votes.iter().filter(|v| v.mask & bit != 0).count() as u32;
        let no = votes
            .iter()
            .filter(|v| v.holds & bit != 0 && v.mask & bit == 0)
            .count() as u32;
        if no > c - q {
            return Count::Impossible;
        }
        all &= yes >= q;
    }
    if all { Count::Certified } else { Count::Open }
}

/// The parts (bits) of `block` that `votes` give a quorum.
pub fn certified_parts(lookup: Lookup, block: &Block, votes: &[VoteRecord], tolerance: u32) -> u8 {
    let q = quorum(size(lookup.len()), tolerance);
    (0..block.parts.len())
        .filter(|&i| votes.iter().filter(|v| v.mask & (1 << i) != 0).count() as u32 >= q)
        .fold(0, |m, i| m | 1 << i)
}

#[cfg(test)]
mod tests {
    use super::super::committee::tolerated;
    use crate::config::MAX_TOLERANCE;

    /// The safety argument, exhaustively for every committee size up to 64: two sets of
    /// votes that each reach the quorum share more than `b` voters, so at least one honest
    /// member (at most `b` equivocate) voted for both: impossible, as an honest member locks
    /// a (token, owner) for one block only. Hence two blocks spending one (token, owner) are
    /// never both certified while a committee holds at most `b` equivocators.
    #[test]
    fn two_quorums_of_one_committee_share_an_honest_member() {
        for (c, configured) in (1u32..=64).flat_map(|c| (0..=MAX_TOLERANCE).map(move |b| (c, b))) {
            let (b, q) = (tolerated(c, configured), super::quorum(c, configured));
            // The smallest overlap of two q-subsets of c members is 2q - c.
            let overlap = (2 * q).saturating_sub(c);
            assert!(overlap > b, "c {c}: overlap {overlap} <= b {b}");
            // And b equivocators plus the honest members split in two can never give both
            // sides a quorum: side A gets x honest, side B the other c - b - x at most.
            for x in 0..=(c - b) {
                assert!(
                    !(x + b >= q && (c - b - x) + b >= q),
                    "c {c}, b {b}, q {q}: split {x}"
                );
            }
        }
    }
}
