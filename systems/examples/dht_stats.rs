//! The dht topology's routing tables at several ring sizes: contacts a table, bytes a peer,
//! and the queries a lookup takes between random pairs of peers when no reply is lost (mean,
//! p99, largest), from a sample of peers. The figures in `docs/topology.md` come from:
//!
//! ```text
//! cargo run --release -p ecrust-systems --example dht_stats -- 5000 50000 1000000
//! ```

use ecrust_systems::model::dht::routing_table::RoutingTables;
use ecrust_systems::model::rng::mix64;

/// Peers sampled per ring size (each looks up one random peer).
const SAMPLE: u32 = 20_000;

fn main() {
    let sizes: Vec<u32> = std::env::args()
        .skip(1)
        .map(|a| {
            a.parse().unwrap_or_else(|_| {
                eprintln!("dht_stats: '{a}' is not a ring size");
                std::process::exit(2)
            })
        })
        .collect();
    println!("peers\ttable\tbytes_per_peer\tmean_queries\tp99_queries\tmax_queries");
    for n in sizes {
        let t = RoutingTables::new(n, 1);
        let step = (n / SAMPLE).max(1);
        let mut queries: Vec<u32> = (0..n)
            .step_by(step as usize)
            .map(|p| t.lookup_hops(p, (mix64(p as u64 ^ 0x5eed) % n as u64) as u32))
            .collect();
        queries.sort_unstable();
        let mean = queries.iter().map(|&x| x as f64).sum::<f64>() / queries.len() as f64;
        println!(
            "{n}\t{}\t{}\t{mean:.2}\t{}\t{}",
            t.size(),
            t.bytes_per_peer(),
            queries[queries.len() * 99 / 100],
            queries.last().copied().unwrap_or(0)
        );
    }
}
