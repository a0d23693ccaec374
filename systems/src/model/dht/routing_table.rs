//! Every peer's routing table on the dht topology: its `DHT_NEAR` ring-nearest peers, half on
//! each side, and one contact per side in each power-of-two band of ring distance beyond
//! them (Kademlia's buckets of one contact, measured as ring distance as in Symphony), at most
//! `DHT_TABLE_MAX` contacts in all.
//!
//! Near peers follow from a peer's position and are not stored. Bucket contacts are drawn
//! once from the seed and kept in one flat array, the same number for every peer, each
//! peer's sorted by position: no per-peer allocation, 4 bytes a contact.
//!
//! Under session churn a peer replaces a bucket contact it found dead with a live one of the
//! same band (`engine/dht_maintenance.rs`). The ring and the network share the tables, so a
//! contact is an atomic word, changed through `&self` by [`RoutingTables::replace`]: only the
//! maintenance system calls it, after every read of its pass, with nothing else running.

use crate::config::{DHT_TABLE_MAX, dht_buckets, dht_near_reach};
use crate::model::ids::PeerIdx;
use crate::model::rng::mix64;
use rayon::prelude::*;
use smallvec::SmallVec;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

/// Every peer's routing table on a ring of `n` peers.
#[derive(Debug)]
pub struct RoutingTables {
    n: u32,
    /// Near peers on each side.
    half: u32,
    /// Bucket contacts per peer.
    stride: u32,
    /// `buckets[p * stride..(p + 1) * stride]`: peer `p`'s bucket contacts, sorted, distinct,
    /// none of them a near peer.
    buckets: Vec<AtomicU32>,
}

/// A band of ring distance on one side of a peer, where one of its bucket contacts sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Band {
    /// Whether the band lies ahead of the peer on the ring (else behind it).
    pub ahead: bool,
    /// Distances `lo..=hi`.
    pub lo: u32,
    pub hi: u32,
}

/// Ring distance between two positions on a ring of `n`.
#[inline]
pub fn position_distance(a: PeerIdx, b: PeerIdx, n: u32) -> u32 {
    let d = a.abs_diff(b);
    d.min(n - d)
}

impl RoutingTables {
    /// Draws every peer's bucket contacts from `seed` (the topology's link seed): on each
    /// side, for each band of distances `[2^j, 2^(j+1))` past the near peers (the farthest
    /// bands kept when the table would pass its bound), one peer at a distance uniform in the
    /// band. Deterministic in (seed, n); built in parallel, one slice per peer.
    pub fn new(n: u32, seed: u64) -> Self {
        let half = dht_near_reach(n);
        let stride = dht_buckets(n);
        let reach = n.saturating_sub(1) / 2;
        let per_side = stride / 2;
        let mut buckets = vec![0; n as usize * stride as usize];
        if stride > 0 {
            let top = reach.ilog2();
            buckets
                .par_chunks_mut(stride as usize)
                .enumerate()
                .for_each(|(p, slots)| {
                    let p = p as u32;
                    let mut k = 0;
                    for side in 0..2u64 {
                        for j in (top + 1 - per_side)..=top {
                            let lo = (1u32 << j).max(half + 1);
                            let hi = ((1u64 << (j + 1)) - 1).min(reach as u64) as u32;
                            let h = mix64(seed ^ mix64((p as u64) << 32 | side << 8 | j as u64));
                            let d = lo + (h % (hi - lo + 1) as u64) as u32;
                            slots[k] = if side == 0 {
                                (p + d) % n
                            } else {
                                (p + n - d) % n
                            };
                            k += 1;
                        }
                    }
                    slots.sort_unstable();
                });
        }
        debug_assert!(2 * half + stride <= DHT_TABLE_MAX);
        Self {
            n,
            half,
            stride,
            buckets: buckets.into_iter().map(AtomicU32::new).collect(),
        }
    }

    /// Peer `p`'s bucket contacts as stored.
    #[inline]
    fn slots(&self, p: PeerIdx) -> &[AtomicU32] {
        let s = self.stride as usize;
        &self.buckets[p as usize * s..(p as usize + 1) * s]
    }

    /// Puts `new` in `old`'s place in `p`'s table (a dead contact's stand-in) and keeps the
    /// contacts sorted; false if `old` is not there or `new` already is. Call only while no
    /// one reads the tables (see the module notes).
    pub fn replace(&self, p: PeerIdx, old: PeerIdx, new: PeerIdx) -> bool {
        let mut held: SmallVec<[PeerIdx; 64]> = self.buckets(p).collect();
        let Some(at) = held.iter().position(|&q| q == old) else {
            return false;
        };
        if self.contains(p, new) || new == p {
            return false;
        }
        held[at] = new;
        held.sort_unstable();
        for (slot, q) in self.slots(p).iter().zip(held) {
            slot.store(q, Relaxed);
        }
        true
    }

    /// The band and side of `p`'s table that `contact` (one of its bucket contacts) fills:
    /// where its stand-in must come from.
    pub fn band_of(&self, p: PeerIdx, contact: PeerIdx) -> Band {
        let n = self.n;
        let ahead = (contact + n - p) % n <= n / 2;
        let d = position_distance(p, contact, n);
        let j = d.ilog2();
        let reach = n.saturating_sub(1) / 2;
        Band {
            ahead,
            lo: (1u32 << j).max(self.half + 1),
            hi: ((1u64 << (j + 1)) - 1).min(reach as u64) as u32,
        }
    }

    /// The peer `d` positions from `p` on `band`'s side.
    pub fn at_distance(&self, p: PeerIdx, band: Band, d: u32) -> PeerIdx {
        match band.ahead {
            true => (p + d) % self.n,
            false => (p + self.n - d % self.n) % self.n,
        }
    }

    /// Peers on the ring.
    #[inline]
    pub fn peers(&self) -> u32 {
        self.n
    }

    /// How many positions a table's near peers reach on each side.
    #[inline]
    pub fn near_reach(&self) -> u32 {
        self.half
    }

    /// Peer `p`'s bucket contacts, sorted by position.
    #[inline]
    pub fn buckets(&self, p: PeerIdx) -> impl ExactSizeIterator<Item = PeerIdx> + '_ {
        self.slots(p).iter().map(|q| q.load(Relaxed))
    }

    /// Contacts in every table (near and bucket).
    #[inline]
    pub fn size(&self) -> u32 {
        2 * self.half + self.stride
    }

    /// Bytes the tables take per peer (the bucket contacts; near peers are implicit).
    pub fn bytes_per_peer(&self) -> usize {
        self.stride as usize * std::mem::size_of::<PeerIdx>()
    }

    /// Is `b` in `a`'s routing table?
    #[inline]
    pub fn contains(&self, a: PeerIdx, b: PeerIdx) -> bool {
        a != b
            && (position_distance(a, b, self.n) <= self.half
                || self
                    .slots(a)
                    .binary_search_by(|q| q.load(Relaxed).cmp(&b))
                    .is_ok())
    }

    /// What `at` answers a lookup for `target` with: the (up to) `K` contacts of its table
    /// strictly nearer `target` than itself, nearest first (ties: lower position), as a
    /// Kademlia node answers FIND_NODE. The near peer farthest towards `target` is always
    /// among the candidates, so a lookup that follows the answers always gets nearer.
    /// Call only when `target` is not in `at`'s table.
    pub fn nearer<const K: usize>(&self, at: PeerIdx, target: PeerIdx) -> SmallVec<[PeerIdx; K]> {
        self.nearer_with::<K>(at, target, std::iter::empty())
    }

    /// [`Self::nearer`] among `at`'s table and `extra` (other contacts `at` knows, such as
    /// its cache): where `at`'s own lookup of `target` starts.
    pub fn nearer_with<const K: usize>(
        &self,
        at: PeerIdx,
        target: PeerIdx,
        extra: impl IntoIterator<Item = PeerIdx>,
    ) -> SmallVec<[PeerIdx; K]> {
        let n = self.n;
        let d = position_distance(at, target, n);
        let forward = (target + n - at) % n <= n / 2;
        let near = if forward {
            (at + self.half) % n
        } else {
            (at + n - self.half) % n
        };
        let mut best: SmallVec<[(u32, PeerIdx); K]> = SmallVec::new();
        let mut offer = |q: PeerIdx| {
            let dq = position_distance(q, target, n);
            if dq >= d {
                return;
            }
            let key = (dq, q);
            let at = best.partition_point(|&b| b < key);
            // A cached contact may also be a table contact: once only.
            if at < K && best.get(at) != Some(&key) {
                if best.len() == K {
                    best.pop();
                }
                best.insert(at, key);
            }
        };
        offer(near);
        for q in self.buckets(at).chain(extra) {
            offer(q);
        }
        best.into_iter().map(|(_, q)| q).collect()
    }

    /// Hops of a lookup from `from` for `to` when every reply arrives: the peers queried
    /// until one holds `to` in its table (0 when `from` holds it).
    pub fn lookup_hops(&self, from: PeerIdx, to: PeerIdx) -> u32 {
        let (mut at, mut hops) = (from, 0);
        while at != to && !self.contains(at, to) {
            at = self.nearer::<1>(at, to)[0];
            hops += 1;
        }
        hops
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_holds_its_near_peers_and_one_contact_per_band_and_side() {
        let t = RoutingTables::new(5_000, 3);
        // 16 near peers a side; bands 2^4..2^11 (distances up to 2,499) on each side.
        assert_eq!((t.near_reach(), t.buckets(0).len()), (16, 16));
        assert_eq!(t.size(), 48);
        for p in [0u32, 1, 2_500, 4_999] {
            let b: Vec<PeerIdx> = t.buckets(p).collect();
            assert!(b.windows(2).all(|w| w[0] < w[1]), "sorted, distinct");
            assert!(b.iter().all(|&q| position_distance(p, q, 5_000) > 16));
            let known = (0..5_000).filter(|&q| t.contains(p, q)).count();
            assert_eq!(known as u32, t.size());
            // Each band holds one contact on each side.
            for j in 4..=11u32 {
                let band = |q: &&u32| {
                    let d = position_distance(p, **q, 5_000);
                    d >= 1 << j && d < 1 << (j + 1)
                };
                assert_eq!(b.iter().filter(band).count(), 2, "peer {p} band {j}");
            }
        }
    }

    #[test]
    fn a_replaced_contact_leaves_the_table_and_its_stand_in_from_the_same_band_joins_it() {
        let n = 5_000;
        let t = RoutingTables::new(n, 3);
        let p = 1_234;
        let old = t.buckets(p).nth(5).expect("a contact");
        let band = t.band_of(p, old);
        let d = position_distance(p, old, n);
        assert!(band.lo <= d && d <= band.hi);
        let new = (band.lo..=band.hi)
            .map(|d| t.at_distance(p, band, d))
            .find(|&q| q != old && !t.contains(p, q))
            .expect("another peer in the band");
        assert_eq!(t.band_of(p, new), band);
        assert!(t.replace(p, old, new));
        assert!(t.contains(p, new) && !t.contains(p, old));
        let b: Vec<PeerIdx> = t.buckets(p).collect();
        assert!(b.windows(2).all(|w| w[0] < w[1]), "still sorted");
        assert!(!t.replace(p, old, new), "old is gone");
    }

    #[test]
    fn tables_stay_within_their_bound_up_to_the_largest_rings() {
        for n in [2u32, 17, 1_000, 1_000_000, u32::MAX] {
            let size = 2 * dht_near_reach(n) + dht_buckets(n);
            assert!(size <= DHT_TABLE_MAX, "n {n}: {size}");
        }
        assert_eq!(dht_buckets(1_000_000), 30);
    }

    #[test]
    fn lookups_take_logarithmic_hops_and_always_end() {
        let n = 10_000;
        let t = RoutingTables::new(n, 5);
        let mut total = 0;
        let mut worst = 0;
        for p in (0..n).step_by(31) {
            let to = (mix64(p as u64 ^ 77) % n as u64) as u32;
            let h = t.lookup_hops(p, to);
            total += h;
            worst = worst.max(h);
        }
        let mean = total as f64 / (n / 31 + 1) as f64;
        let log2 = (n as f64).log2();
        assert!(mean < log2 / 2.0, "mean hops {mean}");
        assert!((worst as f64) < log2, "worst hops {worst}");
    }

    #[test]
    fn a_lookup_answer_is_sorted_and_every_contact_in_it_is_nearer() {
        let n = 3_000;
        let t = RoutingTables::new(n, 9);
        let (at, target) = (0, 1_400);
        let answer = t.nearer::<3>(at, target);
        assert_eq!(answer.len(), 3);
        let d = |q| position_distance(q, target, n);
        assert!(answer.windows(2).all(|w| d(w[0]) <= d(w[1])));
        assert!(answer.iter().all(|&q| d(q) < d(at)));
    }
}
