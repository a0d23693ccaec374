//! Expire mempool entries, forget old committed ids and retire finished blocks, so
//! memory depends on the work in flight, not on how long the run has been going.

use crate::engine::pass::PeerPass;
use crate::engine::trace::Tracer;
use crate::model::blocks::{Outcome, RetiredBlocks};
use crate::model::certificates::Certification;
use crate::model::ids::{PeerIdx, Tick};
use crate::model::outcome::Settlement;
use crate::model::peer::{EntryState, PeerPart, PeerState, PendingSet, Settled, Verdict};
use crate::model::trace::StateChange;
use crate::model::world::{Clock, PeerEvent, Settings};
use crate::protocol::Protocol;
use bevy_ecs::prelude::*;
use smallvec::SmallVec;

pub fn collect_garbage<P: Protocol>(
    settings: Res<Settings>,
    clock: Res<Clock>,
    mut retired: ResMut<RetiredBlocks>,
    mut settlement: Settlement,
    mut pass: PeerPass<P::Peer>,
    mut certification: Certification,
) {
    let now = clock.tick;
    let ttl = settings.0.protocol.entry_ttl;
    let keep = settings.0.protocol.gc_after;
    pass.for_each_chunk(now, |mut work| {
        for local in 0..work.peers.len() {
            // Most peers have nothing due; their states stay untouched (and out of cache).
            if work.hints.gc_due[local] > now {
                continue;
            }
            let ps = &mut work.peers[local];
            collect_peer(
                work.first + local as PeerIdx,
                ps,
                now,
                ttl,
                keep,
                work.events,
                &mut work.outbox.trace,
            );
            work.hints.refresh(local, ps);
        }
    });
    for chunk in &mut pass.scratch.chunks {
        for ev in chunk.events.drain(..) {
            if let PeerEvent::TimedOut { peer, block } = ev
                && settlement.book.get(block).is_some_and(|b| b.origin == peer)
            {
                settlement.settle(block, Outcome::TimedOut, now, ttl);
            }
        }
    }
    let Settlement { book, workload, .. } = &mut settlement;
    workload.release_expired(now, book);
    let horizon = ttl + keep;
    let retired = &mut *retired;
    book.retire(now, horizon, |idx, b| {
        if retired.enabled {
            retired.records.push(b.record(idx));
        }
    });
    certification.retire(book);
    certification.ledger.prune(now, 2 * ttl + keep);
}

/// Collects one peer's expired and decided state and works out when it is next due; traced
/// entries that leave are recorded.
fn collect_peer<S: PeerPart>(
    me: PeerIdx,
    ps: &mut PeerState<S>,
    now: Tick,
    ttl: Tick,
    keep: Tick,
    events: &mut Vec<PeerEvent>,
    trace: &mut Option<Tracer>,
) {
    // Decided entries shrink to a `Settled` record; pending ones leave when the block
    // expires (at its origin, that is the block's time-out).
    if ps
        .mempool
        .iter()
        .any(|e| e.expires <= now || e.state != EntryState::Pending)
    {
        ps.pending_set = PendingSet::Changed;
        let mut settled: SmallVec<[Settled; 4]> = SmallVec::new();
        ps.retain_entries(|e| {
            if let Some(trace) = trace
                && !(e.state == EntryState::Pending && e.expires > now)
            {
                let change = match e.state {
                    EntryState::Pending => StateChange::TimedOut,
                    _ => StateChange::Collected,
                };
                trace.state(now, me, e.block, change);
            }
            let verdict = match e.state {
                EntryState::Pending if e.expires > now => return true,
                EntryState::Pending => {
                    events.push(PeerEvent::TimedOut {
                        peer: me,
                        block: e.block,
                    });
                    return false;
                }
                EntryState::Committed => Verdict::Committed,
                EntryState::Blocked => Verdict::Blocked,
            };
            let until = e.expires + keep;
            if until > now {
                settled.push(Settled {
                    block: e.block,
                    until,
                    verdict,
                });
            }
            false
        });
        for s in settled {
            ps.remember(s);
        }
    }
    // Most visits are for an entry decided or run out: the verdicts are walked only once a
    // batch of them has run out (`FORGET_LAG`; run-out verdicts are gone for lookups already).
    if ps.remembered.collect_due() <= now {
        ps.remembered.retain(|s| s.until > now);
    }
    release_slack(&mut ps.mempool);
    let own = ps.protocol.collect(now, ttl);
    let next = ps.mempool.iter().map(|e| e.expires);
    ps.gc_due = next
        .min()
        .unwrap_or(Tick::MAX)
        .min(ps.remembered.collect_due())
        .min(own);
}

/// Gives back what a list no longer needs. Most peers hold no entry at any moment (a block
/// involves a few hundred of them), so an empty list is freed outright: an idle pool keeping
/// its first allocation cost more memory than every live entry together. A burst can also
/// leave a list far larger than what it holds now.
fn release_slack<T>(list: &mut Vec<T>) {
    if list.is_empty() {
        *list = Vec::new();
    } else if list.capacity() > 4 * list.len() + 8 {
        list.shrink_to(2 * list.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::blocks::BlockBook;
    use crate::model::metrics::Metrics;
    use crate::model::peer::{Body, Entry, Role};
    use crate::model::verdicts::FORGET_LAG;
    use crate::model::workload::Workload;
    use crate::protocol::original::Original;
    use crate::testing::*;

    #[test]
    fn entries_expire_at_expires_and_a_pending_origin_block_times_out() {
        let mut world = tiny_world();
        let b = submit_block(&mut world, 0, BLOCK_ID, &[0]);
        let mut committed = Entry::new(b, TTL, Body::Known, Role::Relay);
        committed.settle(EntryState::Committed);
        peer_mut(&mut world, 1).add_entry(committed);

        set_tick(&mut world, TTL - 1);
        run(&mut world, collect_garbage::<Original>);
        assert_eq!(peer(&world, 0).mempool.len(), 1);
        // A decided entry shrinks at once to a record, remembered so late votes are echoed.
        assert!(peer(&world, 1).mempool.is_empty());
        let settled = Settled {
            block: b,
            until: TTL + GC_AFTER,
            verdict: Verdict::Committed,
        };
        assert_eq!(peer(&world, 1).remembered.to_vec(), vec![settled]);
        assert_eq!(world.resource::<BlockBook>().get(b).unwrap().outcome, None);

        set_tick(&mut world, TTL);
        run(&mut world, collect_garbage::<Original>);
        assert!(peer(&world, 0).mempool.is_empty());
        assert_eq!(peer(&world, 1).remembered.to_vec(), vec![settled]);
        assert!(peer(&world, 0).remembered.is_empty());
        let outcome = world.resource::<BlockBook>().get(b).unwrap().outcome;
        assert_eq!(outcome, Some((Outcome::TimedOut, TTL)));
        assert_eq!(world.resource::<Metrics>().current.blocks_timed_out, 1);
        let workload = world.resource::<Workload>();
        assert_eq!(workload.active, 0);
        assert!(workload.free.contains(&0));

        // A remembered id is forgotten after its tick, and its record goes in a batch up to
        // `FORGET_LAG` ticks later; the block is retired after the horizon.
        let until = TTL + GC_AFTER;
        assert!(peer(&world, 1).remembers(b, until));
        assert!(!peer(&world, 1).remembers(b, until + 1));
        set_tick(&mut world, until + FORGET_LAG - 1);
        run(&mut world, collect_garbage::<Original>);
        assert_eq!(peer(&world, 1).remembered.to_vec(), vec![settled]);
        set_tick(&mut world, until + FORGET_LAG);
        run(&mut world, collect_garbage::<Original>);
        assert!(peer(&world, 1).remembered.is_empty());
        assert!(world.resource::<BlockBook>().get(b).is_some());
        set_tick(&mut world, TTL + TTL + GC_AFTER + 1);
        run(&mut world, collect_garbage::<Original>);
        assert!(world.resource::<BlockBook>().get(b).is_none());
        // Lists that emptied hold no allocation.
        for p in 0..2 {
            assert_eq!(peer(&world, p).mempool.capacity(), 0, "peer {p}");
            assert_eq!(peer(&world, p).remembered.nodes(), 0, "peer {p}");
        }
    }

    #[test]
    fn a_list_keeps_room_for_what_it_holds_and_no_more_than_a_few_times_that() {
        let mut list: Vec<u32> = Vec::with_capacity(100);
        list.extend(0..5);
        release_slack(&mut list);
        assert!((5..=28).contains(&list.capacity()), "{}", list.capacity());
        list.clear();
        release_slack(&mut list);
        assert_eq!(list.capacity(), 0);
    }

    #[test]
    fn a_timed_out_relay_entry_does_not_settle_the_block() {
        let mut world = tiny_world();
        let b = submit_block(&mut world, 0, BLOCK_ID, &[0]);
        let relay = Entry::new(b, TTL - 5, Body::Known, Role::Relay);
        peer_mut(&mut world, 2).add_entry(relay);
        set_tick(&mut world, TTL - 5);
        run(&mut world, collect_garbage::<Original>);
        assert!(peer(&world, 2).mempool.is_empty());
        assert_eq!(world.resource::<BlockBook>().get(b).unwrap().outcome, None);
        assert_eq!(world.resource::<Workload>().active, 1);
    }
}
