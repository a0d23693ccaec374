//! Recording a block's outcome at its origin: metrics, latency, and freeing its tokens.

use crate::model::blocks::{BlockBook, Outcome};
use crate::model::families::{Families, Retry};
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
        let recorded = settle_outcome(
            &mut self.book,
            &mut self.workload,
            &mut self.metrics,
            block,
            outcome,
            now,
            ttl,
        );
        let retry = match recorded {
            Recorded::Ignored => return,
            Recorded::First => Retry::None,
            Recorded::FirstWithRetry => Retry::Planned,
        };
        if let Some(b) = self.book.get(block) {
            let family = b.twin_of.or(b.retry_of).unwrap_or(block);
            self.families.on_outcome(family, outcome, retry);
        }
    }
}

/// What [`settle_outcome`] did with an outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recorded {
    /// Not the block's first outcome: ignored.
    Ignored,
    First,
    /// The first, a time-out, and the owner will re-submit the block.
    FirstWithRetry,
}

/// Records the first outcome of `block` at its origin; later ones are ignored.
pub fn settle_outcome(
    book: &mut BlockBook,
    workload: &mut Workload,
    metrics: &mut Metrics,
    block: BlockIdx,
    outcome: Outcome,
    now: Tick,
    ttl: Tick,
) -> Recorded {
    let Some(b) = book.get_mut(block) else {
        return Recorded::Ignored;
    };
    if b.outcome.is_some() {
        return Recorded::Ignored;
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
        return Recorded::First;
    }
    let mut recorded = Recorded::First;
    match outcome {
        // A block rejected at its origin may still commit elsewhere until it expires; its
        // owner re-spends the tokens only then, or the two spends would race.
        Outcome::Rejected => workload.release_at(b.expires(ttl), block),
        // The owner heard "timed out": it re-submits the same block (v2), next tick.
        Outcome::TimedOut if workload.resubmit_timed_out && now + 1 < workload.submissions_end => {
            workload.resubmit.push(block);
            recorded = Recorded::FirstWithRetry;
        }
        Outcome::Committed | Outcome::TimedOut => {
            workload.free.extend(b.parts.iter().map(|p| p.token))
        }
    }
    recorded
}
