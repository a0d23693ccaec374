//! A block's story: which blocks are traced, and the events recorded about them (every
//! message about them and every change of their entries at every peer).
//!
//! Tracing only observes: nothing recorded here is read back by the simulation, and no random
//! stream is drawn from, so a traced run has the same digest as an untraced one. Events are
//! recorded per chunk during a pass and appended after it in chunk order
//! (`engine::trace`), so the log is the same on any thread count.

use crate::model::ids::{BlockIdx, PeerIdx, Tick};
use crate::model::message::Message;
use bevy_ecs::prelude::Resource;

/// The traced blocks, by `BlockIdx` (the blocks table's `block` column): the first `first`
/// submitted (twins included), and those listed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TraceSet {
    first: BlockIdx,
    /// Sorted, without repeats.
    listed: Vec<BlockIdx>,
}

impl TraceSet {
    /// The first `n` blocks submitted.
    pub fn first(n: BlockIdx) -> Self {
        Self {
            first: n,
            listed: Vec::new(),
        }
    }

    /// The listed blocks.
    pub fn listed(mut ids: Vec<BlockIdx>) -> Self {
        ids.sort_unstable();
        ids.dedup();
        Self {
            first: 0,
            listed: ids,
        }
    }

    /// Blocks from a comma-separated list of indices, e.g. `0,5,9`.
    pub fn parse_list(text: &str) -> Result<Self, String> {
        let ids = text
            .split(',')
            .map(|s| {
                s.trim()
                    .parse::<BlockIdx>()
                    .map_err(|_| format!("not a block index: {:?}", s.trim()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self::listed(ids))
    }

    #[inline]
    pub fn contains(&self, block: BlockIdx) -> bool {
        block < self.first || self.listed.binary_search(&block).is_ok()
    }
}

/// What became of a traced message. A message has one row when it is sent (`Queued`, `Lost`
/// or `Cut`) and, if queued, a second when it falls due (`Delivered` or `Cut`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Sent and due at a later tick.
    Queued,
    /// Lost on its link when sent.
    Lost,
    /// Stopped by a partition or an offline peer (when sent, or when it fell due).
    Cut,
    /// Handed to its receiver.
    Delivered,
}

impl Fate {
    pub fn name(self) -> &'static str {
        match self {
            Fate::Queued => "queued",
            Fate::Lost => "lost",
            Fate::Cut => "cut",
            Fate::Delivered => "delivered",
        }
    }
}

/// A traced block's entry at one peer changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateChange {
    /// The entry was created (at the origin when submitted, elsewhere by a message).
    Pending,
    /// The vote pass left a decision to commit, or to reject.
    DecidedCommit,
    DecidedReject,
    /// The commit pass applied the decision.
    Committed,
    Blocked,
    /// The entry expired while pending and left the mempool (at the origin: the time-out).
    TimedOut,
    /// A decided entry left the mempool (shrunk to a remembered verdict).
    Collected,
}

impl StateChange {
    pub fn name(self) -> &'static str {
        match self {
            StateChange::Pending => "pending",
            StateChange::DecidedCommit => "decided-commit",
            StateChange::DecidedReject => "decided-reject",
            StateChange::Committed => "committed",
            StateChange::Blocked => "blocked",
            StateChange::TimedOut => "timed-out",
            StateChange::Collected => "collected",
        }
    }
}

/// One row of a block's story.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceEvent {
    /// `msg` at `tick`: sent (then `msg.sent == tick`) or fallen due. `due` is the tick it is
    /// (or was) due, `None` when it never travelled.
    Message {
        tick: Tick,
        msg: Message,
        fate: Fate,
        due: Option<Tick>,
    },
    State {
        tick: Tick,
        peer: PeerIdx,
        block: BlockIdx,
        state: StateChange,
    },
}

/// The traced set (`None`: tracing off) and the events recorded since they were last taken.
#[derive(Resource, Default)]
pub struct Trace {
    pub set: Option<TraceSet>,
    pub log: Vec<TraceEvent>,
}

impl Trace {
    /// Records that `block`'s entry at `peer` changed, if the block is traced (for serial
    /// steps; chunked passes record through `engine::trace::Tracer`).
    pub fn state(&mut self, tick: Tick, peer: PeerIdx, block: BlockIdx, state: StateChange) {
        if self.set.as_ref().is_some_and(|s| s.contains(block)) {
            self.log.push(TraceEvent::State {
                tick,
                peer,
                block,
                state,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_holds_the_first_blocks_or_the_listed_ones() {
        let first = TraceSet::first(3);
        assert!((0..3).all(|b| first.contains(b)));
        assert!(!first.contains(3));
        let listed = TraceSet::parse_list("9, 0,5,5").unwrap();
        assert_eq!(listed, TraceSet::listed(vec![0, 5, 9]));
        assert!(listed.contains(5) && !listed.contains(1));
        assert!(TraceSet::parse_list("1,x").is_err());
        assert!(TraceSet::parse_list("").is_err());
        assert!(TraceSet::parse_list("-1").is_err());
    }
}
