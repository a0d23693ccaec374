//! The network: a timing wheel of mailboxes, one per sender chunk.
//!
//! Peers are split into fixed chunks (independent of the thread count). Each chunk owns one
//! mailbox that only its own task writes, holding one buffer per (delivery slot, receiving
//! chunk). Sending is therefore lock-free and parallel; delivery of a receiving chunk gathers
//! its buffers from every sender chunk in chunk order, which makes the inbox order a function
//! of the seed alone.

use crate::engine::chunk_plan::ChunkPlan;
use crate::engine::parcel::Parcel;
use crate::model::faults::Faults;
use crate::model::ids::Tick;
use crate::model::links::LinkBehaviour;
use crate::model::message::Message;
use crate::model::small_world::SmallWorld;
use bevy_ecs::prelude::Resource;
use std::sync::Arc;

/// A routed message's delay is the sum of its hops' delays, so the small-world wheel holds
/// this many single-hop horizons; a sum beyond it (never seen with the default delays: the
/// mean hop count is under 6 at 1M peers) is cut to the wheel's last slot.
pub const ROUTED_HORIZONS: u32 = 4;

/// One sender chunk's outgoing parcels: `slots[wheel_slot * chunks + receiver_chunk]`.
///
/// A delivered parcel's open buffer is not kept for its slot's next turn: slots far in the
/// future hold few messages, and pinning each one's high-water capacity cost more memory than
/// everything in flight. It goes to `spare` instead (its full pages to `spare_pages`), and a
/// slot this chunk starts filling at a short delay (see [`LinkBehaviour::reuse_within`])
/// takes it: such a slot is about to receive a full tick's load, so the buffer is not wasted,
/// and sending grows fewer buffers from nothing. Slots first touched at long delays start
/// empty and grow: handing them spares too costs more memory than it saves.
#[derive(Default)]
pub struct Mailbox {
    pub slots: Vec<Parcel>,
    pub spare: Vec<Vec<Message>>,
    /// Delivered full pages, for the next parcels that fill one. One size, so keeping them
    /// costs no more than the allocator would keep: at most what was once in flight at once.
    pub spare_pages: Vec<Vec<Message>>,
}

/// Everything in flight.
#[derive(Resource)]
pub struct Network {
    pub plan: ChunkPlan,
    pub wheel: u32,
    pub link: LinkBehaviour,
    pub mailboxes: Vec<Mailbox>,
    pub faults: Faults,
    /// The small-world links messages are routed over; `None` on the other topologies, whose
    /// peers reach each other in one hop.
    pub routes: Option<Arc<SmallWorld>>,
}

impl Network {
    pub fn new(
        plan: ChunkPlan,
        link: LinkBehaviour,
        faults: Faults,
        routes: Option<Arc<SmallWorld>>,
    ) -> Self {
        let horizons = if routes.is_some() { ROUTED_HORIZONS } else { 1 };
        let wheel = link.horizon() * horizons + 1;
        let slots = (wheel as usize) * plan.count as usize;
        Self {
            plan,
            wheel,
            link,
            mailboxes: (0..plan.count)
                .map(|_| Mailbox {
                    slots: (0..slots).map(|_| Parcel::default()).collect(),
                    spare: Vec::new(),
                    spare_pages: Vec::new(),
                })
                .collect(),
            faults,
            routes,
        }
    }

    /// Takes every buffer due at `tick`, grouped by receiving chunk, sender chunks in order.
    pub fn take_due(&mut self, tick: Tick) -> Vec<Vec<Parcel>> {
        let c = self.plan.count as usize;
        let base = (tick % self.wheel) as usize * c;
        (0..c)
            .map(|r| {
                self.mailboxes
                    .iter_mut()
                    .map(|m| std::mem::take(&mut m.slots[base + r]))
                    .collect()
            })
            .collect()
    }

    /// Hands delivered buffers back to their sender chunks for reuse (see [`Mailbox`]).
    pub fn recycle(&mut self, due: Vec<Vec<Parcel>>) {
        let keep = self.plan.count as usize;
        for by_sender in due {
            for (mailbox, parcel) in self.mailboxes.iter_mut().zip(by_sender) {
                let mut buffer = parcel.unpack(&mut mailbox.spare_pages);
                if buffer.capacity() > 0 && mailbox.spare.len() < keep {
                    buffer.clear();
                    mailbox.spare.push(buffer);
                }
            }
        }
    }

    /// Messages currently in flight.
    pub fn in_flight(&self) -> u64 {
        self.mailboxes
            .iter()
            .flat_map(|m| m.slots.iter())
            .map(|s| s.len() as u64)
            .sum()
    }
}
