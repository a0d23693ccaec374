//! Per-system wall time of the tick, on one thread: where a tick's nanoseconds go.
//!
//! A flamegraph shows call stacks; this shows the schedule. It runs the systems one by one
//! (the order of `Simulation::step`), times each, and prints the cost per delivered message,
//! the unit the throughput target is stated in. Use it to A/B a change to a hot system:
//!
//! ```text
//! cargo run --release -p ecrust-systems --example system_times -- 50000 300
//! ```
//!
//! Arguments: peers (default 50,000) and measured ticks (default 300), after 100 warm-up
//! ticks. The scenario is the defaults of `SimConfig` with one token per 200 peers, as the
//! binary uses, with the original protocol (`common::simulation`). Timings on a shared VM wander by about 10%: compare runs side by side.

mod common;

use ecrust_systems::schedule::{TICK_SYSTEMS, run_tick_system};
use std::time::{Duration, Instant};

const WARM_UP_TICKS: u32 = 100;

fn deliver_index() -> usize {
    TICK_SYSTEMS
        .iter()
        .position(|&name| name == "deliver_messages")
        .expect("deliver_messages is a tick system")
}

fn main() {
    let peers = common::arg("system_times", 1, 50_000).max(1);
    let ticks = common::arg("system_times", 2, 300).max(1);
    let mut sim = common::simulation("system_times", peers, WARM_UP_TICKS + ticks);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a one-thread pool");
    pool.install(|| {
        for _ in 0..WARM_UP_TICKS {
            sim.step();
        }
        let delivered_before = sim.metrics().delivered.total();
        let mut spent = [Duration::ZERO; TICK_SYSTEMS.len()];
        for _ in 0..ticks {
            for (index, time) in spent.iter_mut().enumerate() {
                let start = Instant::now();
                if let Err(error) = run_tick_system(&mut sim.world, index) {
                    panic!("{} failed: {error}", TICK_SYSTEMS[index]);
                }
                *time += start.elapsed();
            }
        }
        let total: Duration = spent.iter().sum();
        let per_tick = (sim.metrics().delivered.total() - delivered_before) as f64 / ticks as f64;
        let ns_per_message = |d: Duration| d.as_secs_f64() * 1e9 / ticks as f64 / per_tick;
        println!(
            "{peers} peers, {ticks} ticks, 1 thread: {per_tick:.0} messages delivered per tick"
        );
        println!(
            "deliver {:.0} ns/message; whole tick {:.0} ns/message",
            ns_per_message(spent[deliver_index()]),
            ns_per_message(total)
        );
        for (name, time) in TICK_SYSTEMS.iter().zip(spent) {
            println!(
                "{name:24} {:8.2} ms/tick {:5.1}%",
                time.as_secs_f64() * 1e3 / ticks as f64,
                100.0 * time.as_secs_f64() / total.as_secs_f64()
            );
        }
    });
}
