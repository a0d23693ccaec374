//! What the examples share: their arguments and the scenario they run.

use ecrust_systems::config::{ProtocolConfig, ProtocolKind};
use ecrust_systems::{SimConfig, Simulation};

/// The whole-number argument at `position`, or `default`; exits with a usage line otherwise.
pub fn arg(example: &str, position: usize, default: u32) -> u32 {
    match std::env::args().nth(position) {
        None => default,
        Some(text) => text.parse().unwrap_or_else(|_| {
            eprintln!("usage: {example} [PEERS] [TICKS]; `{text}` is not a whole number");
            std::process::exit(2)
        }),
    }
}

/// The binary's default scenario (one token per 200 peers) at `peers`, on one thread, with
/// the original protocol, whose figures BENCHMARKS.md gives.
pub fn simulation(example: &str, peers: u32, ticks: u32) -> Simulation {
    let config = SimConfig {
        peers,
        ticks,
        protocol: ProtocolConfig {
            kind: ProtocolKind::Original,
            ..ProtocolConfig::default()
        },
        ..SimConfig::default()
    };
    build(example, config, 1)
}

/// The simulation of `config` on `threads` threads (0 = one per core); a config the
/// simulator refuses is a one-line error and exit code 2.
pub fn build(example: &str, config: SimConfig, threads: usize) -> Simulation {
    Simulation::new(config, threads).unwrap_or_else(|error| {
        eprintln!("{example}: {error}");
        std::process::exit(2)
    })
}
