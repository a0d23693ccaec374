//! Fold the chunks' counters into the tick's metrics, update totals and the digest,
//! and advance the clock.

use crate::engine::scratch::Scratch;
use crate::model::blocks::BlockBook;
use crate::model::ledger::Ledger;
use crate::model::metrics::Metrics;
use crate::model::workload::Workload;
use crate::model::world::Clock;
use bevy_ecs::prelude::*;

pub fn record_metrics(
    mut clock: ResMut<Clock>,
    book: Res<BlockBook>,
    ledger: Res<Ledger>,
    workload: Res<Workload>,
    mut metrics: ResMut<Metrics>,
    mut scratch: ResMut<Scratch>,
) {
    let m = &mut *metrics;
    let mut cur = std::mem::take(&mut m.current);
    cur.tick = clock.tick;
    for chunk in &mut scratch.chunks {
        cur.sent.merge(&std::mem::take(&mut chunk.sent));
        cur.delivered.merge(&std::mem::take(&mut chunk.delivered));
        cur.dropped.merge(&std::mem::take(&mut chunk.dropped));
        cur.mempool_entries += chunk.mempool_entries;
        cur.vote_records += chunk.vote_records;
        cur.messages_cut += std::mem::take(&mut chunk.cut);
        cur.lookups.merge(&std::mem::take(&mut chunk.lookups));
    }
    cur.in_flight = (m.last.in_flight + cur.sent.total())
        .saturating_sub(cur.dropped.total() + cur.delivered.total());
    cur.active_blocks = workload.active;
    cur.blocks_held = book.len() as u64;
    cur.violations = ledger.violations.total();

    for w in cur.words() {
        m.digest.absorb(w);
    }
    m.sent.merge(&cur.sent);
    m.delivered.merge(&cur.delivered);
    m.dropped.merge(&cur.dropped);
    m.blocks_submitted += cur.blocks_submitted;
    m.blocks_committed += cur.blocks_committed;
    m.blocks_rejected += cur.blocks_rejected;
    m.blocks_timed_out += cur.blocks_timed_out;
    m.peer_commits += cur.peer_commits;
    m.peak_mempool_entries = m.peak_mempool_entries.max(cur.mempool_entries);
    m.peak_vote_records = m.peak_vote_records.max(cur.vote_records);
    m.peak_in_flight = m.peak_in_flight.max(cur.in_flight);
    m.messages_cut += cur.messages_cut;
    m.lookups.merge(&cur.lookups);
    m.maintenance.merge(&cur.maintenance);
    m.ticks_done += 1;
    m.recovery.record(cur.tick, cur.blocks_committed);
    m.last = cur;
    clock.tick += 1;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::scratch::ChunkScratch;
    use crate::model::metrics::Digest;
    use crate::protocol::original::message::OriginalKind;
    use crate::testing::*;

    fn chunk(sent: u64, delivered: u64, dropped: u64) -> ChunkScratch {
        let mut c = ChunkScratch::default();
        for _ in 0..sent {
            c.sent.add(OriginalKind::VoteRequest.into());
        }
        for _ in 0..delivered {
            c.delivered.add(OriginalKind::VoteRequest.into());
        }
        for _ in 0..dropped {
            c.dropped.add(OriginalKind::BlockQuery.into());
        }
        c.mempool_entries = 3;
        c.vote_records = 2;
        c
    }

    #[test]
    fn counters_fold_into_the_tick_and_the_clock_advances() {
        let mut world = tiny_world();
        set_tick(&mut world, 4);
        world.resource_mut::<Scratch>().chunks = vec![chunk(5, 2, 1), chunk(1, 0, 0)];
        world.resource_mut::<Metrics>().current.blocks_submitted = 2;
        run(&mut world, record_metrics);

        assert_eq!(world.resource::<Clock>().tick, 5);
        let m = world.resource::<Metrics>();
        assert_eq!(m.last.tick, 4);
        assert_eq!(m.last.sent.get(OriginalKind::VoteRequest), 6);
        assert_eq!(m.last.dropped.get(OriginalKind::BlockQuery), 1);
        assert_eq!(m.last.in_flight, 6 - 2 - 1);
        assert_eq!((m.last.mempool_entries, m.last.vote_records), (6, 4));
        assert_eq!(
            m.current,
            Default::default(),
            "the next tick starts from zero"
        );
        assert_eq!(
            (m.blocks_submitted, m.sent.total(), m.ticks_done),
            (2, 6, 1)
        );
        assert_eq!(m.peak_mempool_entries, 6);
        assert_ne!(m.digest, Digest::default());
        for c in &world.resource::<Scratch>().chunks {
            assert_eq!(c.sent.total() + c.delivered.total() + c.dropped.total(), 0);
        }

        // Totals accumulate; gauges are the latest tick's.
        let digest = m.digest;
        run(&mut world, record_metrics);
        let m = world.resource::<Metrics>();
        assert_eq!((m.sent.total(), m.ticks_done, m.last.in_flight), (6, 2, 3));
        assert_ne!(m.digest, digest);
        assert_eq!(world.resource::<Clock>().tick, 6);
    }
}
