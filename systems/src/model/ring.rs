//! The ring of peers and each peer's seeded view of it.
//!
//! The original stores, for every peer, a sorted list of about N/6..N/2 known peers: O(N^2)
//! memory and set-up time. Here whether peer `a` was seeded with a link to `b` is a pure
//! function of `(seed, a, b, ring distance)`: a seeded hash compared with the topology's link
//! probability. Nothing quadratic is stored; the known peers nearest a key are found by
//! walking the sorted ring outward from the key, which is short because near peers are known
//! with high probability in the ring topologies. The small-world topology draws each peer's
//! few far links once instead (`model::small_world`); its nearest peers are the key's ring
//! neighbours, reached hop by hop (see `routed_nearest`). The dht topology builds each peer's
//! routing table once (`model::dht`) and picks nearest peers the same way, reached by lookup.

use crate::config::{LinkModel, RING, SimConfig};
use crate::model::dht::routing_table::RoutingTables;
use crate::model::ids::{PeerIdx, ring_distance};
use crate::model::rng::{Stream, hash_words, mix64, stream};
use crate::model::routes::Routes;
use crate::model::small_world::SmallWorld;
use bevy_ecs::prelude::Resource;
use rand::RngCore;
use std::sync::Arc;

/// A probability as a threshold on a uniform u64 (1.0 and above: `u64::MAX`, always).
#[inline]
fn scaled(p: f64) -> u64 {
    if p >= 1.0 {
        u64::MAX
    } else if p <= 0.0 {
        0
    } else {
        (p * RING) as u64
    }
}

/// The link model as integer thresholds, worked out once: the test runs for every trust check
/// and every step of a neighbourhood walk, and converting the probabilities on each call was a
/// third of its instructions.
#[derive(Clone, Copy, Debug)]
enum LinkTest {
    Uniform {
        threshold: u64,
    },
    /// Threshold `hi - span * d / 2^63`.
    Gradient {
        hi: u64,
        span: u64,
    },
    Gaussian,
    /// The original's line rule: ids equal mod 4, and the hash above their distance.
    Line,
    /// Ask the ring's routes (small-world links or dht routing tables).
    Routed,
}

impl LinkTest {
    fn new(link: LinkModel) -> Self {
        match link {
            LinkModel::Uniform { p } => LinkTest::Uniform {
                threshold: scaled(p),
            },
            LinkModel::Gradient { min, max } => {
                let (hi, lo) = (scaled(max), scaled(min));
                LinkTest::Gradient {
                    hi,
                    span: hi - lo.min(hi),
                }
            }
            LinkModel::Gaussian { .. } => LinkTest::Gaussian,
            LinkModel::LineGradient => LinkTest::Line,
            LinkModel::SmallWorld { .. } | LinkModel::Dht { .. } => LinkTest::Routed,
        }
    }
}

/// The sorted peer ring and the seeded link predicate.
#[derive(Resource)]
pub struct Ring {
    /// Peer ids, sorted ascending; a peer's index here is its `PeerIdx`.
    pub ids: Vec<u64>,
    link: LinkModel,
    test: LinkTest,
    link_seed: u64,
    /// Each peer's links, on the routed topologies only (shared with the network, which
    /// sends over them).
    routes: Option<Arc<Routes>>,
}

/// The `K` peers a node knows nearest below a key and the `K` at or above it, nearest first
/// (a protocol picks `K`: the original's neighbourhood is `NearestKnown<4>`).
///
/// The ring interval from `below[K - 1]` to `above[K - 1]` is the node's range of the key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NearestKnown<const K: usize> {
    pub below: [PeerIdx; K],
    pub above: [PeerIdx; K],
}

impl<const K: usize> Default for NearestKnown<K> {
    fn default() -> Self {
        Self {
            below: [0; K],
            above: [0; K],
        }
    }
}

impl<const K: usize> NearestKnown<K> {
    /// Ring-interval bounds (positions) of the set.
    #[inline]
    pub fn bounds(&self) -> (PeerIdx, PeerIdx) {
        (self.below[K - 1], self.above[K - 1])
    }

    #[inline]
    pub fn contains(&self, p: PeerIdx, peers: u32) -> bool {
        crate::model::ids::in_ring_interval(p, self.below[K - 1], self.above[K - 1], peers)
    }
}

impl Ring {
    pub fn new(config: &SimConfig) -> Self {
        let mut rng = stream(config.seed, Stream::PeerIds, 0, 0);
        let mut ids: Vec<u64> = (0..config.peers).map(|_| rng.next_u64()).collect();
        ids.sort_unstable();
        ids.dedup();
        // Duplicates among N random u64s are astronomically rare; refill deterministically.
        while ids.len() < config.peers as usize {
            ids.push(rng.next_u64());
            ids.sort_unstable();
            ids.dedup();
        }
        Self::from_ids(
            ids,
            LinkModel::new(config.peers, &config.network),
            config.seed,
        )
    }

    /// A ring with given ids and link model (tests build tiny hand-made rings this way).
    pub fn from_ids(mut ids: Vec<u64>, link: LinkModel, seed: u64) -> Self {
        ids.sort_unstable();
        let link_seed = hash_words(&[seed, Stream::Topology as u64]);
        let n = ids.len() as u32;
        let routes = match link {
            LinkModel::SmallWorld { .. } => {
                Some(Arc::new(Routes::SmallWorld(SmallWorld::new(n, link_seed))))
            }
            LinkModel::Dht { .. } => Some(Arc::new(Routes::Dht(RoutingTables::new(n, link_seed)))),
            _ => None,
        };
        Self {
            ids,
            link,
            test: LinkTest::new(link),
            link_seed,
            routes,
        }
    }

    /// How many times longer than one hop a round trip takes: 1 on the one-hop topologies,
    /// the mean route length (rounded up) on small-world. Retry timers scale by it. On dht
    /// it is 1: a peer that has sent to a contact once reaches it directly from then on.
    pub fn round_trip_stretch(&self) -> u32 {
        self.small_world()
            .map_or(1, |sw| sw.mean_hops().ceil() as u32)
    }

    /// The small-world links, when that is the topology.
    pub fn small_world(&self) -> Option<&SmallWorld> {
        self.routes.as_deref().and_then(Routes::small_world)
    }

    /// The dht routing tables, when that is the topology.
    pub fn dht(&self) -> Option<&RoutingTables> {
        self.routes.as_deref().and_then(Routes::dht)
    }

    /// The routed topologies' links, shared with the network.
    pub fn routes(&self) -> Option<&Arc<Routes>> {
        self.routes.as_ref()
    }

    #[inline]
    pub fn len(&self) -> u32 {
        self.ids.len() as u32
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    #[inline]
    pub fn id(&self, p: PeerIdx) -> u64 {
        self.ids[p as usize]
    }

    /// Position of the first peer whose id is >= key (wrapping to 0).
    #[inline]
    pub fn insertion(&self, key: u64) -> PeerIdx {
        let i = self.ids.partition_point(|&id| id < key);
        if i == self.ids.len() { 0 } else { i as PeerIdx }
    }

    /// Was `a` seeded with a link to `b`? Directional, as in the original.
    #[inline]
    pub fn seeded_link(&self, a: PeerIdx, b: PeerIdx) -> bool {
        if a == b {
            return false;
        }
        let d = ring_distance(self.id(a), self.id(b));
        let h = mix64(self.link_seed ^ ((a as u64) << 32 | b as u64));
        match self.test {
            LinkTest::Uniform { threshold } => h < threshold,
            LinkTest::Gradient { hi, span } => {
                let drop = ((span as u128 * d as u128) >> 63) as u64;
                let threshold = hi - drop.min(hi);
                threshold == u64::MAX || h < threshold
            }
            LinkTest::Gaussian => {
                let p = self.link.probability(d);
                p >= 1.0 || (h >> 11) as f64 * (1.0 / (1u64 << 53) as f64) < p
            }
            LinkTest::Line => {
                // `d` on the raw ids, not the ring; the hash stands for the original's fresh
                // random u64 per (a, b).
                let line = self.id(a).abs_diff(self.id(b));
                line & 3 == 0 && h > line
            }
            LinkTest::Routed => self.routed_link(a, b),
        }
    }

    /// The `K` peers `node` knows at or above the key's insertion point and the `K` below
    /// it. If the node knows fewer, the walk covers the whole ring and repeats the farthest
    /// found (so the range is then the whole ring).
    pub fn nearest_known<const K: usize>(&self, node: PeerIdx, key: u64) -> NearestKnown<K> {
        if self.routes.is_some() {
            return self.routed_nearest(node, key);
        }
        let n = self.len();
        let start = self.insertion(key);
        let mut nb = NearestKnown::<K>::default();
        let mut found = 0;
        let mut p = start;
        for _ in 0..n {
            if self.seeded_link(node, p) {
                nb.above[found] = p;
                found += 1;
                if found == K {
                    break;
                }
            }
            p = if p + 1 == n { 0 } else { p + 1 };
        }
        let whole_ring = found < K;
        for i in found..K {
            nb.above[i] = if found > 0 { nb.above[found - 1] } else { node };
        }
        found = 0;
        let mut p = start;
        for _ in 0..n {
            p = if p == 0 { n - 1 } else { p - 1 };
            if self.seeded_link(node, p) {
                nb.below[found] = p;
                found += 1;
                if found == K {
                    break;
                }
            }
        }
        for i in found..K {
            nb.below[i] = if found > 0 { nb.below[found - 1] } else { node };
        }
        if whole_ring || found < K {
            // The range must then cover every peer: make it the full circle starting at `start`.
            nb.below[K - 1] = start;
            nb.above[K - 1] = if start == 0 { n - 1 } else { start - 1 };
        }
        nb
    }
}

impl Ring {
    /// `seeded_link` on the routed topologies. Kept out of line, like the nearest peers
    /// below, so the other topologies' hot code stays as it was (docs/topology.md has the
    /// measurement).
    #[inline(never)]
    fn routed_link(&self, a: PeerIdx, b: PeerIdx) -> bool {
        self.routes.as_ref().is_some_and(|r| r.links(a, b))
    }

    /// `nearest_known` on the routed topologies: the `K` peers at or above the key's
    /// insertion point and the `K` below it on the ring, the node itself skipped, whether the
    /// node knows them or not; messages to those it does not know are routed hop by hop
    /// (small-world) or looked up (dht) by `Outbox::send`. This is what a lookup in a routed
    /// network returns. The other
    /// topologies' rule (the known peers nearest the key) would pick, for a far key, peers
    /// hundreds of positions from it that store none of its tokens, and the original then
    /// barely committed (docs/topology.md).
    #[inline(never)]
    fn routed_nearest<const K: usize>(&self, node: PeerIdx, key: u64) -> NearestKnown<K> {
        let n = self.len();
        let start = self.insertion(key);
        let mut nb = NearestKnown::<K>::default();
        if n as usize <= 2 * K {
            // Too few peers for K + K others: the whole ring, as in the walk.
            nb.below[K - 1] = start;
            nb.above[K - 1] = if start == 0 { n - 1 } else { start - 1 };
            return nb;
        }
        let (mut p, mut i) = (start, 0);
        while i < K {
            if p != node {
                nb.above[i] = p;
                i += 1;
            }
            p = if p + 1 == n { 0 } else { p + 1 };
        }
        let (mut p, mut i) = (start, 0);
        while i < K {
            p = if p == 0 { n - 1 } else { p - 1 };
            if p != node {
                nb.below[i] = p;
                i += 1;
            }
        }
        nb
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full_ring(n: u64) -> Ring {
        Ring::from_ids(
            (0..n).map(|i| i * 1000 + 500).collect(),
            LinkModel::Uniform { p: 1.0 },
            1,
        )
    }

    #[test]
    fn nearest_known_peers_of_a_fully_linked_ring() {
        let ring = full_ring(20);
        // Key 5_200 lies between peer 5 (5_500 is above) and peer 4 (4_500 below).
        let nb = ring.nearest_known::<4>(15, 5_200);
        assert_eq!(nb.above, [5, 6, 7, 8]);
        assert_eq!(nb.below, [4, 3, 2, 1]);
        assert!(nb.contains(1, 20) && nb.contains(8, 20) && !nb.contains(9, 20));
        // The node itself is skipped.
        let nb = ring.nearest_known::<4>(6, 5_200);
        assert_eq!(nb.above, [5, 7, 8, 9]);
    }

    #[test]
    fn nearest_known_peers_wrap_around_zero() {
        let ring = full_ring(20);
        let nb = ring.nearest_known::<4>(10, 100);
        assert_eq!(nb.above, [0, 1, 2, 3]);
        assert_eq!(nb.below, [19, 18, 17, 16]);
        assert!(nb.contains(19, 20) && nb.contains(0, 20) && !nb.contains(15, 20));
    }

    #[test]
    fn sparse_view_covers_whole_ring() {
        let ring = Ring::from_ids((0..16).collect(), LinkModel::Uniform { p: 0.0 }, 1);
        let nb = ring.nearest_known::<4>(3, 7);
        for p in 0..16 {
            assert!(nb.contains(p, 16));
        }
    }

    #[test]
    fn small_world_nearest_peers_are_the_keys_ring_neighbours() {
        let config = SimConfig {
            peers: 3000,
            network: crate::config::NetworkConfig {
                topology: crate::config::Topology::SmallWorld,
                ..Default::default()
            },
            ..SimConfig::default()
        };
        let ring = Ring::new(&config);
        let n = ring.len();
        // The walk over every peer, known or not, for comparison.
        let walk = |node: PeerIdx, key: u64| {
            let start = ring.insertion(key);
            let above: Vec<_> = (0..n)
                .map(|k| (start + k) % n)
                .filter(|&p| p != node)
                .take(4)
                .collect();
            let below: Vec<_> = (1..=n)
                .map(|k| (start + n - k) % n)
                .filter(|&p| p != node)
                .take(4)
                .collect();
            (above, below)
        };
        for node in [0u32, 17, 1500, 2999] {
            for key in [0u64, 1 << 40, u64::MAX / 3, ring.id(node), u64::MAX] {
                let nb = ring.nearest_known::<4>(node, key);
                let (above, below) = walk(node, key);
                assert_eq!(nb.above.to_vec(), above, "node {node} key {key}");
                assert_eq!(nb.below.to_vec(), below, "node {node} key {key}");
            }
        }
        let degree: f64 = (0..n)
            .step_by(7)
            .map(|a| ring.small_world().unwrap().degree(a) as f64)
            .sum::<f64>()
            / (0..n).step_by(7).count() as f64;
        let expected = config.expected_degree();
        assert!(
            degree <= expected && degree > expected - 1.5,
            "{degree} vs {expected}"
        );
    }

    #[test]
    fn link_density_matches_the_model() {
        let config = SimConfig {
            peers: 2000,
            ..SimConfig::default()
        };
        let ring = Ring::new(&config);
        let links: usize = (0..2000u32)
            .step_by(97)
            .map(|a| (0..2000).filter(|&b| ring.seeded_link(a, b)).count())
            .sum();
        let mean = links as f64 / 21.0;
        let expected = config.expected_degree();
        assert!(
            (mean - expected).abs() < expected * 0.1,
            "{mean} vs {expected}"
        );
    }
}
