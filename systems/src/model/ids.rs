//! Dense indices for peers, tokens and blocks.
//!
//! The protocol names everything by a 64-bit ring id. The simulator keeps those ids for ring
//! geometry but addresses state by small dense indices: a peer is its position on the sorted
//! ring, a token or block is its slot in a book. Dense indices make message records small and
//! let systems index flat arrays instead of hashing.

/// A peer, by its position on the ring sorted by peer id.
pub type PeerIdx = u32;

/// A token, by its slot in the [`crate::model::tokens::TokenBook`].
pub type TokenIdx = u32;

/// A block, by its creation order in the [`crate::model::blocks::BlockBook`]. Never reused in a run.
pub type BlockIdx = u32;

/// The `last` of a token that has never moved: the genesis mapping.
pub const GENESIS: BlockIdx = BlockIdx::MAX;

/// A simulation tick (round). All peers tick in lockstep.
pub type Tick = u32;

/// Is `x` inside the wrapping ring interval `[lo, hi]` of a ring of size `n`?
#[inline]
pub fn in_ring_interval(x: u32, lo: u32, hi: u32, n: u32) -> bool {
    // Branches instead of `%`: this runs for every vote counted.
    let offset = |v: u32| if v >= lo { v - lo } else { v + (n - lo) };
    offset(x) <= offset(hi)
}

/// Is the 64-bit ring id `x` inside the wrapping interval `[lo, hi]`?
#[inline]
pub fn in_id_interval(x: u64, lo: u64, hi: u64) -> bool {
    x.wrapping_sub(lo) <= hi.wrapping_sub(lo)
}

/// The shorter distance between two ring ids.
#[inline]
pub fn ring_distance(a: u64, b: u64) -> u64 {
    let d = a.wrapping_sub(b);
    d.min(d.wrapping_neg())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_interval_wraps() {
        assert!(in_ring_interval(9, 8, 1, 10));
        assert!(in_ring_interval(0, 8, 1, 10));
        assert!(in_ring_interval(1, 8, 1, 10));
        assert!(!in_ring_interval(2, 8, 1, 10));
        assert!(in_ring_interval(5, 3, 7, 10));
        assert!(!in_ring_interval(8, 3, 7, 10));
    }

    #[test]
    fn id_interval_and_distance_wrap() {
        assert!(in_id_interval(u64::MAX, u64::MAX - 1, 3));
        assert!(in_id_interval(2, u64::MAX - 1, 3));
        assert!(!in_id_interval(4, u64::MAX - 1, 3));
        assert_eq!(ring_distance(1, u64::MAX), 2);
        assert_eq!(ring_distance(10, 4), 6);
    }
}
