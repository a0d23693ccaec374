//! The small-world topology: each peer knows its `NEAR` ring-nearest peers and about log2(N)
//! far peers drawn with probability falling as 1 / (ring distance), and greedy routing over
//! those links (see `docs/topology.md`).
//!
//! Far links cannot be a per-pair hash test like the other topologies: the walk that finds a
//! neighbourhood, and every routing hop, must enumerate a peer's links, and a hash test would
//! make that O(N) per peer. So each peer's far links are drawn once at set-up from its own
//! seeded stream and kept sorted: O(N log N) memory (about 80 bytes a peer at 1M peers).

use crate::config::{SMALL_WORLD_NEAR as NEAR, small_world_far as far_count};
use crate::model::ids::PeerIdx;
use crate::model::rng::mix64;
use rayon::prelude::*;
use smallvec::SmallVec;

/// Each peer's links on a small-world ring of `n` peers.
#[derive(Debug)]
pub struct SmallWorld {
    n: u32,
    /// Near links on each side: `NEAR / 2`, fewer on a ring too small to hold them.
    half: u32,
    /// `far[offsets[p]..offsets[p + 1]]`: peer `p`'s far links, sorted by position, distinct,
    /// none of them a near link.
    offsets: Vec<u32>,
    far: Vec<PeerIdx>,
    /// Mean hops of a route between two random peers, from a fixed sample at set-up: what a
    /// peer's round-trip estimate would converge to (see [`SmallWorld::mean_hops`]).
    mean_hops: f64,
}

/// Hops after which a route falls back to plain greedy, whose distance to the target falls at
/// every step: a guard, never reached in the tests (the longest route at 1M peers is ~12).
pub const HOP_LIMIT: u32 = 64;

/// Random routes sampled at set-up for [`SmallWorld::mean_hops`].
const ROUTE_SAMPLE: u64 = 2_000;

/// Ring distance between two positions on a ring of `n`.
#[inline]
fn position_distance(a: PeerIdx, b: PeerIdx, n: u32) -> u32 {
    let d = a.abs_diff(b);
    d.min(n - d)
}

impl SmallWorld {
    /// Draws every peer's far links from `seed` (the topology's link seed): each of the
    /// `far_count(n)` draws picks a side and a distance `d` in `half + 1 ..= n / 2` with
    /// P(d) proportional to 1 / d (log-uniform), Kleinberg's harmonic rule, under which greedy
    /// routing takes O(log N) hops with log N links a peer. Repeated draws are kept once.
    pub fn new(n: u32, seed: u64) -> Self {
        let half = (NEAR / 2).min((n.saturating_sub(1)) / 2);
        let lo = (half + 1) as f64;
        let hi = (n / 2) as f64 + 1.0;
        let count = if hi > lo { far_count(n) } else { 0 };
        let lists: Vec<SmallVec<[PeerIdx; 24]>> = (0..n)
            .into_par_iter()
            .map(|p| {
                let mut links: SmallVec<[PeerIdx; 24]> = SmallVec::new();
                for j in 0..count {
                    let h = mix64(seed ^ mix64((p as u64) << 32 | j as u64));
                    let u = (h >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
                    let d = ((lo * (hi / lo).powf(u)) as u32).clamp(half + 1, n / 2);
                    let q = if h & 1 == 0 {
                        (p + d) % n
                    } else {
                        (p + n - d) % n
                    };
                    links.push(q);
                }
                links.sort_unstable();
                links.dedup();
                links
            })
            .collect();
        let mut offsets = Vec::with_capacity(n as usize + 1);
        let mut far = Vec::with_capacity(lists.iter().map(|l| l.len()).sum());
        offsets.push(0);
        for l in &lists {
            far.extend_from_slice(l);
            offsets.push(far.len() as u32);
        }
        let mut sw = Self {
            n,
            half,
            offsets,
            far,
            mean_hops: 1.0,
        };
        sw.mean_hops = sw.sampled_mean_hops(seed);
        sw
    }

    /// Routes between `ROUTE_SAMPLE` seeded random pairs, their mean length.
    fn sampled_mean_hops(&self, seed: u64) -> f64 {
        let n = self.n as u64;
        let total: u32 = (0..ROUTE_SAMPLE)
            .into_par_iter()
            .map(|i| {
                let h = mix64(seed ^ 0x407e ^ i);
                let (a, b) = ((h % n) as u32, ((h >> 32) % n) as u32);
                self.hops(a, b)
            })
            .sum();
        (total as f64 / ROUTE_SAMPLE as f64).max(1.0)
    }

    /// Mean hops of a route between two random peers (at least 1). Protocols whose timers
    /// assume one hop a message stretch them by it: a round trip takes that many times longer.
    pub fn mean_hops(&self) -> f64 {
        self.mean_hops
    }

    /// Peers on the ring.
    #[inline]
    pub fn peers(&self) -> u32 {
        self.n
    }

    /// How many positions a peer's near links reach on each side.
    #[inline]
    pub fn near_reach(&self) -> u32 {
        self.half
    }

    /// Peer `p`'s far links, sorted by position.
    #[inline]
    pub fn far(&self, p: PeerIdx) -> &[PeerIdx] {
        &self.far[self.offsets[p as usize] as usize..self.offsets[p as usize + 1] as usize]
    }

    /// Peer `p`'s number of links (near and far).
    pub fn degree(&self, p: PeerIdx) -> u32 {
        2 * self.half + self.far(p).len() as u32
    }

    /// Does `a` know `b`? Directional: `b` among `a`'s near peers or far links.
    #[inline]
    pub fn links(&self, a: PeerIdx, b: PeerIdx) -> bool {
        a != b
            && (position_distance(a, b, self.n) <= self.half
                || self.far(a).binary_search(&b).is_ok())
    }

    /// Every peer `p` knows, sorted by position (for the neighbourhood walk).
    pub fn known(&self, p: PeerIdx) -> SmallVec<[PeerIdx; 64]> {
        let n = self.n;
        let mut all: SmallVec<[PeerIdx; 64]> = SmallVec::new();
        for k in 1..=self.half {
            all.push((p + k) % n);
            all.push((p + n - k) % n);
        }
        all.extend_from_slice(self.far(p));
        all.sort_unstable();
        all.dedup();
        all
    }

    /// The link of `at` nearest `to` by ring position, and its distance to `to` (plain
    /// greedy routing's choice). The near links always make progress.
    #[inline]
    fn nearest_link(&self, at: PeerIdx, to: PeerIdx) -> (PeerIdx, u32) {
        let n = self.n;
        let d = position_distance(at, to, n);
        if d <= self.half {
            return (to, 0);
        }
        // The near link farthest towards `to`: `half` steps on the shorter side.
        let forward = (to + n - at) % n <= n / 2;
        let mut best = if forward {
            (at + self.half) % n
        } else {
            (at + n - self.half) % n
        };
        let mut best_d = d - self.half;
        for &q in self.far(at) {
            let dq = position_distance(q, to, n);
            if dq < best_d {
                best = q;
                best_d = dq;
            }
        }
        (best, best_d)
    }

    /// The next hop from `at` towards `to` (`at != to`): greedy routing that knows its
    /// neighbours' neighbours (Manku, Naor and Wieder, "Know thy neighbor's neighbor", 2004).
    /// Of `at`'s links it takes the one through which `to` can be approached closest within
    /// two hops (ties: the link itself nearer `to`). Plain greedy takes ~0.69 ln N hops with
    /// log2 N harmonic links; this takes O(log N / log log N), so hops grow more slowly than
    /// log N (docs/topology.md). A peer's neighbours' links are what it exchanges with them
    /// when the links are made: no extra connections, so the degree is unchanged.
    pub fn next_hop(&self, at: PeerIdx, to: PeerIdx) -> PeerIdx {
        let n = self.n;
        let (direct, direct_d) = self.nearest_link(at, to);
        if direct_d == 0 {
            return direct;
        }
        let mut best = (self.nearest_link(direct, to).1, direct_d, direct);
        let mut consider = |w: PeerIdx| {
            let dw = position_distance(w, to, n);
            let key = (self.nearest_link(w, to).1.min(dw), dw, w);
            if key < best {
                best = key;
            }
        };
        for k in 1..=self.half {
            consider((at + k) % n);
            consider((at + n - k) % n);
        }
        for &w in self.far(at) {
            consider(w);
        }
        best.2
    }

    /// Plain greedy's next hop (each hop to the link nearest the target), which always
    /// makes progress: the fallback of a route that has not ended after `HOP_LIMIT` hops.
    #[inline]
    pub fn greedy_hop(&self, at: PeerIdx, to: PeerIdx) -> PeerIdx {
        self.nearest_link(at, to).0
    }

    /// The hop of a route's `hop`-th step (0-based): `next_hop`, then plain greedy past
    /// `HOP_LIMIT` so every route ends (distance falls at every plain greedy step).
    #[inline]
    pub fn route_hop(&self, at: PeerIdx, to: PeerIdx, hop: u32) -> PeerIdx {
        if hop < HOP_LIMIT {
            self.next_hop(at, to)
        } else {
            self.greedy_hop(at, to)
        }
    }

    /// The number of hops greedy routing takes from `from` to `to` (0 when equal).
    pub fn hops(&self, from: PeerIdx, to: PeerIdx) -> u32 {
        let (mut at, mut hops) = (from, 0);
        while at != to {
            at = self.route_hop(at, to, hops);
            hops += 1;
        }
        hops
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Mean degree and mean greedy hops from a sample of peers (no O(N^2) work).
    fn sample(n: u32) -> (f64, u32, f64) {
        let sw = SmallWorld::new(n, 7);
        let step = (n / 500).max(1);
        let peers: Vec<u32> = (0..n).step_by(step as usize).collect();
        let degree = peers.iter().map(|&p| sw.degree(p) as f64).sum::<f64>() / peers.len() as f64;
        let max = peers.iter().map(|&p| sw.degree(p)).max().unwrap();
        let hops = peers
            .iter()
            .map(|&p| sw.hops(p, (mix64(p as u64) % n as u64) as u32) as f64)
            .sum::<f64>()
            / peers.len() as f64;
        (degree, max, hops)
    }

    #[test]
    fn degree_stays_within_bounds_up_to_a_million_peers() {
        for n in [1_000u32, 100_000, 1_000_000] {
            let (mean, max, _) = sample(n);
            let expected = (NEAR + far_count(n)) as f64;
            assert!(max <= 64, "n {n}: max degree {max}");
            // Repeated draws are kept once, so the mean sits a little under NEAR + log2 N.
            assert!(
                mean <= expected && mean > expected - 1.5,
                "n {n}: {mean} vs {expected}"
            );
        }
    }

    #[test]
    fn greedy_routing_takes_logarithmic_hops() {
        let n = 10_000;
        let sw = SmallWorld::new(n, 3);
        let log2 = (n as f64).log2();
        let mut worst = 0;
        for p in (0..n).step_by(37) {
            let to = (mix64(p as u64 ^ 99) % n as u64) as u32;
            worst = worst.max(sw.hops(p, to));
        }
        let (_, _, mean) = sample(n);
        assert!(mean < log2 / 2.0, "mean hops {mean}");
        assert!((worst as f64) < 2.0 * log2, "worst hops {worst}");
    }

    #[test]
    fn links_near_and_far_and_the_walk_agree() {
        let sw = SmallWorld::new(2_000, 5);
        for p in [0u32, 1, 999, 1_999] {
            let known = sw.known(p);
            assert_eq!(known.len() as u32, sw.degree(p));
            for q in 0..2_000 {
                assert_eq!(sw.links(p, q), known.contains(&q), "p {p} q {q}");
            }
            assert!(sw.links(p, (p + 8) % 2_000) && !sw.links(p, p));
        }
    }

    #[test]
    fn a_tiny_ring_is_fully_linked() {
        // 7 near links a side; the one peer opposite is the only far distance there is.
        let sw = SmallWorld::new(16, 1);
        assert!((1..16).all(|q| sw.links(0, q) && sw.hops(0, q) == 1));
    }
}
