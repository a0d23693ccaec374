//! A chunk's sending side for one pass.

use crate::engine::chunk_plan::ChunkPlan;
use crate::engine::network::Mailbox;
use crate::engine::trace::Tracer;
use crate::model::faults::Faults;
use crate::model::ids::Tick;
use crate::model::links::LinkBehaviour;
use crate::model::message::{KindCounts, Message};
use crate::model::trace::Fate;
use rand_pcg::Pcg64Mcg;

/// A chunk's sending side for one system pass: its mailbox, its counters and its clock.
///
/// `TRACED` outboxes also record what becomes of each message about a traced block (see
/// [`crate::engine::trace`]); a pass picks the kind once ([`Outbox::retag`]), so the
/// untraced send is the same code as before tracing existed.
pub struct Outbox<'a, const TRACED: bool = false> {
    pub mailbox: &'a mut Mailbox,
    pub plan: ChunkPlan,
    pub wheel: u32,
    pub link: LinkBehaviour,
    pub now: Tick,
    /// `now % wheel`.
    pub now_slot: u32,
    pub sent: &'a mut KindCounts,
    pub dropped: &'a mut KindCounts,
    pub faults: &'a Faults,
    /// Messages lost to a partition or an offline peer.
    pub cut: &'a mut u64,
    /// Messages charged to blocks, added to the book after the pass.
    pub charges: &'a mut crate::model::charges::Charges,
    /// The chunk's trace recorder; `None` when no block is traced.
    pub trace: Option<Tracer<'a>>,
}

impl<const TRACED: bool> Outbox<'_, TRACED> {
    /// The same outbox, reborrowed as the kind `U`.
    pub fn retag<const U: bool>(&mut self) -> Outbox<'_, U> {
        Outbox {
            mailbox: self.mailbox,
            plan: self.plan,
            wheel: self.wheel,
            link: self.link,
            now: self.now,
            now_slot: self.now_slot,
            sent: self.sent,
            dropped: self.dropped,
            faults: self.faults,
            cut: self.cut,
            charges: self.charges,
            trace: self.trace.as_mut().map(|t| Tracer {
                set: t.set,
                events: t.events,
            }),
        }
    }

    /// Charges `n` messages to block `idx` (see [`crate::model::charges`]).
    #[inline]
    pub fn charge(&mut self, idx: crate::model::ids::BlockIdx, n: u64) {
        self.charges.add(idx, n);
    }

    /// Sends `msg`: it is lost, or queued for delivery after its sampled delay.
    // Always inlined: left to the compiler it stayed a call (see BENCHMARKS.md, aa0d9a2).
    #[inline(always)]
    pub fn send(&mut self, msg: Message, rng: &mut Pcg64Mcg) {
        self.sent.add(msg.kind);
        if !self.faults.can_send(msg.from, msg.to, self.now) {
            self.dropped.add(msg.kind);
            *self.cut += 1;
            self.trace_send(&msg, Fate::Cut, None);
            return;
        }
        match self.link.sample_link(msg.from, msg.to, rng) {
            None => {
                self.dropped.add(msg.kind);
                self.trace_send(&msg, Fate::Lost, None);
            }
            Some(delay) => {
                self.trace_send(&msg, Fate::Queued, Some(self.now + delay));
                // delay <= horizon < wheel, so one subtraction replaces a modulo.
                debug_assert!(delay < self.wheel);
                let mut slot = self.now_slot + delay;
                if slot >= self.wheel {
                    slot -= self.wheel;
                }
                let slot = slot as usize;
                let idx = slot * self.plan.count as usize + self.plan.chunk_of(msg.to);
                let parcel = &mut self.mailbox.slots[idx];
                if parcel.open.capacity() == 0
                    && delay <= self.link.reuse_within
                    && let Some(spare) = self.mailbox.spare.pop()
                {
                    parcel.open = spare;
                }
                parcel.push(msg, &mut self.mailbox.spare_pages);
            }
        }
    }

    /// Records a sent message's fate; nothing at all in an untraced outbox.
    #[inline(always)]
    fn trace_send(&mut self, msg: &Message, fate: Fate, due: Option<Tick>) {
        if TRACED && let Some(trace) = &mut self.trace {
            trace.message(self.now, msg, fate, due);
        }
    }
}
