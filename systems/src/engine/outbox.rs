//! A chunk's sending side for one pass.

use crate::engine::chunk_plan::ChunkPlan;
use crate::engine::network::Mailbox;
use crate::engine::trace::Tracer;
use crate::model::dht::lookup_counts::LookupCounts;
use crate::model::faults::Faults;
use crate::model::ids::{PeerIdx, Tick};
use crate::model::links::LinkBehaviour;
use crate::model::message::{KindCounts, Message};
use crate::model::routes::Routes;
use crate::model::signatures::SignedVote;
use crate::model::small_world::SmallWorld;
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
    /// The small-world links or the dht routing tables (see [`Outbox::send_routed`]); `None`
    /// on the other topologies.
    pub routes: Option<&'a Routes>,
    /// Lookup traffic on the dht topology, counted apart from `sent` and `dropped`.
    pub lookups: &'a mut LookupCounts,
    /// Messages lost to a partition or an offline peer.
    pub cut: &'a mut u64,
    /// Messages charged to blocks, added to the book after the pass.
    pub charges: &'a mut crate::model::charges::Charges,
    /// The chunk's trace recorder; `None` when no block is traced.
    pub trace: Option<Tracer<'a>>,
    /// Yes votes signed this pass, for the registry (see [`crate::model::signatures`]).
    pub signed: &'a mut Vec<SignedVote>,
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
            routes: self.routes,
            lookups: self.lookups,
            cut: self.cut,
            charges: self.charges,
            trace: self.trace.as_mut().map(|t| Tracer {
                set: t.set,
                events: t.events,
            }),
            signed: self.signed,
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
        // Only a load and a branch here for the other topologies: the routing test stays out
        // of line, as inlined into every send site it slowed them (docs/topology.md).
        if let Some(routes) = self.routes
            && self.send_routed(msg, rng, routes)
        {
            return;
        }
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
            Some(delay) => self.queue(msg, delay),
        }
    }

    /// Sends `msg` if it goes to a peer its sender does not know, on a routed topology, and
    /// says whether it did (a message to oneself or to a known peer takes the one-hop path of
    /// [`Outbox::send`]). On small-world greedy
    /// routing carries it hop by hop over known links, each hop a sent message of the same
    /// kind that can be cut or lost like any other (then the message is gone), its delay the
    /// sum of the hops' delays. Every draw comes from the sender's stream, so the route's fate
    /// does not depend on the thread count. Intermediate peers only relay: they run no
    /// protocol code, and only the final receiver gets the message. On dht the sender looks
    /// the receiver up unless it is cached, then sends directly (`engine/dht_send.rs`).
    #[inline(never)]
    fn send_routed(&mut self, msg: Message, rng: &mut Pcg64Mcg, routes: &Routes) -> bool {
        if msg.from == msg.to || routes.links(msg.from, msg.to) {
            return false;
        }
        match routes {
            Routes::SmallWorld(sw) => match self.walk(&msg, msg.from, msg.to, sw, rng) {
                Ok(delay) => self.queue(msg, delay),
                Err(fate) => self.trace_send(&msg, fate, None),
            },
            Routes::Dht(tables) => self.send_looked_up(msg, tables, rng),
        }
        true
    }

    /// Carries `msg` from `from` to `to` along a route, each hop a sent message that can be
    /// cut or lost (counted once as dropped, then the message is gone); the summed delay,
    /// cut to the wheel's last slot (see `ROUTED_HORIZONS`), or the fate that ended it.
    pub(super) fn walk(
        &mut self,
        msg: &Message,
        from: PeerIdx,
        to: PeerIdx,
        routes: &SmallWorld,
        rng: &mut Pcg64Mcg,
    ) -> Result<u32, Fate> {
        let (mut at, mut delay, mut hop) = (from, 0u32, 0);
        while at != to {
            let next = routes.route_hop(at, to, hop);
            hop += 1;
            delay += self.hop(msg, at, next, rng)?;
            at = next;
        }
        Ok(delay.min(self.wheel - 1))
    }

    /// One link crossing of `msg` from `at` to `next`: a sent message, its delay or its fate.
    #[inline]
    pub(super) fn hop(
        &mut self,
        msg: &Message,
        at: PeerIdx,
        next: PeerIdx,
        rng: &mut Pcg64Mcg,
    ) -> Result<u32, Fate> {
        self.sent.add(msg.kind);
        if !self.faults.can_send(at, next, self.now) {
            self.dropped.add(msg.kind);
            *self.cut += 1;
            return Err(Fate::Cut);
        }
        self.link.sample_link(at, next, rng).ok_or_else(|| {
            self.dropped.add(msg.kind);
            Fate::Lost
        })
    }

    /// Queues a message that survived its link for delivery `delay` ticks from now.
    #[inline(always)]
    pub(super) fn queue(&mut self, msg: Message, delay: u32) {
        self.trace_send(&msg, Fate::Queued, Some(self.now + delay));
        // delay < wheel, so one subtraction replaces a modulo.
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

    /// Records a sent message's fate; nothing at all in an untraced outbox.
    #[inline(always)]
    pub(super) fn trace_send(&mut self, msg: &Message, fate: Fate, due: Option<Tick>) {
        if TRACED && let Some(trace) = &mut self.trace {
            trace.message(self.now, msg, fate, due);
        }
    }
}

#[cfg(test)]
pub(crate) mod fixture {
    use super::*;
    use crate::config::{DelayModel, SimConfig};
    use crate::engine::chunk_plan::ChunkPlan;
    use crate::engine::network::Network;
    use crate::model::charges::Charges;
    use crate::model::dht::routing_table::RoutingTables;
    use crate::model::ids::PeerIdx;
    use std::sync::Arc;

    /// A routed ring of `n` peers whose links lose a `loss` share and take one tick each,
    /// and everything an outbox borrows, for tests of routed sends.
    pub struct RoutedNet {
        pub links: Arc<Routes>,
        pub network: Network,
        pub sent: KindCounts,
        pub lookups: LookupCounts,
        pub dropped: KindCounts,
        pub cut: u64,
        pub charges: Charges,
        pub faults: Faults,
        pub signed: Vec<SignedVote>,
    }

    impl RoutedNet {
        /// A small-world ring.
        pub fn new(n: u32, loss: f64) -> Self {
            Self::over(Routes::SmallWorld(SmallWorld::new(n, 11)), loss)
        }

        /// A dht ring.
        pub fn dht(n: u32, loss: f64) -> Self {
            Self::over(Routes::Dht(RoutingTables::new(n, 11)), loss)
        }

        fn over(routes: Routes, loss: f64) -> Self {
            let n = routes.peers();
            let routes = Arc::new(routes);
            let link = LinkBehaviour::new(loss, DelayModel::Uniform { min: 1, max: 1 });
            let config = SimConfig {
                peers: n,
                ..SimConfig::default()
            };
            Self {
                network: Network::new(
                    ChunkPlan::new(n),
                    link,
                    Faults::new(&config),
                    Some(routes.clone()),
                ),
                links: routes,
                sent: KindCounts::default(),
                lookups: LookupCounts::default(),
                dropped: KindCounts::default(),
                cut: 0,
                charges: Charges::default(),
                faults: Faults::new(&config),
                signed: Vec::new(),
            }
        }

        /// The small-world links (a small-world net only).
        pub fn routes(&self) -> &SmallWorld {
            self.links.small_world().expect("a small-world net")
        }

        /// The routing tables (a dht net only).
        pub fn tables(&self) -> &RoutingTables {
            self.links.dht().expect("a dht net")
        }

        /// The outbox of chunk 0 (peers below 256) at tick `now`.
        pub fn outbox_at(&mut self, now: Tick) -> Outbox<'_, false> {
            let mut out = self.outbox();
            out.now = now;
            out.now_slot = now % out.wheel;
            out
        }

        pub fn outbox(&mut self) -> Outbox<'_, false> {
            Outbox {
                mailbox: &mut self.network.mailboxes[0],
                plan: self.network.plan,
                wheel: self.network.wheel,
                link: self.network.link,
                now: 0,
                now_slot: 0,
                sent: &mut self.sent,
                dropped: &mut self.dropped,
                faults: &self.faults,
                routes: Some(&self.links),
                lookups: &mut self.lookups,
                cut: &mut self.cut,
                charges: &mut self.charges,
                trace: None,
                signed: &mut self.signed,
            }
        }

        /// The receivers due `delay` ticks from now, as queued.
        pub fn due(&self, delay: usize) -> Vec<PeerIdx> {
            let count = self.network.plan.count as usize;
            self.network.mailboxes[0].slots[delay * count..(delay + 1) * count]
                .iter()
                .flat_map(|p| p.iter().map(|m| m.to))
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixture::RoutedNet;
    use crate::model::message::Kind;

    /// Any code: the engine carries every kind alike.
    const KIND: Kind = Kind(7);
    use crate::model::rng::{Stream, stream};

    #[test]
    fn a_routed_message_counts_every_hop_and_adds_their_delays() {
        let n = 1_000;
        // One hop per tick, nothing lost: the message arrives after exactly `hops` ticks.
        let mut net = RoutedNet::new(n, 0.0);
        let routes = net.routes();
        let from = 0;
        let to = (1..n)
            .find(|&q| routes.hops(from, q) == 2)
            .expect("a 2-hop peer");
        let known = (1..n).find(|&q| routes.links(from, q)).expect("a link");
        let msg = |to| crate::testing::message(KIND, from, to, 0, 0);
        let mut rng = stream(1, Stream::Deliver, 0, 0);
        net.outbox().send(msg(to), &mut rng);
        assert_eq!(net.sent.get(KIND), 2, "two hops, two sent");
        net.outbox().send(msg(known), &mut rng);
        assert_eq!(net.sent.get(KIND), 3, "a known peer: one hop");
        assert_eq!(net.dropped.total(), 0);
        assert_eq!(net.due(1), vec![known]);
        assert_eq!(net.due(2), vec![to]);
    }
}
