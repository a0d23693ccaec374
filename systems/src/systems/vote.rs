//! Every peer counts the votes it holds for each pending block, decides what it can,
//! and asks the neighbourhoods of whatever is still undecided for their votes (the protocol's
//! rules, per peer).
//!
//! Decisions are applied by the commit system; this one only marks them.

use crate::engine::pass::PeerPass;
use crate::engine::prefetch;
use crate::model::certificates::Certification;
use crate::model::ids::PeerIdx;
use crate::model::rng::{Stream, StreamKey};
use crate::model::signatures::Signatures;
use crate::model::world::{CurrentThreshold, Pool};
use crate::protocol::v2::committee;
use crate::protocol::{Io, Node, Protocol, RuleInputs, VoteRound};
use bevy_ecs::prelude::*;

pub fn vote<P: Protocol>(
    rules: RuleInputs,
    threshold: Res<CurrentThreshold>,
    mut pass: PeerPass<P::Peer>,
    mut certification: Certification,
) {
    vote_with(
        &P::default(),
        &rules,
        &certification.signatures,
        threshold.value,
        &mut pass,
    );
    // Votes are signed as they are cast, in this pass: the registry takes them in chunk
    // order, finds the blocks they certify (members verify certificates against it) and,
    // unless `--no-check`, the checker looks for conflicting ones (`model::certificates`).
    pass.take_signatures(&mut certification.signatures);
    let q = committee::quorum(
        committee::size(rules.ring.len()),
        rules.settings.0.protocol.tolerance,
    );
    certification.check(&rules.book, q);
}

fn vote_with<P: Protocol>(
    protocol: &P,
    rules: &RuleInputs,
    signatures: &Signatures,
    threshold: u32,
    pass: &mut PeerPass<P::Peer>,
) {
    let cx = rules.services(signatures);
    let now = cx.now;
    let vote_streams = StreamKey::new(rules.settings.0.seed, Stream::Vote, now);
    pass.for_each_chunk(now, |mut work| {
        let mut arena = work.arena.lock().unwrap_or_else(|e| e.into_inner());
        arena.reset();
        // Peers with entries, in order (most peers have none), then prefetched a few ahead.
        let voters = bumpalo::collections::Vec::from_iter_in(
            (0..work.peers.len() as u32)
                .filter(|&p| work.hints.pools[p as usize] == Pool::Occupied),
            &arena,
        );
        let (mut entries, mut votes) = (0u64, 0u64);
        for k in 0..voters.len() {
            if let Some(&ahead) = voters.get(k + prefetch::AHEAD) {
                prefetch::mempool(&work.peers[ahead as usize]);
            }
            let local = voters[k] as usize;
            let ps = &mut work.peers[local];
            // The pool as voting finds it: the tick's deliveries are in, its commits not yet.
            entries += ps.mempool.len() as u64;
            votes += ps.vote_records() as u64;
            let me = work.first + local as PeerIdx;
            if rules.adversary.withholds(me) || !work.outbox.faults.is_online(me, now) {
                continue;
            }
            let mut rng = vote_streams.stream(me as u64);
            let round = VoteRound {
                threshold,
                arena: &arena,
            };
            // Traced or not is picked once per voter, so an untraced vote is as before.
            let decided = if work.outbox.trace.is_some() {
                let out = &mut work.outbox.retag::<true>();
                let io = Io {
                    me,
                    now,
                    out,
                    rng: &mut rng,
                    world: &cx,
                };
                let mut node = Node { state: ps, io };
                let decided = protocol.vote(&mut node, round);
                if let Some(trace) = node.io.out.trace.as_mut().filter(|_| decided > 0) {
                    trace.decisions(now, me, node.state);
                }
                decided
            } else {
                let io = Io {
                    me,
                    now,
                    out: &mut work.outbox,
                    rng: &mut rng,
                    world: &cx,
                };
                protocol.vote(&mut Node { state: ps, io }, round)
            };
            if decided > 0 {
                work.decided.push(local as u32);
            }
            work.hints.refresh(local, ps);
        }
        *work.mempool_entries = entries;
        *work.vote_records = votes;
    });
    pass.settle_charges(&rules.book);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ids::{BlockIdx, GENESIS};
    use crate::model::ledger::Ledger;
    use crate::model::message::ANSWER_SENDER;
    use crate::model::peer::{Decision, Mapping};
    use crate::protocol::original::Original;
    use crate::protocol::original::message::OriginalKind;
    use crate::protocol::original::state::WITNESS_BIT;
    use crate::testing::*;

    fn requests(world: &World) -> Vec<(PeerIdx, PeerIdx, BlockIdx, u8, u8)> {
        in_flight(world)
            .iter()
            .inspect(|m| {
                assert_eq!(
                    (OriginalKind::of(m.kind), m.target),
                    (Some(OriginalKind::VoteRequest), ANSWER_SENDER)
                )
            })
            .map(|m| (m.from, m.to, m.block, m.mask, m.holds))
            .collect()
    }

    #[test]
    fn a_new_block_asks_the_token_and_witness_neighbourhoods() {
        let mut world = tiny_world();
        let b = submit_block(&mut world, 0, BLOCK_ID, &[0]);
        run(&mut world, vote::<Original>);
        // Token 0 (id 2500) rotation picks peers 1 and 2; the witness (id 4200) peers 3 and 4.
        // Peer 0 holds token 0 and it spends the genesis owner it stores: mask 1, holds 1.
        assert_eq!(
            requests(&world),
            vec![
                (0, 1, b, 1, 1),
                (0, 2, b, 1, 1),
                (0, 3, b, 1, 1),
                (0, 4, b, 1, 1)
            ]
        );
        let e = &peer(&world, 0).mempool[0];
        assert_eq!(e.decision, Decision::Undecided);
        assert_eq!(e.protocol.undecided, 0b1 | WITNESS_BIT);
        assert_eq!(messages_charged(&world, b), 4);
    }

    #[test]
    fn two_agreeing_holders_decide_a_commit_and_nothing_is_sent() {
        let mut world = tiny_world();
        submit_block(&mut world, 0, BLOCK_ID, &[0]);
        for voter in [3, 4] {
            peer_mut(&mut world, 0).mempool[0].record_vote(voter, 0, 1, 1);
        }
        run(&mut world, vote::<Original>);
        assert_eq!(peer(&world, 0).mempool[0].decision, Decision::Commit);
        assert!(in_flight(&world).is_empty());
        // The pool gauges are counted here, as the voter finds the pool.
        let scratch = world.resource::<crate::engine::scratch::Scratch>();
        let entries: u64 = scratch.chunks.iter().map(|c| c.mempool_entries).sum();
        let votes: u64 = scratch.chunks.iter().map(|c| c.vote_records).sum();
        assert_eq!((entries, votes), (1, 2));
    }

    #[test]
    fn two_objecting_holders_decide_a_reject() {
        let mut world = tiny_world();
        submit_block(&mut world, 0, BLOCK_ID, &[0]);
        for voter in [3, 4] {
            peer_mut(&mut world, 0).mempool[0].record_vote(voter, 0, 0, 1);
        }
        run(&mut world, vote::<Original>);
        assert_eq!(peer(&world, 0).mempool[0].decision, Decision::Reject);
        assert!(in_flight(&world).is_empty());
    }

    #[test]
    fn zeros_from_non_holders_are_no_objection() {
        let mut world = tiny_world();
        let b = submit_block(&mut world, 0, BLOCK_ID, &[0]);
        // Peers 1 and 2 do not hold token 0: they decide the witness but not the part.
        for voter in [1, 2] {
            peer_mut(&mut world, 0).mempool[0].record_vote(voter, 0, 0, 0);
        }
        run(&mut world, vote::<Original>);
        let e = &peer(&world, 0).mempool[0];
        assert_eq!(
            (e.decision, e.protocol.undecided),
            (Decision::Undecided, 0b1)
        );
        assert_eq!(requests(&world), vec![(0, 1, b, 1, 1), (0, 2, b, 1, 1)]);
    }

    #[test]
    fn of_two_pending_spends_of_one_owner_the_larger_id_gets_a_zero() {
        let mut world = tiny_world();
        let first = submit_block(&mut world, 0, BLOCK_ID, &[0]);
        let second = submit_block(&mut world, 0, BLOCK_ID + 100, &[0]);
        run(&mut world, vote::<Original>);
        let masks: Vec<_> = requests(&world)
            .iter()
            .map(|&(_, _, block, mask, holds)| (block, mask, holds))
            .collect();
        assert_eq!(masks.len(), 8);
        assert_eq!(masks.iter().filter(|m| **m == (first, 1, 1)).count(), 4);
        assert_eq!(masks.iter().filter(|m| **m == (second, 0, 1)).count(), 4);
    }

    #[test]
    fn a_peer_behind_on_a_token_asks_for_the_parent_instead_of_voting() {
        let mut world = tiny_world();
        // Block 0 (id 2200) moved token 0 at time 1; peer 0 never heard of it.
        let parent = submit_block(&mut world, 1, 2200, &[1]);
        world.resource_mut::<Ledger>().heads[0] = Mapping {
            block: parent,
            time: 1,
            prev: GENESIS,
        };
        let child = submit_block(&mut world, 0, BLOCK_ID, &[0]);
        let vote_at_peer_0 = |world: &mut World| {
            peer_mut(world, 1).retain_entries(|_| false);
            run(world, vote::<Original>);
        };
        vote_at_peer_0(&mut world);
        let sent = in_flight(&world);
        assert_eq!(sent.len(), 1, "{sent:?}");
        assert_eq!(
            (
                OriginalKind::of(sent[0].kind),
                sent[0].from,
                sent[0].to,
                sent[0].block
            ),
            (Some(OriginalKind::ParentQuery), 0, 2, parent)
        );
        assert_eq!(peer(&world, 0).protocol.wanted.as_slice(), &[(parent, 0)]);
        assert_eq!(peer(&world, 0).mempool[0].block, child);
        // Asked once per PARENT_RETRY_TICKS, not every tick.
        set_tick(&mut world, 1);
        vote_at_peer_0(&mut world);
        assert_eq!(in_flight(&world).len(), 1);
    }
}
