//! How many peers each peer was seeded with: the mean, fewest and most over the ring, as the
//! original simulator printed them ("Peers: max, min, avg"). Learned links are not counted.

use crate::model::ids::PeerIdx;
use crate::model::ring::Ring;
use rayon::prelude::*;
use serde::Serialize;

/// Most link tests spent on the statistics: every pair up to 2,000 peers (the original's
/// regime); beyond that an evenly spaced sample of peers (at least `MIN_SAMPLE`), each tested
/// against every peer. Every run pays for it at set-up, so it stays a few milliseconds.
pub const LINK_TEST_BUDGET: u64 = 4_000_000;

/// Fewest peers measured on a large ring.
pub const MIN_SAMPLE: u64 = 16;

/// Seeded links per peer.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct LinkDegrees {
    pub mean: f64,
    pub min: u64,
    pub max: u64,
    /// Peers the figures are over: all of them up to 2,000, a sample beyond.
    pub peers_measured: u64,
}

impl LinkDegrees {
    /// Counts the links of every peer, or of an evenly spaced sample on a large ring.
    pub fn measure(ring: &Ring) -> Self {
        let n = ring.len() as u64;
        let measured = n.min((LINK_TEST_BUDGET / n.max(1)).max(MIN_SAMPLE));
        let degree = |p: PeerIdx| match ring.small_world() {
            Some(sw) => sw.degree(p) as u64,
            None => (0..ring.len()).filter(|&b| ring.seeded_link(p, b)).count() as u64,
        };
        let degrees: Vec<u64> = (0..measured)
            .into_par_iter()
            .map(|i| degree((i * n / measured) as PeerIdx))
            .collect();
        Self {
            mean: degrees.iter().sum::<u64>() as f64 / measured.max(1) as f64,
            min: degrees.iter().copied().min().unwrap_or(0),
            max: degrees.iter().copied().max().unwrap_or(0),
            peers_measured: measured,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{NetworkConfig, SimConfig, Topology};

    fn ring(peers: u32, topology: Topology, seed: u64) -> Ring {
        Ring::new(&SimConfig {
            peers,
            seed,
            network: NetworkConfig {
                topology,
                ..Default::default()
            },
            ..SimConfig::default()
        })
    }

    /// The original printed 336 / 211 / 433 (mean / min / max) at 2,000 peers; its rule gives
    /// (N - 1) / 6 = 333 on average, half that share at the ends of the line and 3/4 of it
    /// at the middle, within each id class mod 4.
    #[test]
    fn the_line_rule_gives_the_originals_degrees() {
        let d = LinkDegrees::measure(&ring(2000, Topology::LineGradient, 1));
        assert_eq!(d.peers_measured, 2000);
        assert!((d.mean - 333.2).abs() < 15.0, "{d:?}");
        assert!((150..=280).contains(&d.min), "{d:?}");
        assert!((380..=480).contains(&d.max), "{d:?}");
    }

    /// Links join only peers whose ids are equal mod 4, and the draw is a function of the seed.
    #[test]
    fn the_line_rule_links_within_an_id_class_and_follows_the_seed() {
        let a = ring(400, Topology::LineGradient, 7);
        let b = ring(400, Topology::LineGradient, 7);
        let c = ring(400, Topology::LineGradient, 8);
        let mut differ = 0;
        for p in 0..400 {
            for q in 0..400 {
                let linked = a.seeded_link(p, q);
                assert_eq!(linked, b.seeded_link(p, q));
                if linked {
                    assert_eq!(a.id(p) & 3, a.id(q) & 3);
                }
                differ += usize::from(linked != c.seeded_link(p, q));
            }
        }
        assert!(differ > 1000, "another seed draws other links: {differ}");
    }

    #[test]
    fn a_large_ring_is_measured_on_a_sample() {
        let d = LinkDegrees::measure(&ring(20_000, Topology::Random, 1));
        assert_eq!(d.peers_measured, 200);
        assert!((d.mean - 0.3 * 19_999.0).abs() < 60.0, "{d:?}");
        assert!(d.min < d.max);
    }
}
