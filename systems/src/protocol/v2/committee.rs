//! Committees: the judges of a key (a token's ring id).
//!
//! The committee of a key is the `COMMITTEE` peers nearest it on the ring by position: the
//! `COMMITTEE / 2` peers below the key's insertion point and the `COMMITTEE / 2` at or above
//! it (every peer when the ring is smaller). The simulator reads the sorted ring ids for it:
//! global knowledge standing in for the routing a real network would do to reach them.
//!
//! Membership is an interval of keys per peer, so a peer's own range (`PeerState::range_lo`..
//! `range_hi`, the tokens it stores) is exactly the set of keys whose committee it sits in:
//! the commit pass then writes a mapping at exactly the committee members.

use crate::engine::lookup::Lookup;
use crate::model::ids::PeerIdx;

/// Members of a committee (a protocol constant).
pub const COMMITTEE: u32 = 32;

/// The committee of a key on a ring of `n` peers has `size(n)` members.
#[inline]
pub fn size(n: u32) -> u32 {
    COMMITTEE.min(n)
}

/// Equivocating members a committee of `c` tolerates when a full committee tolerates `b`
/// (`ProtocolConfig::tolerance`): `b`, or on a ring smaller than a committee at most the
/// largest `b'` with `c >= 3b' + 1`.
#[inline]
pub fn tolerated(c: u32, tolerance: u32) -> u32 {
    if c >= COMMITTEE {
        tolerance
    } else {
        tolerance.min(c.saturating_sub(1) / 3)
    }
}

/// Votes a part needs: `Q = floor((c + b) / 2) + 1`, the smallest `Q` with `2Q - c > b`, so
/// two quorums of one committee share more than `b` members, at least one of them honest.
/// With `c >= 3b + 1` there are still `Q <= c - b` honest members to form one; a larger `b`
/// trades that for safety against more equivocators.
#[inline]
pub fn quorum(c: u32, tolerance: u32) -> u32 {
    (c + tolerated(c, tolerance)) / 2 + 1
}

/// Chance that a committee of `COMMITTEE` members, each Byzantine with probability `f`,
/// holds more than `tolerance` (b) of them: the binomial tail P[Bin(C, f) > b].
pub fn capture_probability(tolerance: u32, f: f64) -> f64 {
    let c = COMMITTEE;
    let mut term = (1.0 - f).powi(c as i32); // P[Bin = 0]
    let mut below = 0.0;
    for k in 0..=tolerance.min(c) {
        below += term;
        term *= (c - k) as f64 / (k + 1) as f64 * f / (1.0 - f);
    }
    (1.0 - below).max(0.0)
}

/// The capture chance a claimed bound allows: one committee in 5,000.
pub const CAPTURE_ALLOWED: f64 = 2e-4;

/// The largest Byzantine share, in hundredths, at which a committee tolerating `b`
/// equivocators is captured with at most `CAPTURE_ALLOWED`.
pub fn claimed_bound(tolerance: u32) -> f64 {
    (1..=50)
        .map(|i| f64::from(i) / 100.0)
        .take_while(|&f| capture_probability(tolerance, f) <= CAPTURE_ALLOWED)
        .last()
        .unwrap_or(0.0)
}

/// The first member of the committee of `key` (a position; the others follow it in order).
#[inline]
fn first(lookup: Lookup, key: u64) -> PeerIdx {
    let n = lookup.len();
    let half = size(n) / 2;
    (lookup.insertion(key) + n - half) % n
}

/// The committee of `key`, in ring order from its lowest member.
pub fn members(lookup: Lookup, key: u64) -> impl Iterator<Item = PeerIdx> {
    let n = lookup.len();
    let start = first(lookup, key);
    (0..size(n)).map(move |k| (start + k) % n)
}

/// Member `p`'s slot in the committee of `key` (0 = its lowest member; `size` or more when
/// `p` is not a member): the bit a tally's voter bitmap gives it.
#[inline]
pub fn slot(lookup: Lookup, key: u64, p: PeerIdx) -> u32 {
    let n = lookup.len();
    (p + n - first(lookup, key)) % n
}

/// The member in slot `s` of the committee of `key`.
#[inline]
pub fn member_at(lookup: Lookup, key: u64, s: u32) -> PeerIdx {
    (first(lookup, key) + s) % lookup.len()
}

/// Whether `p` sits in the committee of `key`.
#[inline]
pub fn is_member(lookup: Lookup, p: PeerIdx, key: u64) -> bool {
    let n = lookup.len();
    (p + n - first(lookup, key)) % n < size(n)
}

/// The keys whose committee holds `p`: `(id[p - C/2], id[p + C - C/2]]` on the ring, as an
/// inclusive id interval (the whole ring when the ring is not larger than a committee).
pub fn own_range(lookup: Lookup, p: PeerIdx) -> (u64, u64) {
    let n = lookup.len();
    let c = size(n);
    if c == n {
        let id = lookup.id(p);
        return (id.wrapping_add(1), id);
    }
    let half = c / 2;
    // p is a member when the key's insertion point lies in p - (c - half) + 1 ..= p + half.
    let below = (p + n - (c - half)) % n;
    let top = (p + half) % n;
    (lookup.id(below).wrapping_add(1), lookup.id(top))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::LinkModel;
    use crate::model::ids::in_id_interval;
    use crate::model::ring::Ring;

    fn ring(n: u64) -> Ring {
        Ring::from_ids(
            (0..n).map(|i| i * 1000 + 500).collect(),
            LinkModel::Uniform { p: 0.1 },
            1,
        )
    }

    #[test]
    fn a_committee_is_the_nearest_peers_around_the_key() {
        let r = ring(100);
        // Key 50_200 inserts at peer 50 (50_500); 16 below it and 16 from it up.
        let m: Vec<_> = members(Lookup::new(&r), 50_200).collect();
        assert_eq!(m, (34..66).collect::<Vec<_>>());
        // Wrapping past zero.
        let m: Vec<_> = members(Lookup::new(&r), 100).collect();
        assert_eq!(m.len(), 32);
        assert!(m.contains(&84) && m.contains(&15) && !m.contains(&16) && !m.contains(&83));
        // A small ring: everyone.
        assert_eq!(members(Lookup::new(&ring(5)), 2_000).count(), 5);
    }

    #[test]
    fn membership_and_own_ranges_agree_with_the_committees() {
        for n in [5u64, 32, 33, 100] {
            let r = ring(n);
            for key in (0..n * 1000 + 1000)
                .step_by(137)
                .chain([u64::MAX, 0, 500, 501])
            {
                let m: Vec<_> = members(Lookup::new(&r), key).collect();
                for p in 0..n as u32 {
                    let inside = m.contains(&p);
                    assert_eq!(
                        is_member(Lookup::new(&r), p, key),
                        inside,
                        "n {n} key {key} p {p}"
                    );
                    let (lo, hi) = own_range(Lookup::new(&r), p);
                    assert_eq!(in_id_interval(key, lo, hi), inside, "n {n} key {key} p {p}");
                }
            }
        }
    }

    #[test]
    fn the_claimed_bound_follows_the_tolerance() {
        // P[Bin(32, 0.1) > 10] = 1.74e-4 and P[Bin(32, 0.2) > 15] = 1.44e-4 (by hand).
        assert!((capture_probability(10, 0.1) - 1.741e-4).abs() < 1e-6);
        assert!((capture_probability(15, 0.2) - 1.436e-4).abs() < 1e-6);
        assert_eq!(claimed_bound(10), 0.1);
        assert_eq!(claimed_bound(15), 0.2);
        assert_eq!(claimed_bound(5), 0.02);
    }

    #[test]
    fn quorum_sizes() {
        assert_eq!((tolerated(32, 10), quorum(32, 10)), (10, 22));
        assert_eq!((tolerated(32, 15), quorum(32, 15)), (15, 24));
        assert_eq!((tolerated(16, 10), quorum(16, 10)), (5, 11));
        assert_eq!((tolerated(5, 10), quorum(5, 10)), (1, 4));
        for c in 1..=64 {
            let (b, q) = (tolerated(c, 10), quorum(c, 10));
            assert!(2 * q > c + b, "c {c}: two quorums share more than b");
            assert!(
                q + b <= c,
                "c {c}: the honest members alone can form a quorum"
            );
        }
    }
}
