//! D9: the global safety checker catches what it must, and honest runs give it nothing.

use ecrust_systems::model::blocks::{Block, Part};
use ecrust_systems::model::ids::{BlockIdx, GENESIS, TokenIdx};
use ecrust_systems::model::ledger::Ledger;
use ecrust_systems::model::peer::{Mapping, PeerState};
use ecrust_systems::{SimConfig, Simulation};
use smallvec::smallvec;
use std::sync::atomic::AtomicU64;

/// A one-part block moving `token` away from the owner set by `last`.
fn spend(token: TokenIdx, last: BlockIdx, last_time: u32, time: u32) -> Block {
    Block {
        id: 1000 + time as u64,
        submitted: time - 1,
        time,
        origin: 0,
        parts: smallvec![Part {
            token,
            last,
            last_time
        }],
        twin_of: None,
        outcome: None,
        commits: 0,
        messages: AtomicU64::new(0),
    }
}

fn holding(token: TokenIdx, block: BlockIdx, time: u32) -> PeerState {
    let mut p = PeerState::default();
    p.store.push((
        token,
        Mapping {
            block,
            time,
            prev: GENESIS,
        },
    ));
    p
}

#[test]
fn an_injected_s1_violation_is_caught() {
    let mut ledger = Ledger::new(2, true);
    let (a, b) = (spend(0, GENESIS, 0, 1), spend(0, GENESIS, 0, 2));
    ledger.on_commit(0, &a, 1);
    // The same block committing at more peers is no violation.
    ledger.on_commit(0, &a, 2);
    assert_eq!(ledger.violations.total(), 0);
    // A second block spending the same (token, last): a fork of token 0's chain.
    ledger.on_commit(1, &b, 3);
    assert_eq!(ledger.violations.conflicting_commits, 1);
    assert_eq!(
        ledger.head(0).block,
        0,
        "the chain head stays on the first branch"
    );
}

#[test]
fn an_honest_chain_is_not_a_violation() {
    let mut ledger = Ledger::new(1, true);
    ledger.on_commit(0, &spend(0, GENESIS, 0, 1), 1);
    ledger.on_commit(1, &spend(0, 0, 1, 5), 5);
    ledger.on_commit(2, &spend(0, 1, 5, 9), 9);
    assert_eq!(ledger.violations.total(), 0);
    assert_eq!(ledger.head(0).block, 2);
    assert_eq!(ledger.check_owner_views(&[holding(0, 2, 9)]), 0);
}

#[test]
fn a_minority_fork_holder_is_an_owner_disagreement() {
    let mut ledger = Ledger::new(1, true);
    ledger.on_commit(0, &spend(0, GENESIS, 0, 1), 1);
    ledger.on_commit(1, &spend(0, GENESIS, 0, 2), 2);
    let peers = [
        holding(0, 0, 1),
        holding(0, 0, 1),
        holding(0, 0, 1),
        holding(0, 1, 2),
        PeerState::default(),
    ];
    assert_eq!(ledger.check_owner_views(&peers), 1);
    assert_eq!(ledger.violations.owner_disagreements, 1);
    assert_eq!(ledger.violations.total(), 2);
}

#[test]
fn without_checking_nothing_is_counted() {
    let mut ledger = Ledger::new(1, false);
    ledger.on_commit(0, &spend(0, GENESIS, 0, 1), 1);
    ledger.on_commit(1, &spend(0, GENESIS, 0, 2), 2);
    assert_eq!(ledger.check_owner_views(&[holding(0, 1, 2)]), 0);
    assert_eq!(ledger.violations.total(), 0);
}

fn small_run(conflict_rate: f64, seed: u64) -> ecrust_systems::RunSummary {
    let mut config = SimConfig {
        peers: 300,
        ticks: 300,
        seed,
        ..SimConfig::default()
    };
    config.workload.tokens = Some(30);
    config.workload.conflict_rate = conflict_rate;
    config.network.loss = 0.05;
    let mut sim = Simulation::new(config, 2).expect("valid config");
    sim.run();
    sim.summary()
}

#[test]
fn honest_runs_have_no_violations() {
    for seed in [1, 2] {
        let s = small_run(0.0, seed);
        assert!(s.safety_checked);
        assert!(s.blocks_committed > 50, "seed {seed}: {s:?}");
        assert_eq!(s.safety_violations, 0, "seed {seed}: {:?}", s.violations);
    }
}

#[test]
fn conflict_runs_are_checked_and_reported() {
    let s = small_run(0.3, 1);
    eprintln!("conflict_rate 0.3: {:?}", s.violations);
    assert!(s.blocks_submitted > s.blocks_committed && s.blocks_rejected > 0);
    assert_eq!(s.safety_violations, s.violations.total());
    // S2 holds: no peer commits over a mapping it does not store.
    assert_eq!(s.violations.double_spends, 0);
}

/// S1 under conflict injection. Fails today: both twins of a double spend commit at some peers
/// (14 conflicting commits and 11 owner disagreements here). Holders vote "yes" to each twin
/// they see before they see the other, and votes stay counted until replaced, so two askers can
/// each gather a decisive margin. Run with `--ignored`.
#[test]
#[ignore = "known S1 violations under conflict injection"]
fn conflict_runs_never_commit_two_spends_of_one_owner() {
    let s = small_run(0.3, 1);
    assert_eq!(s.violations.conflicting_commits, 0, "{:?}", s.violations);
}
