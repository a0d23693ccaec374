//! D7: the same seed and configuration give the same run on any number of threads.

use ecrust_systems::{DelayModel, RunSummary, SimConfig, Simulation, Topology};

/// 600 peers make three chunks of work (256, 256, 88), so threads really split a tick.
fn small_lossy_config(seed: u64) -> SimConfig {
    SimConfig {
        peers: 600,
        ticks: 150,
        seed,
        loss: 0.1,
        tokens: 30,
        delay: DelayModel::Geometric { stay: 0.5 },
        topology: Topology::RingGradient,
        ..SimConfig::default()
    }
}

fn run(config: SimConfig, threads: usize) -> RunSummary {
    let mut sim = Simulation::new(config, threads).expect("valid config");
    assert_eq!(sim.threads(), threads);
    sim.run();
    let mut summary = sim.summary();
    summary.threads = 0;
    summary
}

#[test]
fn one_two_and_four_threads_give_identical_summaries() {
    let one = run(small_lossy_config(3), 1);
    assert!(
        one.blocks_committed > 0,
        "the run must do something: {one:?}"
    );
    assert!(one.messages_dropped > 0, "loss must be exercised");
    for threads in [2, 4] {
        let other = run(small_lossy_config(3), threads);
        assert_eq!(other.digest, one.digest, "{threads} threads");
        // Every figure, not just the digest (f64s compare exactly: same operations, same order).
        assert_eq!(
            format!("{other:?}"),
            format!("{one:?}"),
            "{threads} threads"
        );
    }
}

#[test]
fn a_rerun_is_identical_and_another_seed_is_not() {
    let a = run(small_lossy_config(3), 2);
    assert_eq!(run(small_lossy_config(3), 2).digest, a.digest);
    let b = run(small_lossy_config(4), 2);
    assert_ne!(b.digest, a.digest);
    let c = run(
        SimConfig {
            threshold: 3,
            ..small_lossy_config(3)
        },
        2,
    );
    assert_ne!(c.digest, a.digest);
}

#[test]
fn stepping_tick_by_tick_is_the_same_as_running() {
    let mut sim = Simulation::new(small_lossy_config(5), 2).expect("valid config");
    while sim.tick() < 150 {
        sim.step();
    }
    let mut stepped = sim.summary();
    stepped.threads = 0;
    assert_eq!(stepped.digest, run(small_lossy_config(5), 2).digest);
}

/// Faults, adversaries and the adaptive policy draw randomness too: still thread-independent.
#[test]
fn faults_byzantine_peers_and_adaptive_thresholds_are_deterministic() {
    use ecrust_systems::adversary::Behaviour;
    use ecrust_systems::config::{PartitionSpec, ThresholdPolicy};
    for behaviour in [
        Behaviour::Flood,
        Behaviour::DoubleSpend,
        Behaviour::Equivocate,
    ] {
        let config = SimConfig {
            delay: DelayModel::Normal { mean: 2.0, sd: 1.0 },
            partitions: vec![PartitionSpec {
                at: 40,
                heal: 80,
                groups: vec![0.3, 0.7],
            }],
            churn: 0.005,
            churn_downtime: 10,
            byzantine: 0.1,
            byzantine_behaviour: behaviour,
            threshold_policy: ThresholdPolicy::Adaptive { min: 1, max: 3 },
            ..small_lossy_config(5)
        };
        let one = run(config.clone(), 1);
        assert!(one.messages_cut > 0, "faults must be exercised");
        let three = run(config, 3);
        assert_eq!(three.digest, one.digest, "{behaviour:?}");
    }
}
