//! Whom the original asks: of a neighbourhood's 8 peers, the targets a rotation picks, so
//! that a node spreads its requests over its neighbours from tick to tick.

use super::neighbourhood::Neighbourhood;
use crate::model::ids::PeerIdx;

/// The rotation that picks targets: `(key XOR self) + t`.
#[inline]
pub fn rotation(key: u64, self_id: u64, tick: u32) -> u64 {
    (key ^ self_id).wrapping_add(tick as u64)
}

/// `peers_for(key, t)`: the two vote targets, `a` steps out on each side, a in 1..=4.
#[inline]
pub fn vote_targets(nb: &Neighbourhood, rotation: u64) -> [PeerIdx; 2] {
    let a = (rotation % 4) as usize;
    [nb.below[a], nb.above[a]]
}

/// `peer_for(key, t)`: one target among the 8, for block queries and forwarding.
#[inline]
pub fn query_target(nb: &Neighbourhood, rotation: u64) -> PeerIdx {
    let b = (rotation % 8) as usize;
    if b < 4 {
        nb.below[3 - b]
    } else {
        nb.above[b - 4]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_rotate_over_the_neighbourhood() {
        let nb = Neighbourhood {
            below: [4, 3, 2, 1],
            above: [5, 6, 7, 8],
        };
        assert_eq!(vote_targets(&nb, 0), [4, 5]);
        assert_eq!(vote_targets(&nb, 3), [1, 8]);
        assert_eq!(vote_targets(&nb, 4), [4, 5]);
        let all: Vec<_> = (0..8).map(|r| query_target(&nb, r)).collect();
        assert_eq!(all, vec![1, 2, 3, 4, 5, 6, 7, 8]);
    }
}
