//! Criterion benches: one tick of each system on a warmed 10k-peer world, and a full 1k-peer run.
//!
//! Systems mutate state irreversibly and the world is not `Clone`, so each per-system bench
//! keeps one warmed world and steps the whole tick system by system, timing only the system
//! under test: every measured call then sees a realistic in-flight load.
//!
//! Criterion sizes its samples from the timed part only, so a cheap system (record_metrics)
//! would ask for tens of thousands of iterations, each paying a full untimed tick. A sample
//! therefore steps at most `MAX_TICKS_PER_SAMPLE` real ticks and reports the mean scaled to the
//! iterations asked for, which bounds the wall time of the bench.

use bevy_ecs::world::World;
use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use ecrust_systems::config::{ProtocolConfig, ProtocolKind, WorkloadConfig};
use ecrust_systems::schedule::{TICK_SYSTEMS, run_tick_system};
use ecrust_systems::{SimConfig, Simulation};
use std::hint::black_box;
use std::time::{Duration, Instant};

const PEERS: u32 = 10_000;
const WARMUP_TICKS: u32 = 50;
const MAX_TICKS_PER_SAMPLE: u64 = 20;

/// The protocol systems benched; the fault and adversary systems between them are no-ops in
/// the default scenario, so they are stepped but not benched.
const BENCHED: [&str; 6] = [
    "inject_transactions",
    "deliver_messages",
    "vote",
    "commit_blocks",
    "collect_garbage",
    "record_metrics",
];

fn run_one(world: &mut World, index: usize) {
    // A bench cannot recover from a failed system; the panic names the system.
    if let Err(e) = run_tick_system(world, index) {
        panic!("{}: {e}", TICK_SYSTEMS[index]);
    }
}

/// The original protocol, whose systems' figures BENCHMARKS.md gives.
fn original() -> ProtocolConfig {
    ProtocolConfig {
        kind: ProtocolKind::Original,
        ..ProtocolConfig::default()
    }
}

fn warmed_sim(peers: u32) -> Simulation {
    let config = SimConfig {
        peers,
        // Far more ticks than any bench steps, so the workload never runs dry.
        ticks: 1_000_000,
        workload: WorkloadConfig {
            tokens: Some(500),
            ..WorkloadConfig::default()
        },
        protocol: original(),
        ..SimConfig::default()
    };
    let mut sim = Simulation::new(config, 0).expect("bench configuration is valid");
    for _ in 0..WARMUP_TICKS {
        sim.step();
    }
    sim
}

fn per_system(c: &mut Criterion) {
    let mut group = c.benchmark_group("tick_10k");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    for name in BENCHED {
        let target = TICK_SYSTEMS
            .iter()
            .position(|&system| system == name)
            .expect("every benched system is a tick system");
        // Built on first use, so a filtered-out bench costs no warm-up.
        let mut sim: Option<Simulation> = None;
        group.bench_function(name, |b| {
            let sim = sim.get_or_insert_with(|| warmed_sim(PEERS));
            b.iter_custom(|iters| {
                let ticks = iters.clamp(1, MAX_TICKS_PER_SAMPLE);
                let mut timed = Duration::ZERO;
                for _ in 0..ticks {
                    for index in 0..TICK_SYSTEMS.len() {
                        if index == target {
                            let start = Instant::now();
                            run_one(&mut sim.world, index);
                            timed += start.elapsed();
                        } else {
                            run_one(&mut sim.world, index);
                        }
                    }
                }
                timed.mul_f64(iters as f64 / ticks as f64)
            });
        });
    }
    group.finish();
}

fn full_run(c: &mut Criterion) {
    let mut group = c.benchmark_group("run");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(8))
        // One run is ~0.3-0.7 s; linear sampling would need 55 of them for 10 samples.
        .sampling_mode(SamplingMode::Flat);
    group.bench_function("1k_peers_200_ticks", |b| {
        b.iter(|| {
            let config = SimConfig {
                peers: 1_000,
                ticks: 200,
                protocol: original(),
                ..SimConfig::default()
            };
            let mut sim = Simulation::new(config, 0).expect("bench configuration is valid");
            sim.run();
            black_box(sim.metrics().blocks_committed)
        });
    });
    group.finish();
}

criterion_group!(benches, per_system, full_run);
criterion_main!(benches);
