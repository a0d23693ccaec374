//! Recording a block's outcome at its origin: metrics, latency, and freeing its tokens.

use crate::blocks::{BlockBook, Outcome};
use crate::ids::{BlockIdx, Tick};
use crate::metrics::Metrics;
use crate::workload::Workload;

/// Records the first outcome of `block` at its origin; later ones are ignored.
pub fn settle_outcome(
    book: &mut BlockBook,
    workload: &mut Workload,
    metrics: &mut Metrics,
    block: BlockIdx,
    outcome: Outcome,
    now: Tick,
    ttl: Tick,
) {
    let Some(b) = book.get_mut(block) else {
        return;
    };
    if b.outcome.is_some() {
        return;
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
        return;
    }
    match outcome {
        // A block rejected at its origin may still commit elsewhere until it expires; its
        // owner re-spends the tokens only then, or the two spends would race.
        Outcome::Rejected => workload.release_at(b.expires(ttl), block),
        Outcome::Committed | Outcome::TimedOut => {
            workload.free.extend(b.parts.iter().map(|p| p.token))
        }
    }
}
