//! The network: a timing wheel of mailboxes, one per sender chunk.
//!
//! Peers are split into fixed chunks (independent of the thread count). Each chunk owns one
//! mailbox that only its own task writes, holding one buffer per (delivery slot, receiving
//! chunk). Sending is therefore lock-free and parallel; delivery of a receiving chunk gathers
//! its buffers from every sender chunk in chunk order, which makes the inbox order a function
//! of the seed alone.

use crate::engine::chunk_plan::ChunkPlan;
use crate::engine::parcel::Parcel;
use crate::model::dht::contact_cache::ContactCaches;
use crate::model::faults::Faults;
use crate::model::ids::Tick;
use crate::model::links::LinkBehaviour;
use crate::model::message::Message;
use crate::model::routes::Routes;
use bevy_ecs::prelude::Resource;
use std::sync::Arc;

/// A routed message's delay is the sum of its hops' delays (on dht: its lookup's round trips,
/// then the direct hop), so the wheel of a routed topology holds this many single-hop
/// horizons; a sum beyond it (never seen with the default delays on small-world: the mean hop
/// count is under 6 at 1M peers) is cut to the wheel's last slot.
pub const ROUTED_HORIZONS: u32 = 4;

/// On dht a message to a stranger also waits for its lookup (round trips, and a timeout per
/// lost query), so the wheel holds this many slots more; a longer wait is cut to the last slot.
pub const LOOKUP_SLOTS: u32 = 64;

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
    /// The chunk's peers' contact caches on the dht topology (empty on the others): owned
    /// by the sending chunk like its parcels, so sends stay lock-free.
    pub contacts: ContactCaches,
}

/// Everything in flight.
#[derive(Resource)]
pub struct Network {
    pub plan: ChunkPlan,
    pub wheel: u32,
    pub link: LinkBehaviour,
    pub mailboxes: Vec<Mailbox>,
    pub faults: Faults,
    /// The links messages are routed over (small-world) or the routing tables lookups walk
    /// (dht); `None` on the other topologies, whose peers reach each other in one hop.
    pub routes: Option<Arc<Routes>>,
}

impl Network {
    pub fn new(
        plan: ChunkPlan,
        link: LinkBehaviour,
        faults: Faults,
        routes: Option<Arc<Routes>>,
    ) -> Self {
        let dht = routes.as_deref().is_some_and(|r| r.dht().is_some());
        let horizons = if routes.is_some() { ROUTED_HORIZONS } else { 1 };
        let lookups = if dht { LOOKUP_SLOTS } else { 0 };
        let wheel = link.horizon() * horizons + 1 + lookups;
        let slots = (wheel as usize) * plan.count as usize;
        Self {
            plan,
            wheel,
            link,
            mailboxes: (0..plan.count)
                .map(|c| Mailbox {
                    slots: (0..slots).map(|_| Parcel::default()).collect(),
                    spare: Vec::new(),
                    spare_pages: Vec::new(),
                    contacts: match dht {
                        true => {
                            let first = plan.first(c as usize);
                            ContactCaches::new(first, plan.size.min(plan.peers - first))
                        }
                        false => ContactCaches::default(),
                    },
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
