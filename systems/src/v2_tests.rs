//! Protocol v2 on tiny worlds, end to end (top level: it runs the whole tick): a block commits,
//! twins end with exactly one winner, equivocating members within the bound cannot fork, and
//! members far behind recover through certificates and status queries once the book has
//! collected the bodies they would need.

use crate::config::{Behaviour, ProtocolKind, SimConfig};
use crate::model::blocks::{BlockBook, Outcome, Part};
use crate::model::ids::{BlockIdx, GENESIS};
use crate::model::ledger::Ledger;
use crate::model::peer::PeerState;
use crate::model::workload::Workload;
use crate::protocol::v2::message::V2Kind;
use crate::protocol::v2::state::{Lock, V2Peer};
use crate::sim::Simulation;
use crate::testing::*;
use bevy_ecs::world::World;

/// Peer `p` of a v2 world.
fn peer(world: &World, p: u32) -> &PeerState<V2Peer> {
    peer_of(world, p)
}

fn peer_mut(world: &mut World, p: u32) -> &mut PeerState<V2Peer> {
    peer_of_mut(world, p)
}

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
    for _ in 0..4 {
        tick(&mut world);
    }
    assert_eq!(outcomes(&world)[0], None, "no quorum before tick 4");
    for _ in 0..2 {
        tick(&mut world);
    }
    let (idx, outcome) = {
        let book = world.resource::<BlockBook>();
        let (i, b) = book.iter().next().expect("a block");
        (i, b.outcome)
    };
    assert_eq!(outcome, Some((Outcome::Committed, 4)));
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
/// every block: no fork. A family ends with one winner, or with none when the double-signing
/// owner froze its token (owned-object locks: what a double-signer loses).
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
    // The vote registry and the certificate checker hold only what the book still holds.
    let held = sim.world.resource::<BlockBook>().len();
    let signed = sim
        .world
        .resource::<crate::model::signatures::Signatures>()
        .len();
    assert!(signed <= held, "{signed} records, {held} blocks held");
    let checker = sim
        .world
        .resource::<crate::model::certificates::CertificateChecker>();
    assert!(
        checker.len() <= held,
        "{} spends, {held} blocks held",
        checker.len()
    );
    // Every block committed at its origin had its certificate among the votes cast.
    assert!(
        checker.certified >= s.member_blocks.committed,
        "{} certified, {} committed",
        checker.certified,
        s.member_blocks.committed
    );
    assert!(s.conflict_families.total > 30, "{:?}", s.conflict_families);
    let f = s.conflict_families;
    assert_eq!(f.forked, 0);
    assert_eq!(f.one_committed + f.none_committed, f.total, "{f:?}");
    assert!(f.one_committed * 4 >= f.total * 3, "{f:?}");
}

/// The blocks committed so far, in submission order.
fn committed(world: &World) -> Vec<BlockIdx> {
    let book = world.resource::<BlockBook>();
    book.iter()
        .filter(|(_, b)| matches!(b.outcome, Some((Outcome::Committed, _))))
        .map(|(i, _)| i)
        .collect()
}

/// The driver holds its tokens back: nothing new is submitted until they are freed again.
fn hold_tokens(world: &mut World) {
    world.resource_mut::<Workload>().free.clear();
}

/// Ticks until every message sent so far has landed (deliveries take one tick here).
fn settle(world: &mut World) {
    for _ in 0..3 {
        tick(world);
    }
}

/// Ticks until the book has collected the bodies of `blocks`.
fn until_collected(world: &mut World, blocks: &[BlockIdx]) {
    for _ in 0..3 * (TTL + GC_AFTER) {
        if blocks
            .iter()
            .all(|&b| world.resource::<BlockBook>().get(b).is_none())
        {
            return;
        }
        tick(world);
    }
    panic!("blocks {blocks:?} still in the book");
}

/// Ticks `n` times, counting the status queries about `block` put on the wire.
fn tick_counting_status_queries(world: &mut World, n: u32, block: BlockIdx) -> usize {
    let mut queries = 0;
    for _ in 0..n {
        tick(world);
        queries += in_flight(world)
            .iter()
            .filter(|m| m.kind == V2Kind::StatusQuery && m.block == block)
            .count();
    }
    queries
}

#[test]
fn members_that_missed_two_commits_catch_up_from_the_certificate_after_the_bodies_are_gone() {
    let mut world = tiny_world_with(v2_config(1));
    while committed(&world).len() < 2 {
        tick(&mut world);
    }
    hold_tokens(&mut world);
    settle(&mut world);
    let done = committed(&world);
    // Every member missed both commits (their pushes and the second proposal).
    for p in 0..5 {
        let ps = peer_mut(&mut world, p);
        ps.store.clear();
        ps.protocol.locks.clear();
    }
    until_collected(&mut world, &done);

    // The next spend carries the second block's certificate: the members write its mapping,
    // vote, and the block commits on the whole committee's votes (Q = 4 of the 4 others).
    let third = world.resource::<BlockBook>().next_idx();
    world.resource_mut::<Workload>().free.push(0);
    for _ in 0..6 {
        tick(&mut world);
    }
    assert_eq!(
        committed(&world).first(),
        Some(&third),
        "{:?}",
        outcomes(&world)
    );
    let spent = world
        .resource::<BlockBook>()
        .get(third)
        .expect("held")
        .parts[0];
    assert_eq!(spent.last, done[1], "it spends the second block");
    for p in 0..5 {
        assert_eq!(peer(&world, p).mapping(0).block, third, "peer {p}");
    }
    assert_eq!(world.resource::<Ledger>().violations.total(), 0);
}

/// The owned-object rule: a lock on a block that expired uncommitted is never released, even
/// once its body is gone (a certificate for it may exist unseen). A new spend of the owner is
/// rejected; the same block re-submitted by its owner (same id and parts) commits.
#[test]
fn a_lock_on_a_block_that_expired_uncommitted_is_kept_and_only_the_same_block_commits() {
    let mut world = tiny_world_with(v2_config(1));
    hold_tokens(&mut world);
    // Block X spent the genesis owner, every member locked (token 0, genesis) for it, and it
    // timed out at its origin, peer 0, without a certificate.
    let x = submit_block(&mut world, 0, BLOCK_ID, &[0]);
    peer_mut(&mut world, 0).retain_entries(|_| false);
    {
        let mut book = world.resource_mut::<BlockBook>();
        book.get_mut(x).expect("held").outcome = Some((Outcome::TimedOut, 0));
    }
    world.resource_mut::<Workload>().active -= 1;
    let x_id = world.resource::<BlockBook>().get(x).expect("held").id;
    for p in 0..5 {
        peer_mut(&mut world, p).protocol.locks.push(Lock {
            token: 0,
            last: GENESIS,
            block: x,
            id: x_id,
        });
    }
    until_collected(&mut world, &[x]);
    let genesis = [Part {
        token: 0,
        last: GENESIS,
        last_time: 0,
    }];

    // A new block spending the genesis owner: every member says no, nobody asks X's origin.
    let other = submit_parts(&mut world, 1, BLOCK_ID + 1, &genesis);
    let queries = tick_counting_status_queries(&mut world, 6, x);
    assert_eq!(queries, 0, "no lock is released on an origin's word");
    assert_eq!(outcomes(&world).last(), Some(&Some(Outcome::Rejected)));

    // X again, through another origin: the members locked for it vote yes, and it commits.
    let again = submit_parts(&mut world, 2, BLOCK_ID, &genesis);
    for _ in 0..6 {
        tick(&mut world);
    }
    assert_eq!(committed(&world), vec![again], "{:?}", outcomes(&world));
    for p in 0..5 {
        assert_eq!(peer(&world, p).mapping(0).block, again, "peer {p}");
        assert_ne!(peer(&world, p).mapping(0).block, other, "peer {p}");
    }
    assert_eq!(world.resource::<Ledger>().violations.total(), 0);
}

#[test]
fn a_lock_whose_owner_a_certified_block_spent_is_kept_after_its_body_is_gone() {
    let mut world = tiny_world_with(v2_config(1));
    while committed(&world).is_empty() {
        tick(&mut world);
    }
    hold_tokens(&mut world);
    settle(&mut world);
    let z = committed(&world)[0];
    let z_id = world.resource::<BlockBook>().get(z).expect("held").id;
    // Every member locked (token 0, genesis) for Z, voted, and missed Z's push.
    for p in 0..5 {
        let ps = peer_mut(&mut world, p);
        ps.store.clear();
        ps.protocol.locks.clear();
        ps.protocol.locks.push(Lock {
            token: 0,
            last: GENESIS,
            block: z,
            id: z_id,
        });
    }
    until_collected(&mut world, &[z]);

    // A double spend of the genesis owner, long after Z's body is gone: every member still
    // says no, so it is rejected and Z's spend stays the only one.
    let twin = submit_parts(
        &mut world,
        0,
        BLOCK_ID,
        &[Part {
            token: 0,
            last: GENESIS,
            last_time: 0,
        }],
    );
    for _ in 0..6 {
        tick(&mut world);
    }
    let book = world.resource::<BlockBook>();
    assert_eq!(
        book.get(twin).and_then(|b| b.outcome).map(|o| o.0),
        Some(Outcome::Rejected)
    );
    for p in 0..5 {
        assert_ne!(peer(&world, p).mapping(0).block, twin, "peer {p}");
    }
    assert_eq!(world.resource::<Ledger>().violations.total(), 0);
}

/// Issue 24's attack on five peers (C = 5, b = 1, Q = 4), no equivocating member: only block
/// X's origin is Byzantine, and it withholds X's certificate. X times out, and its owner's
/// late spend follows. Under the release-on-the-origin's-word rule the members certified the
/// late spend too: two conflicting valid certificates. Under the owned-object rule they stay
/// locked for X: the late spend is rejected, the honest driver re-submits X itself, which
/// commits, and no conflicting certificate exists. The origin's late reveal of X to half the
/// committee gives those members X under its first entry: one block with its re-submission.
#[test]
fn a_withheld_certificate_and_a_late_spend_give_no_conflicting_certificate() {
    use crate::model::adversary::Adversary;
    use crate::model::signatures::Signatures;
    let mut c = v2_config(1);
    c.adversary.behaviour = Behaviour::WithholdCertificate;
    let mut world = tiny_world_with(c);
    // Tick 0 up to the driver's submission; then X's origin turns out to be Byzantine.
    let systems = crate::schedule::TICK_SYSTEMS;
    let inject = systems.iter().position(|&s| s == "inject_transactions");
    let after_inject = inject.expect("a tick system") + 1;
    for i in 0..after_inject {
        crate::schedule::run_tick_system(&mut world, i).expect("system runs");
    }
    let origin = world.resource::<BlockBook>().get(0).expect("X").origin;
    world.insert_resource(Adversary::with_members(
        Behaviour::WithholdCertificate,
        5,
        &[origin],
    ));
    for i in after_inject..systems.len() {
        crate::schedule::run_tick_system(&mut world, i).expect("system runs");
    }
    let mut revealed = Vec::new();
    for _ in 0..(TTL + 15) {
        tick(&mut world);
        revealed.extend(
            in_flight(&world)
                .iter()
                .filter(|m| m.kind == V2Kind::CommitPush && m.block == 0)
                .map(|m| m.to),
        );
    }
    // The late reveal: X's certificate, in its last tick, to the even slots of its committee.
    assert_eq!(revealed.len(), 2, "{revealed:?}");
    let q = crate::protocol::v2::committee::quorum(
        5,
        world
            .resource::<crate::model::world::Settings>()
            .0
            .protocol
            .tolerance,
    );
    let book = world.resource::<BlockBook>();
    let x = book.get(0).expect("X is still held");
    assert_eq!(
        x.outcome.map(|o| o.0),
        Some(Outcome::TimedOut),
        "X was withheld"
    );
    let signers = world
        .resource::<Signatures>()
        .get(0)
        .expect("X's votes")
        .yes[0];
    assert!(
        signers.count_ones() >= q,
        "X holds a certificate: {signers:b}"
    );
    let late = book.iter().find(|(_, b)| b.twin_of == Some(0));
    assert!(
        late.is_some_and(|(_, b)| b.submitted == TTL),
        "the owner's late spend"
    );
    assert!(
        late.is_some_and(|(_, b)| b.outcome.map(|o| o.0) == Some(Outcome::Rejected)),
        "the members stay locked for X"
    );
    let again = book
        .iter()
        .find(|(i, b)| *i > 0 && b.id == x.id && b.twin_of.is_none());
    assert!(
        again.is_some_and(|(_, b)| b.outcome.map(|o| o.0) == Some(Outcome::Committed)),
        "X re-submitted commits"
    );
    let again = again.map(|(i, _)| i);
    let stored: Vec<_> = (0..5)
        .filter(|&p| p != origin)
        .map(|p| peer(&world, p).mapping(0).block)
        .collect();
    assert!(
        stored.iter().all(|&b| b == 0 || Some(b) == again),
        "{stored:?}"
    );
    let v = world.resource::<Ledger>().violations;
    assert_eq!(v.total(), 0, "{v:?}");
}

/// A member re-hashes the block it was sent: a proposal whose id is not its content's hash
/// gets no vote, and the block never commits.
#[test]
fn a_block_whose_id_is_not_its_content_hash_gets_no_vote() {
    let mut world = tiny_world_with(v2_config(1));
    hold_tokens(&mut world);
    let x = submit_block(&mut world, 0, BLOCK_ID, &[0]);
    world
        .resource_mut::<BlockBook>()
        .get_mut(x)
        .expect("held")
        .id ^= 1;
    for _ in 0..6 {
        tick(&mut world);
    }
    for p in 1..5 {
        assert!(peer(&world, p).mempool.is_empty(), "peer {p} took it in");
    }
    assert!(committed(&world).is_empty(), "{:?}", outcomes(&world));
}

/// A part is valid only when its token's owner signed it: a thief's spend racing an honest
/// block gets no vote, and the honest block commits.
#[test]
fn a_spend_its_owner_did_not_sign_gets_no_vote() {
    let mut world = tiny_world_with(v2_config(1));
    hold_tokens(&mut world);
    let honest = submit_block(&mut world, 0, BLOCK_ID, &[0]);
    let parts = world
        .resource::<BlockBook>()
        .get(honest)
        .expect("held")
        .parts
        .clone();
    let thief = submit_parts(&mut world, 1, BLOCK_ID + 1, &parts);
    world
        .resource_mut::<BlockBook>()
        .get_mut(thief)
        .expect("held")
        .spender = crate::model::blocks::Spender::Thief;
    for _ in 0..6 {
        tick(&mut world);
    }
    for p in [0, 2, 3, 4] {
        assert!(
            peer(&world, p).find(thief).is_err(),
            "peer {p} took the thief's spend in"
        );
    }
    assert_eq!(committed(&world), vec![honest], "{:?}", outcomes(&world));
}
