//! A chunk's sending side for one pass.

use crate::engine::chunk_plan::ChunkPlan;
use crate::engine::network::Mailbox;
use crate::model::faults::Faults;
use crate::model::ids::Tick;
use crate::model::links::LinkBehaviour;
use crate::model::message::{KindCounts, Message};
use rand_pcg::Pcg64Mcg;

/// A chunk's sending side for one system pass: its mailbox, its counters and its clock.
pub struct Outbox<'a> {
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
}

impl Outbox<'_> {
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
            return;
        }
        match self.link.sample_link(msg.from, msg.to, rng) {
            None => self.dropped.add(msg.kind),
            Some(delay) => {
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
}
