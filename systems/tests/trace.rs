//! Tracing only observes: a traced run has the untraced run's digest, and its events are the
//! same on any thread count.

use ecrust_systems::model::trace::{Fate, StateChange, TraceEvent, TraceSet};
use ecrust_systems::{SimConfig, Simulation};

/// 600 peers make three chunks; loss, conflicts, churn and a partition give every fate and
/// every state a chance to appear.
fn config() -> SimConfig {
    let mut c = SimConfig {
        peers: 600,
        ticks: 120,
        seed: 7,
        ..SimConfig::default()
    };
    c.network.loss = 0.1;
    c.workload.tokens = Some(30);
    c.workload.conflict_rate = 0.3;
    c.faults.churn = 0.002;
    c.faults.partitions = vec![ecrust_systems::config::PartitionSpec {
        at: 5,
        heal: 40,
        groups: vec![0.5, 0.5],
    }];
    c
}

/// The run's digest and, if traced, every event it recorded.
fn run(threads: usize, trace: Option<TraceSet>) -> (String, Vec<TraceEvent>) {
    let mut sim = Simulation::new(config(), threads).expect("valid config");
    let traced = trace.is_some();
    if let Some(set) = trace {
        sim.trace_blocks(set);
    }
    let mut events = Vec::new();
    while !sim.finished() {
        sim.step();
        events.extend(sim.take_trace_events());
    }
    assert_eq!(traced, !events.is_empty());
    (sim.summary().digest, events)
}

#[test]
fn a_traced_run_has_the_untraced_digest_and_the_same_events_on_any_thread_count() {
    let (plain, _) = run(1, None);
    let (one, events) = run(1, Some(TraceSet::first(8)));
    let (two, events_two) = run(2, Some(TraceSet::first(8)));
    assert_eq!(one, plain, "tracing changed the run");
    assert_eq!(two, plain);
    assert!(
        events == events_two,
        "1 and 2 threads recorded different events"
    );

    let mut fates = std::collections::BTreeSet::new();
    let mut states = std::collections::BTreeSet::new();
    let mut last_tick = 0;
    for ev in &events {
        let (tick, block) = match *ev {
            TraceEvent::Message {
                tick, msg, fate, ..
            } => {
                fates.insert(fate.name());
                (tick, msg.block)
            }
            TraceEvent::State {
                tick, block, state, ..
            } => {
                states.insert(state.name());
                (tick, block)
            }
        };
        assert!(block < 8, "{ev:?}");
        assert!(tick >= last_tick, "events in order: {ev:?}");
        last_tick = tick;
    }
    for fate in [Fate::Queued, Fate::Lost, Fate::Cut, Fate::Delivered] {
        assert!(
            fates.contains(fate.name()),
            "{fate:?} never seen: {fates:?}"
        );
    }
    for state in [
        StateChange::Pending,
        StateChange::DecidedCommit,
        StateChange::Committed,
        StateChange::Collected,
    ] {
        assert!(
            states.contains(state.name()),
            "{state:?} never seen: {states:?}"
        );
    }
}

#[test]
fn listed_blocks_are_the_only_ones_traced() {
    let (_, events) = run(2, Some(TraceSet::listed(vec![3, 11])));
    let blocks: std::collections::BTreeSet<u32> = events
        .iter()
        .map(|ev| match *ev {
            TraceEvent::Message { msg, .. } => msg.block,
            TraceEvent::State { block, .. } => block,
        })
        .collect();
    assert_eq!(blocks, [3, 11].into());
}
