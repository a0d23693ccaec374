//! D7: the same seed and configuration give the same run on any number of threads.

use ecrust_systems::config::ProtocolKind;
use ecrust_systems::{DelayModel, RunSummary, SimConfig, Simulation, Topology};

/// 600 peers make three chunks of work (256, 256, 88), so threads really split a tick.
/// The original protocol: its thresholds and queries draw the most randomness.
fn small_lossy_config(seed: u64) -> SimConfig {
    let mut c = SimConfig {
        peers: 600,
        ticks: 150,
        seed,
        ..SimConfig::default()
    };
    c.protocol.kind = ProtocolKind::Original;
    c.network.loss = 0.1;
    c.network.delay = DelayModel::Geometric { stay: 0.5 };
    c.network.topology = Topology::RingGradient;
    c.workload.tokens = Some(30);
    c
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
        {
            let mut c = small_lossy_config(3);
            c.protocol.threshold = 3;
            c
        },
        2,
    );
    assert_ne!(c.digest, a.digest);
}

#[test]
fn stepping_tick_by_tick_is_the_same_as_running() {
    let mut sim = Simulation::new(small_lossy_config(5), 2).expect("valid config");
    while !sim.finished() {
        sim.step();
    }
    assert!(sim.tick() > 150, "the run drains after its ticks");
    let mut stepped = sim.summary();
    stepped.threads = 0;
    assert_eq!(stepped.digest, run(small_lossy_config(5), 2).digest);
}

/// v2 (the default protocol) too, on the same lossy ring.
#[test]
fn v2_gives_identical_summaries_on_one_and_three_threads() {
    let v2 = || {
        let mut c = small_lossy_config(3);
        c.protocol.kind = ProtocolKind::V2;
        c
    };
    let one = run(v2(), 1);
    assert!(one.blocks_committed > 0, "{one:?}");
    assert_eq!(format!("{:?}", run(v2(), 3)), format!("{one:?}"));
}

/// Faults, adversaries and the adaptive policy draw randomness too: still thread-independent.
#[test]
fn faults_byzantine_peers_and_adaptive_thresholds_are_deterministic() {
    use ecrust_systems::config::{Behaviour, PartitionSpec, ThresholdPolicy};
    for behaviour in [
        Behaviour::Flood,
        Behaviour::DoubleSpend,
        Behaviour::Equivocate,
    ] {
        let mut config = small_lossy_config(5);
        config.network.delay = DelayModel::Normal { mean: 2.0, sd: 1.0 };
        config.faults.partitions = vec![PartitionSpec {
            at: 40,
            heal: 80,
            groups: vec![0.3, 0.7],
        }];
        config.faults.churn = 0.005;
        config.faults.churn_downtime = 10;
        config.adversary.fraction = 0.1;
        config.adversary.behaviour = behaviour;
        config.protocol.threshold_policy = ThresholdPolicy::Adaptive { min: 1, max: 3 };
        let one = run(config.clone(), 1);
        assert!(one.messages_cut > 0, "faults must be exercised");
        let three = run(config, 3);
        assert_eq!(three.digest, one.digest, "{behaviour:?}");
    }
}

/// v2 with withholding origins and conflict injection, partitioned: the vote registry and the
/// certificate checker, fed per chunk, count the same on any thread count.
#[test]
fn the_certificate_checker_counts_the_same_on_one_two_and_four_threads() {
    let config = || {
        let mut c = small_lossy_config(5);
        c.protocol.kind = ProtocolKind::V2;
        c.workload.conflict_rate = 0.3;
        c.adversary.fraction = 0.1;
        c.adversary.behaviour = ecrust_systems::config::Behaviour::WithholdCertificate;
        c
    };
    let one = run(config(), 1);
    assert!(one.blocks_committed > 0, "{one:?}");
    for threads in [2, 4] {
        let other = run(config(), threads);
        assert_eq!(
            format!("{other:?}"),
            format!("{one:?}"),
            "{threads} threads"
        );
    }
}
