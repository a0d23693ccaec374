//! A chunk's trace recorder for one pass (see [`crate::model::trace`]).
//!
//! It rides in the chunk's [`crate::engine::outbox::Outbox`] as an `Option`, `None` when
//! tracing is off. Sends record there only in a traced outbox (`Outbox<'_, true>`), which a
//! pass picks per inbox or voter when the option is set; the other passes reach the recorder
//! through the outbox too. An untraced run pays one predictable branch per inbox, voter,
//! applied decision and collected entry, and none per message (flooding peers aside).

use crate::model::ids::{BlockIdx, PeerIdx, Tick};
use crate::model::message::Message;
use crate::model::peer::{Decision, EntryState, PeerPart, PeerState};
use crate::model::trace::{Fate, StateChange, TraceEvent, TraceSet};

/// The traced set and the chunk's event buffer, appended to the log in chunk order after the
/// pass.
pub struct Tracer<'a> {
    pub set: &'a TraceSet,
    pub events: &'a mut Vec<TraceEvent>,
}

impl Tracer<'_> {
    #[inline]
    pub fn traces(&self, block: BlockIdx) -> bool {
        self.set.contains(block)
    }

    /// Records `msg`'s fate at `tick`, if its block is traced.
    pub fn message(&mut self, tick: Tick, msg: &Message, fate: Fate, due: Option<Tick>) {
        if self.traces(msg.block) {
            self.events.push(TraceEvent::Message {
                tick,
                msg: *msg,
                fate,
                due,
            });
        }
    }

    /// Records a change of `block`'s entry at `peer`, if the block is traced.
    pub fn state(&mut self, tick: Tick, peer: PeerIdx, block: BlockIdx, state: StateChange) {
        if self.traces(block) {
            self.events.push(TraceEvent::State {
                tick,
                peer,
                block,
                state,
            });
        }
    }

    /// Records `m` delivered at `tick` and returns its block's entry state at the receiver
    /// before it is handled, for [`Tracer::after_receive`].
    pub fn delivered<S: PeerPart>(
        &mut self,
        tick: Tick,
        m: &Message,
        ps: &PeerState<S>,
    ) -> Option<EntryState> {
        self.message(tick, m, Fate::Delivered, Some(tick));
        entry_state(ps, m.block)
    }

    /// Records how handling a message about `block` changed its entry at `peer`.
    pub fn after_receive<S: PeerPart>(
        &mut self,
        tick: Tick,
        peer: PeerIdx,
        ps: &PeerState<S>,
        block: BlockIdx,
        before: Option<EntryState>,
    ) {
        let after = entry_state(ps, block);
        if after != before {
            let change = match after {
                None => StateChange::Collected,
                Some(EntryState::Pending) => StateChange::Pending,
                Some(EntryState::Committed) => StateChange::Committed,
                Some(EntryState::Blocked) => StateChange::Blocked,
            };
            self.state(tick, peer, block, change);
        }
    }

    /// Records the decisions peer `peer`'s vote pass left on traced entries.
    #[cold]
    #[inline(never)]
    pub fn decisions<S: PeerPart>(&mut self, tick: Tick, peer: PeerIdx, ps: &PeerState<S>) {
        for e in &ps.mempool {
            let change = match e.decision {
                Decision::Undecided => continue,
                Decision::Commit => StateChange::DecidedCommit,
                Decision::Reject => StateChange::DecidedReject,
            };
            self.state(tick, peer, e.block, change);
        }
    }
}

fn entry_state<S: PeerPart>(ps: &PeerState<S>, block: BlockIdx) -> Option<EntryState> {
    ps.find(block).ok().map(|i| ps.mempool[i].state)
}
