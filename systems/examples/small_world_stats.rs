//! The small-world topology's shape at several ring sizes: mean and largest degree, and the
//! hops greedy routing takes between random pairs of peers (mean, p99, largest), from a
//! sample of peers, without O(N^2) work. The figures in `docs/topology.md` come from:
//!
//! ```text
//! cargo run --release -p ecrust-systems --example small_world_stats -- 1000 10000 100000 1000000
//! ```

use ecrust_systems::config::{SMALL_WORLD_NEAR, small_world_far};
use ecrust_systems::model::rng::mix64;
use ecrust_systems::model::small_world::SmallWorld;

/// Peers sampled per ring size (each routes to one random peer).
const SAMPLE: u32 = 20_000;

fn main() {
    let sizes: Vec<u32> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("ring sizes"))
        .collect();
    println!("peers\tnear\tfar_draws\tmean_degree\tmax_degree\tmean_hops\tp99_hops\tmax_hops");
    for n in sizes {
        let sw = SmallWorld::new(n, 1);
        let step = (n / SAMPLE).max(1);
        let peers: Vec<u32> = (0..n).step_by(step as usize).collect();
        let degrees: Vec<u32> = peers.iter().map(|&p| sw.degree(p)).collect();
        let mut hops: Vec<u32> = peers
            .iter()
            .map(|&p| sw.hops(p, (mix64(p as u64 ^ 0x5eed) % n as u64) as u32))
            .collect();
        hops.sort_unstable();
        let mean = |v: &[u32]| v.iter().map(|&x| x as f64).sum::<f64>() / v.len() as f64;
        println!(
            "{n}\t{SMALL_WORLD_NEAR}\t{}\t{:.1}\t{}\t{:.2}\t{}\t{}",
            small_world_far(n),
            mean(&degrees),
            degrees.iter().max().unwrap(),
            mean(&hops),
            hops[hops.len() * 99 / 100],
            hops.last().unwrap()
        );
    }
}
