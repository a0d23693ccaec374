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
        nonce: 1000 + time as u64,
        submitted: time - 1,
        time,
        origin: 0,
        parts: smallvec![Part {
            token,
            last,
            last_time
        }],
        twin_of: None,
        retry_of: None,
        spender: ecrust_systems::model::blocks::Spender::Owner,
        outcome: None,
        commits: 0,
        messages: AtomicU64::new(0),
    }
}

fn holding(token: TokenIdx, block: BlockIdx, time: u32) -> PeerState<()> {
    let mut p = PeerState::<()>::default();
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
        PeerState::<()>::default(),
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

/// S6: a committed block naming a token that does not exist, or one token twice, is caught.
#[test]
fn a_block_that_would_grow_the_token_count_is_a_conservation_violation() {
    let mut ledger = Ledger::new(2, true);
    ledger.on_commit(0, &spend(7, GENESIS, 0, 1), 1);
    assert_eq!(ledger.violations.conservation, 1, "token 7 does not exist");
    let mut twice = spend(0, GENESIS, 0, 2);
    twice.parts.push(twice.parts[0]);
    ledger.on_commit(1, &twice, 2);
    assert_eq!(
        ledger.violations.conservation, 2,
        "token 0 twice in one block"
    );
    assert_eq!(ledger.head(0).block, GENESIS, "neither touched the chains");
}

/// Asking for the owner-view check twice counts its disagreements once.
#[test]
fn owner_disagreements_are_a_snapshot_not_a_running_sum() {
    let mut ledger = Ledger::new(1, true);
    ledger.on_commit(0, &spend(0, GENESIS, 0, 1), 1);
    ledger.on_commit(1, &spend(0, GENESIS, 0, 2), 2);
    let peers = [holding(0, 0, 1), holding(0, 0, 1), holding(0, 1, 2)];
    assert_eq!(ledger.check_owner_views(&peers), 1);
    assert_eq!(ledger.check_owner_views(&peers), 1);
    assert_eq!(ledger.violations.owner_disagreements, 1);
}

fn small_config(seed: u64) -> SimConfig {
    let mut config = SimConfig {
        peers: 300,
        ticks: 300,
        seed,
        ..SimConfig::default()
    };
    config.workload.tokens = Some(30);
    config.network.loss = 0.05;
    config
}

fn run(config: SimConfig) -> ecrust_systems::RunSummary {
    let mut sim = Simulation::new(config, 2).expect("valid config");
    sim.run();
    let first = sim.summary();
    assert_eq!(
        sim.summary().violations,
        first.violations,
        "a summary does not change the run"
    );
    first
}

#[test]
fn honest_runs_have_no_violations_and_leave_no_block_out() {
    for seed in [1, 2] {
        let s = run(small_config(seed));
        assert!(s.safety_checked);
        assert!(s.blocks_committed > 50, "seed {seed}: {s:?}");
        assert_eq!(s.safety_violations, 0, "seed {seed}: {:?}", s.violations);
        assert_eq!(s.blocks_in_flight, 0, "the drain finishes every block");
        assert_eq!(
            s.blocks_submitted,
            s.blocks_committed + s.blocks_rejected + s.blocks_timed_out,
            "every submission ends one way"
        );
    }
}

/// The original protocol is not safe when an owner signs twice, and the checker sees it
/// through the real commit path: conflict injection gives conflicting commits (S1) and peers
/// that store a forked owner. Every conflict family is counted once, and how each ended adds
/// up.
#[test]
fn the_checker_catches_the_original_forking_under_double_signing_owners() {
    let mut config = small_config(1);
    config.protocol.kind = ecrust_systems::config::ProtocolKind::Original;
    config.workload.conflict_rate = 0.3;
    let s = run(config);
    assert!(
        s.violations.conflicting_commits > 0,
        "the original forks here: {:?}",
        s.violations
    );
    assert!(s.violations.owner_disagreements > 0, "{:?}", s.violations);
    assert_eq!(
        s.violations.double_spends, 0,
        "S2 holds: no peer overwrites its store"
    );
    let c = s.conflict_families;
    assert!(c.total > 10, "{c:?}");
    assert_eq!(c.total, c.one_committed + c.none_committed + c.forked);
    assert!(
        s.member_blocks.submitted > s.blocks_submitted,
        "twins are members, not extra submissions"
    );
}

/// The same through Byzantine owners that double-sign (`double-spend` behaviour).
#[test]
fn the_checker_catches_byzantine_owners_double_signing() {
    let mut config = small_config(3);
    config.protocol.kind = ecrust_systems::config::ProtocolKind::Original;
    config.peers = 1000;
    config.adversary.fraction = 0.1;
    config.adversary.behaviour = ecrust_systems::config::Behaviour::DoubleSpend;
    let s = run(config);
    assert!(s.conflict_families.total > 0, "{:?}", s.conflict_families);
    assert!(
        s.violations.conflicting_commits > 0,
        "the original forks here: {:?}",
        s.violations
    );
}
