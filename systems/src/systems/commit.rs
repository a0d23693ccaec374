//! Peers apply what the vote system decided: commit (write the token mappings they
//! hold) or block. The global bookkeeping (ledger, block outcomes) then hears of it in chunk
//! order.

use crate::engine::pass::PeerPass;
use crate::model::adversary::Adversary;
use crate::model::blocks::{Block, Outcome};
use crate::model::ids::{BlockIdx, PeerIdx};
use crate::model::ledger::Ledger;
use crate::model::outcome::Settlement;
use crate::model::peer::{Decision, EntryState, Mapping, PeerPart, PeerState, PendingSet};
use crate::model::tokens::TokenBook;
use crate::model::trace::StateChange;
use crate::model::world::{Clock, PeerEvent, Settings};
use crate::protocol::{BlockRef, Protocol};
use bevy_ecs::prelude::*;
use bevy_ecs::system::SystemParam;

pub fn commit_blocks<P: Protocol>(
    rules: CommitRules,
    mut ledger: ResMut<Ledger>,
    mut settlement: Settlement,
    mut pass: PeerPass<P::Peer>,
) {
    commit_with(
        &P::default(),
        &rules,
        &mut ledger,
        &mut settlement,
        &mut pass,
    );
}

/// What the commit pass reads: the scenario, the clock, token ids and who is honest.
#[derive(SystemParam)]
pub struct CommitRules<'w> {
    settings: Res<'w, Settings>,
    clock: Res<'w, Clock>,
    tokens: Res<'w, TokenBook>,
    adversary: Res<'w, Adversary>,
}

fn commit_with<P: Protocol>(
    protocol: &P,
    rules: &CommitRules,
    ledger: &mut Ledger,
    settlement: &mut Settlement,
    pass: &mut PeerPass<P::Peer>,
) {
    let now = rules.clock.tick;
    let ttl = rules.settings.0.protocol.entry_ttl;
    {
        let book = &*settlement.book;
        let tokens = &*rules.tokens;
        pass.for_each_chunk(now, |mut work| {
            for local in work.decided.drain(..) {
                let ps = &mut work.peers[local as usize];
                let me = work.first + local;
                for ei in 0..ps.mempool.len() {
                    let decision = ps.mempool[ei].decision;
                    if decision == Decision::Undecided {
                        continue;
                    }
                    let idx = ps.mempool[ei].block;
                    let Some(block) = book.get(idx) else {
                        ps.mempool[ei].decision = Decision::Undecided;
                        continue;
                    };
                    let this = BlockRef { idx, body: block };
                    let still_valid = protocol.still_valid(ps, this, tokens);
                    ps.pending_set = PendingSet::Changed;
                    ps.collect_at(now);
                    let state = if decision == Decision::Commit && still_valid {
                        apply_commit(me, ps, idx, block, tokens, work.events);
                        ps.mempool[ei].settle(EntryState::Committed);
                        StateChange::Committed
                    } else {
                        ps.mempool[ei].settle(EntryState::Blocked);
                        work.events.push(PeerEvent::Blocked {
                            peer: me,
                            block: idx,
                        });
                        StateChange::Blocked
                    };
                    if let Some(trace) = &mut work.outbox.trace {
                        trace.state(now, me, idx, state);
                    }
                }
                work.hints.refresh(local as usize, ps);
            }
        });
    }
    let adversary = &*rules.adversary;
    for chunk in &mut pass.scratch.chunks {
        for ev in chunk.events.drain(..) {
            match ev {
                PeerEvent::Committed { peer, block } => {
                    settlement.metrics.current.peer_commits += 1;
                    let Some(b) = settlement.book.get_mut(block) else {
                        continue;
                    };
                    b.commits += 1;
                    let origin = b.origin == peer;
                    // Safety is judged among honest peers (a Byzantine store is its own).
                    let b = settlement.book.get(block).expect("just seen");
                    if adversary.is_honest(peer) {
                        ledger.on_commit(block, b, now);
                    } else if origin {
                        // The owner heard "committed" from its node: it spends from there on.
                        ledger.advance_heads(block, b);
                    }
                    if origin {
                        settlement.settle(block, Outcome::Committed, now, ttl);
                    }
                }
                PeerEvent::Blocked { peer, block } => {
                    if settlement.book.get(block).is_some_and(|b| b.origin == peer) {
                        settlement.settle(block, Outcome::Rejected, now, ttl);
                    }
                }
                PeerEvent::DoubleSpend { peer, .. } if adversary.is_honest(peer) => {
                    ledger.violations.double_spends += 1
                }
                PeerEvent::DoubleSpend { .. } => {}
                PeerEvent::TimedOut { .. } => {}
            }
        }
    }
}

/// Commits `block` at peer `me`: writes the mappings of the tokens in its own range.
///
/// This is where S2 is checked: each part must spend the mapping the peer stores. The vote and
/// commit systems never call it otherwise; a violation here means a faulty path got through.
pub fn apply_commit<S: PeerPart>(
    me: PeerIdx,
    ps: &mut PeerState<S>,
    idx: BlockIdx,
    block: &Block,
    tokens: &TokenBook,
    events: &mut Vec<PeerEvent>,
) {
    let mut double_spend = false;
    for part in &block.parts {
        if !ps.in_range(tokens.id(part.token)) {
            continue;
        }
        let mine = ps.mapping(part.token);
        // Already applied: this block, or its first entry (a re-submission is the same block).
        if mine.block == idx || Some(mine.block) == block.retry_of {
            continue;
        }
        if mine.block != part.last {
            double_spend = true;
        }
        let written = ps.set_mapping(
            part.token,
            Mapping {
                block: idx,
                time: block.time,
                prev: part.last,
            },
        );
        if !written {
            double_spend = true;
        }
    }
    if double_spend {
        events.push(PeerEvent::DoubleSpend {
            peer: me,
            block: idx,
        });
    }
    events.push(PeerEvent::Committed {
        peer: me,
        block: idx,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::scratch::Scratch;
    use crate::model::blocks::BlockBook;
    use crate::model::ids::GENESIS;
    use crate::model::metrics::Metrics;
    use crate::model::peer::{Body, Entry, Role};
    use crate::model::workload::Workload;
    use crate::protocol::original::Original;
    use crate::testing::*;

    #[test]
    fn a_commit_writes_only_tokens_in_the_peers_own_range() {
        let mut world = tiny_world();
        set_tick(&mut world, 2);
        // Peer 0 holds token 0 (2500) but not token 1 (5500).
        let b = submit_block(&mut world, 0, BLOCK_ID, &[0, 1]);
        assert!(peer(&world, 0).in_range(TOKEN_IDS[0]));
        assert!(!peer(&world, 0).in_range(TOKEN_IDS[1]));
        decide(&mut world, 0, Decision::Commit);
        set_tick(&mut world, 5);
        run(&mut world, commit_blocks::<Original>);

        let ps = peer(&world, 0);
        let written = Mapping {
            block: b,
            time: 3,
            prev: GENESIS,
        };
        assert_eq!(ps.store.as_slice(), &[(0, written)]);
        assert_eq!(ps.mempool[0].state, EntryState::Committed);
        assert_eq!(ps.mempool[0].decision, Decision::Undecided);
        let book = world.resource::<BlockBook>();
        assert_eq!(book.get(b).unwrap().outcome, Some((Outcome::Committed, 5)));
        assert_eq!(book.get(b).unwrap().commits, 1);
        let ledger = world.resource::<Ledger>();
        assert_eq!((ledger.head(0), ledger.head(1).block), (written, b));
        let metrics = world.resource::<Metrics>();
        assert_eq!(metrics.current.blocks_committed, 1);
        assert_eq!(metrics.current.peer_commits, 1);
        assert_eq!(metrics.latency.quantile(0.5), Some(3));
        let workload = world.resource::<Workload>();
        assert_eq!(workload.active, 0);
        assert_eq!(workload.free, vec![0, 1], "tokens are free again");
    }

    #[test]
    fn a_relay_commit_counts_but_does_not_settle_the_block() {
        let mut world = tiny_world();
        let b = submit_block(&mut world, 0, BLOCK_ID, &[0]);
        let e = Entry::new(b, TTL, Body::Known, Role::Relay);
        peer_mut(&mut world, 1).add_entry(e);
        decide(&mut world, 1, Decision::Commit);
        run(&mut world, commit_blocks::<Original>);
        assert!(
            peer(&world, 1).store.is_empty(),
            "token 0 is outside peer 1's range"
        );
        assert_eq!(peer(&world, 1).mempool[0].state, EntryState::Committed);
        assert_eq!(world.resource::<Metrics>().current.peer_commits, 1);
        assert_eq!(world.resource::<BlockBook>().get(b).unwrap().outcome, None);
    }

    #[test]
    fn a_rejection_at_the_origin_blocks_and_holds_the_tokens_until_expiry() {
        let mut world = tiny_world();
        let b = submit_block(&mut world, 0, BLOCK_ID, &[0]);
        decide(&mut world, 0, Decision::Reject);
        run(&mut world, commit_blocks::<Original>);
        assert_eq!(peer(&world, 0).mempool[0].state, EntryState::Blocked);
        assert!(peer(&world, 0).store.is_empty());
        let book = world.resource::<BlockBook>();
        assert_eq!(book.get(b).unwrap().outcome, Some((Outcome::Rejected, 0)));
        assert_eq!(world.resource::<Metrics>().current.blocks_rejected, 1);
        assert!(world.resource::<Workload>().free.iter().all(|&t| t != 0));
    }

    #[test]
    fn a_commit_that_a_same_tick_commit_made_stale_is_blocked() {
        let mut world = tiny_world();
        let first = submit_block(&mut world, 0, BLOCK_ID, &[0]);
        // A twin spending the same owner, decided in the same tick at the same peer.
        world.resource_mut::<Workload>().free.push(0);
        let second = submit_block(&mut world, 0, BLOCK_ID + 1, &[0]);
        decide(&mut world, 0, Decision::Commit);
        run(&mut world, commit_blocks::<Original>);
        let ps = peer(&world, 0);
        assert_eq!(ps.mapping(0).block, first);
        assert_eq!(ps.mempool[0].state, EntryState::Committed);
        assert_eq!(ps.mempool[1].state, EntryState::Blocked);
        let ledger = world.resource::<Ledger>();
        assert_eq!(ledger.violations.total(), 0);
        let book = world.resource::<BlockBook>();
        assert_eq!(
            book.get(second).unwrap().outcome.unwrap().0,
            Outcome::Rejected
        );
    }

    #[test]
    fn apply_commit_reports_a_commit_over_a_mapping_the_peer_does_not_store() {
        let mut world = tiny_world();
        let b = submit_block(&mut world, 0, BLOCK_ID, &[0]);
        // Peer 3 holds token 0 and already stores another owner for it.
        let other = Mapping {
            block: 77,
            time: 1,
            prev: GENESIS,
        };
        peer_mut(&mut world, 3).store.push((0, other));
        let block = world.resource::<BlockBook>().get(b).unwrap();
        let tokens = world.resource::<TokenBook>();
        let mut events = vec![];
        let mut ps = peer(&world, 3).clone();
        apply_commit(3, &mut ps, b, block, tokens, &mut events);
        assert_eq!(
            events,
            vec![
                PeerEvent::DoubleSpend { peer: 3, block: b },
                PeerEvent::Committed { peer: 3, block: b }
            ]
        );

        // An honest commit at a holder emits only the commit.
        let mut events = vec![];
        let mut ps = peer(&world, 4).clone();
        apply_commit(4, &mut ps, b, block, tokens, &mut events);
        assert_eq!(events, vec![PeerEvent::Committed { peer: 4, block: b }]);
        assert_eq!(ps.mapping(0).block, b);
    }

    #[test]
    fn the_commit_system_counts_a_double_spend_event() {
        let mut world = tiny_world();
        let b = submit_block(&mut world, 0, BLOCK_ID, &[0]);
        world.resource_mut::<Scratch>().chunks = vec![Default::default()];
        world.resource_mut::<Scratch>().chunks[0]
            .events
            .push(PeerEvent::DoubleSpend { peer: 3, block: b });
        run(&mut world, commit_blocks::<Original>);
        assert_eq!(world.resource::<Ledger>().violations.double_spends, 1);
    }
}
