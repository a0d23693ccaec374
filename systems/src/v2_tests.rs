//! Protocol v2 on tiny worlds, end to end (top level: it runs the whole tick): a block commits,
//! twins end with exactly one winner,
//! equivocating members within the bound cannot fork.

use crate::config::{Behaviour, ProtocolKind, SimConfig};
use crate::model::blocks::{BlockBook, Outcome};
use crate::model::ledger::Ledger;
use crate::model::world::Clock;
use crate::sim::Simulation;
use crate::testing::*;
use bevy_ecs::world::World;

fn v2_config(tokens: u32) -> SimConfig {
    let mut c = tiny_config(tokens);
    c.protocol.kind = ProtocolKind::V2;
    c
}

/// Runs every tick system once (the clock advances in `record_metrics`).
fn tick(world: &mut World) {
    for i in 0..crate::schedule::TICK_SYSTEMS.len() {
        crate::schedule::run_tick_system(world, i).expect("system runs");
    }
}

fn outcomes(world: &World) -> Vec<Option<Outcome>> {
    let book = world.resource::<BlockBook>();
    book.iter().map(|(_, b)| b.outcome.map(|o| o.0)).collect()
}

#[test]
fn a_block_commits_on_a_quorum_and_every_member_writes_it() {
    let mut world = tiny_world_with(v2_config(1));
    // On five peers the committee is the whole ring: C = 5, b = 1, Q = 4.
    for p in 0..5 {
        assert!(peer(&world, p).in_range(TOKEN_IDS[0]), "peer {p}");
    }
    // Tick 0: the block and its proposals; 1: members hear it; 3: they vote (window 2);
    // 4: the origin counts 4 votes and commits; 5: the push reaches the members.
    for _ in 0..6 {
        tick(&mut world);
    }
    assert_eq!(world.resource::<Clock>().tick, 6);
    let (idx, block) = {
        let book = world.resource::<BlockBook>();
        let (i, b) = book.iter().next().expect("a block");
        (i, (b.origin, b.outcome))
    };
    assert_eq!(block.1, Some((Outcome::Committed, 4)));
    for p in 0..5 {
        assert_eq!(peer(&world, p).mapping(0).block, idx, "peer {p}");
    }
    assert_eq!(world.resource::<Ledger>().violations.total(), 0);
}

#[test]
fn of_two_twins_exactly_one_commits() {
    let mut c = v2_config(1);
    c.workload.conflict_rate = 1.0;
    let mut world = tiny_world_with(c);
    for _ in 0..8 {
        tick(&mut world);
    }
    let all = outcomes(&world);
    // The first tick's pair: one committed, its twin rejected (no quorum possible).
    assert_eq!(
        &all[..2]
            .iter()
            .filter(|o| **o == Some(Outcome::Committed))
            .count(),
        &1
    );
    assert!(all[..2].contains(&Some(Outcome::Rejected)), "{all:?}");
    assert_eq!(world.resource::<Ledger>().violations.total(), 0);
}

/// Equivocating members (10 % of the ring, within the bound) and double-signing owners on
/// every block: no fork, and the conflict families end with one winner.
#[test]
fn equivocators_within_the_bound_cannot_fork() {
    let mut c = SimConfig {
        peers: 400,
        ticks: 300,
        seed: 3,
        check: true,
        ..SimConfig::default()
    };
    c.protocol.kind = ProtocolKind::V2;
    c.workload.tokens = Some(20);
    c.workload.conflict_rate = 0.5;
    c.adversary.fraction = 0.1;
    c.adversary.behaviour = Behaviour::Equivocate;
    let mut sim = Simulation::new(c, 1).expect("valid");
    sim.run();
    let s = sim.summary();
    assert_eq!(s.safety_violations, 0, "{:?}", s.violations);
    assert!(s.conflict_families.total > 30, "{:?}", s.conflict_families);
    assert_eq!(s.conflict_families.forked, 0);
    assert_eq!(s.conflict_families.one_committed, s.conflict_families.total);
}
