//! System 6: fold the chunks' counters into the tick's metrics, update totals and the digest,
//! and advance the clock.

use crate::blocks::BlockBook;
use crate::ledger::Ledger;
use crate::metrics::Metrics;
use crate::resources::{Clock, Scratch};
use crate::workload::Workload;
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
    m.ticks_done += 1;
    m.last = cur;
    clock.tick += 1;
}
