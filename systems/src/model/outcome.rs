//! Recording a block's outcome at its origin: metrics, latency, and freeing its tokens.

use crate::model::blocks::{BlockBook, Outcome};
use crate::model::families::Families;
use crate::model::ids::{BlockIdx, Tick};
use crate::model::metrics::Metrics;
use crate::model::workload::Workload;
use bevy_ecs::prelude::ResMut;
use bevy_ecs::system::SystemParam;

/// What settling an outcome changes, for the systems that settle blocks (commit, collection).
#[derive(SystemParam)]
pub struct Settlement<'w> {
    pub book: ResMut<'w, BlockBook>,
    pub workload: ResMut<'w, Workload>,
    pub metrics: ResMut<'w, Metrics>,
    pub families: ResMut<'w, Families>,
}

impl Settlement<'_> {
    /// Records the first outcome of `block` at its origin (see [`settle_outcome`]) and, with
    /// it, its family's progress.
    pub fn settle(&mut self, block: BlockIdx, outcome: Outcome, now: Tick, ttl: Tick) {
        let first = settle_outcome(
            &mut self.book,
            &mut self.workload,
            &mut self.metrics,
            block,
            outcome,
            now,
            ttl,
        );
        if first && let Some(b) = self.book.get(block) {
            self.families.on_outcome(block, b.twin_of, outcome);
        }
    }
}

/// Records the first outcome of `block` at its origin, and returns whether it was the first;
/// later ones are ignored.
pub fn settle_outcome(
    book: &mut BlockBook,
    workload: &mut Workload,
    metrics: &mut Metrics,
    block: BlockIdx,
    outcome: Outcome,
    now: Tick,
    ttl: Tick,
) -> bool {
    let Some(b) = book.get_mut(block) else {
        return false;
    };
    if b.outcome.is_some() {
        return false;
    }
    b.outcome = Some((outcome, now));
    workload.active -= 1;
    match outcome {
        Outcome::Committed => {
            metrics.current.blocks_committed += 1;
            metrics.latency.record(now - b.submitted);
        }
        Outcome::Rejected => metrics.current.blocks_rejected += 1,
        Outcome::TimedOut => metrics.current.blocks_timed_out += 1,
    }
    if b.twin_of.is_some() {
        if outcome == Outcome::Committed {
            book.record_certified(block);
        }
        return true;
    }
    match outcome {
        // A block rejected at its origin may still commit elsewhere until it expires; its
        // owner re-spends the tokens only then, or the two spends would race.
        Outcome::Rejected => workload.release_at(b.expires(ttl), block),
        // The owner heard "timed out": it re-submits the same block (v2).
        Outcome::TimedOut if workload.resubmit_timed_out => workload.resubmit.push(block),
        Outcome::Committed | Outcome::TimedOut => {
            workload.free.extend(b.parts.iter().map(|p| p.token))
        }
    }
    if outcome == Outcome::Committed {
        book.record_certified(block);
    }
    true
}
