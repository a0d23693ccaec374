//! Criterion benches: one tick of each system on a warmed 10k-peer world, and a full 1k-peer run.
//!
//! Systems mutate state irreversibly and the world is not `Clone`, so each per-system bench
//! keeps one warmed world and steps the whole tick system by system, timing only the system
//! under test: every measured call then sees a realistic in-flight load.

use bevy_ecs::system::RunSystemOnce;
use bevy_ecs::world::World;
use criterion::{Criterion, criterion_group, criterion_main};
use ecrust_systems::systems::*;
use ecrust_systems::{SimConfig, Simulation};
use std::hint::black_box;
use std::time::{Duration, Instant};

const PEERS: u32 = 10_000;
const WARMUP_TICKS: u32 = 50;

/// The tick's systems in schedule order (see `ecrust_systems::schedule::tick_schedule`).
const SYSTEMS: [&str; 6] = [
    "inject_transactions",
    "deliver_messages",
    "vote",
    "commit_blocks",
    "collect_garbage",
    "record_metrics",
];

fn run_one(world: &mut World, index: usize) {
    // A bench cannot recover from a failed system; the panic names the system.
    let result = match index {
        0 => world.run_system_once(inject_transactions),
        1 => world.run_system_once(deliver_messages),
        2 => world.run_system_once(vote),
        3 => world.run_system_once(commit_blocks),
        4 => world.run_system_once(collect_garbage),
        _ => world.run_system_once(record_metrics),
    };
    if let Err(e) = result {
        panic!("{}: {e}", SYSTEMS[index]);
    }
}

fn warmed_sim(peers: u32) -> Simulation {
    let config = SimConfig {
        peers,
        // Far more ticks than any bench steps, so the workload never runs dry.
        ticks: 1_000_000,
        tokens: 500,
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
    for (target, name) in SYSTEMS.iter().enumerate() {
        let mut sim = warmed_sim(PEERS);
        group.bench_function(*name, |b| {
            b.iter_custom(|iters| {
                let mut timed = Duration::ZERO;
                for _ in 0..iters {
                    for index in 0..SYSTEMS.len() {
                        if index == target {
                            let start = Instant::now();
                            run_one(&mut sim.world, index);
                            timed += start.elapsed();
                        } else {
                            run_one(&mut sim.world, index);
                        }
                    }
                }
                timed
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
        .measurement_time(Duration::from_secs(5));
    group.bench_function("1k_peers_200_ticks", |b| {
        b.iter(|| {
            let config = SimConfig {
                peers: 1_000,
                ticks: 200,
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
