//! Sending on the dht topology: a message to a peer in the sender's routing table or contact
//! cache goes directly (one message, one loss draw); to any other peer the sender first looks
//! it up, and the result enters its cache. A multicast whose entry the sender does not know
//! is relayed towards it instead, hop by hop, so it does not wait for a lookup's round trips.
//!
//! The lookup (`engine/dht_lookup.rs`) is iterative; each query and each reply, and each
//! relay's acknowledgement, is a datagram counted in `Outbox::lookups`, apart from the
//! protocol's messages. When a lookup gives up the message is not sent. Every draw comes from
//! the sender's stream and the cache is the sender chunk's own, so the outcome does not
//! depend on the thread count.

use crate::config::{DHT_RELAY_UNKNOWN_ENTRY, DHT_RPC_TIMEOUT};
use crate::engine::dht_lookup::{ANSWER, Answer, LookupFailed, LookupNet};
use crate::engine::outbox::Outbox;
use crate::model::dht::routing_table::{RoutingTables, position_distance};
use crate::model::ids::{PeerIdx, Tick};
use crate::model::message::Message;
use crate::model::trace::Fate;
use rand_pcg::Pcg64Mcg;

/// Ticks a relay's sender waits for the entry's acknowledgement before it looks the entry up
/// itself: about 1.5 times a relayed route's mean there and back (0.4 log2 N legs of 2 ticks).
pub fn relay_timeout(peers: u32) -> u32 {
    (6 * peers.max(2).ilog2()).div_ceil(5)
}

/// The earlier of two routes' arrivals, or the first's fate when neither arrived.
fn earliest(
    a: Result<(u32, PeerIdx), Fate>,
    b: Result<(u32, PeerIdx), Fate>,
) -> Result<(u32, PeerIdx), Fate> {
    match (a, b) {
        (Ok(x), Ok(y)) => Ok(if y.0 < x.0 { y } else { x }),
        (Ok(x), Err(_)) | (Err(_), Ok(x)) => Ok(x),
        (Err(f), Err(_)) => Err(f),
    }
}

/// Whether `at` holds `entry` among its near contacts, and so knows the entry's neighbourhood
/// well enough to start a multicast's spreading there itself.
#[inline]
fn spreads_to(tables: &RoutingTables, at: PeerIdx, entry: PeerIdx) -> bool {
    position_distance(at, entry, tables.peers()) <= tables.near_reach()
}

impl<const TRACED: bool> Outbox<'_, TRACED> {
    /// Sends `msg` to a peer outside its sender's routing table: directly once the receiver
    /// is known (cached, or just looked up), its delay the lookup's plus its own.
    pub(super) fn send_looked_up(
        &mut self,
        msg: Message,
        tables: &RoutingTables,
        rng: &mut Pcg64Mcg,
    ) {
        let fate = self
            .find(msg.from, msg.to, tables, rng)
            .map_err(|LookupFailed| Fate::Lost)
            .and_then(|wait| {
                let hop = self.hop(&msg, msg.from, msg.to, rng)?;
                Ok((wait + hop).min(self.wheel - 1))
            });
        match fate {
            Ok(delay) => self.queue(msg, delay),
            Err(fate) => self.trace_send(&msg, fate, None),
        }
    }

    /// Carries `msg` from its sender towards `entry` (a multicast's first leg): the delay and
    /// the peer the spreading starts from. Nothing when the sender holds the entry among its
    /// near contacts (it spreads itself), one hop when it knows it otherwise, else a relay
    /// (or, with `DHT_RELAY_UNKNOWN_ENTRY` off, a lookup and one hop).
    pub(super) fn reach_entry(
        &mut self,
        msg: &Message,
        entry: PeerIdx,
        to: &[PeerIdx],
        tables: &RoutingTables,
        rng: &mut Pcg64Mcg,
    ) -> Result<(u32, PeerIdx), Fate> {
        let from = msg.from;
        if spreads_to(tables, from, entry) {
            return Ok((0, from));
        }
        let wait = match tables.contains(from, entry) {
            true => 0,
            false if DHT_RELAY_UNKNOWN_ENTRY && !self.is_cached(from, entry) => {
                return self.relay_or_look_up(msg, from, entry, to, tables, rng);
            }
            false => self
                .find(from, entry, tables, rng)
                .map_err(|LookupFailed| Fate::Lost)?,
        };
        let hop = self.hop(msg, from, entry, rng)?;
        Ok(((wait + hop).min(self.wheel - 1), entry))
    }

    /// Whether `from` knows `to`'s address now: in its table, or cached and not still being
    /// looked up.
    pub(super) fn knows(&self, from: PeerIdx, to: PeerIdx, tables: &RoutingTables) -> bool {
        let contacts = &self.mailbox.contacts;
        tables.contains(from, to)
            || (contacts.owns(from) && contacts.use_wait(from, to, self.now) == Some(0))
    }

    /// Whether `from` has `to` in its contact cache (known, or being looked up).
    fn is_cached(&self, from: PeerIdx, to: PeerIdx) -> bool {
        let contacts = &self.mailbox.contacts;
        contacts.owns(from) && contacts.holds(from, to)
    }

    /// Relays `msg` towards `entry` (below); the peer that starts the spreading acknowledges
    /// it to `from` directly, naming the entry and the receivers `to` it knows (the key's
    /// neighbourhood, as a Kademlia FIND_NODE reply names the k closest; one routing
    /// datagram), and `from` caches them when that arrives, so its later multicasts to them
    /// go direct. When none has come `relay_timeout` ticks after sending (a hop
    /// or the acknowledgement lost, or late), `from` falls back to an iterative lookup and
    /// sends `msg` to the entry directly.
    fn relay_or_look_up(
        &mut self,
        msg: &Message,
        from: PeerIdx,
        entry: PeerIdx,
        to: &[PeerIdx],
        tables: &RoutingTables,
        rng: &mut Pcg64Mcg,
    ) -> Result<(u32, PeerIdx), Fate> {
        let relayed = self.relay(msg, from, entry, tables, rng);
        let acked = relayed.ok().and_then(|(delay, root)| {
            self.lookups.sent += 1;
            let back = match self.faults.can_send(root, from, self.now + delay) {
                true => self.link.sample_link(root, from, rng),
                false => None,
            };
            if back.is_none() {
                self.lookups.dropped += 1;
            }
            back.map(|b| delay + b)
        });
        let timeout = relay_timeout(tables.peers());
        match acked {
            Some(at) if at <= timeout => {
                if self.mailbox.contacts.owns(from)
                    && let Ok((_, root)) = relayed
                {
                    let known = |p: PeerIdx| p == root || tables.contains(root, p);
                    for &p in to.iter().filter(|&&p| p != from && known(p)) {
                        self.mailbox.contacts.remember(from, p, self.now + at);
                    }
                    self.mailbox.contacts.remember(from, entry, self.now + at);
                }
                relayed
            }
            _ => {
                // The fallback, from the timeout on. When the relay did arrive (its
                // acknowledgement lost or late), this is a duplicate.
                let found = self
                    .find(from, entry, tables, rng)
                    .map_err(|LookupFailed| Fate::Lost);
                let direct = found.and_then(|wait| {
                    let hop = self.hop(msg, from, entry, rng)?;
                    Ok(((timeout + wait + hop).min(self.wheel - 1), entry))
                });
                match (relayed, direct) {
                    (Ok(a), Ok(b)) if b.0 < a.0 => Ok(b),
                    (Ok(a), _) => Ok(a),
                    (Err(_), d) => d,
                }
            }
        }
    }

    /// Recursive routing: `msg` itself travels from `from` towards `entry`, each relay passing
    /// it to the contact it knows nearest `entry` (the sender's cache included), until it
    /// reaches a peer that holds `entry` among its near contacts (the entry's neighbourhood,
    /// where the committee sits), which spreads it: the delay and that peer.
    fn relay(
        &mut self,
        msg: &Message,
        from: PeerIdx,
        entry: PeerIdx,
        tables: &RoutingTables,
        rng: &mut Pcg64Mcg,
    ) -> Result<(u32, PeerIdx), Fate> {
        let contacts = &self.mailbox.contacts;
        let cached = contacts
            .owns(from)
            .then(|| contacts.known(from, self.now))
            .into_iter()
            .flatten();
        let first = tables.nearer_with::<ANSWER>(from, entry, cached);
        self.relay_hop(msg, from, entry, first, 0, tables, rng)
            .map(|(delay, root)| (delay.min(self.wheel - 1), root))
    }

    /// One relay hop from `at` (reached `delay` ticks after sending), then the rest of the
    /// route. Every hop is a sent protocol message with its own faults, loss and delay, and
    /// its receiver acknowledges it (a routing datagram, counted with lookups). Without the
    /// acknowledgement `at` waits `DHT_RPC_TIMEOUT` and passes the message to its next option,
    /// up to `DHT_HOP_TRIES` tries; a copy whose acknowledgement alone was lost goes on too (a
    /// fork, counted hop by hop; the earliest copy to arrive is the one that spreads, as the
    /// peers there drop a proposal they already hold).
    #[allow(clippy::too_many_arguments)]
    fn relay_hop(
        &mut self,
        msg: &Message,
        at: PeerIdx,
        entry: PeerIdx,
        options: Answer,
        mut delay: u32,
        tables: &RoutingTables,
        rng: &mut Pcg64Mcg,
    ) -> Result<(u32, PeerIdx), Fate> {
        let mut best: Result<(u32, PeerIdx), Fate> = Err(Fate::Lost);
        for attempt in 0..ANSWER {
            let next = options[attempt.min(options.len() - 1)];
            let arrived = match self.hop(msg, at, next, rng) {
                Ok(d) => delay + d,
                Err(fate) => {
                    if best.is_err() {
                        best = Err(fate);
                    }
                    delay += DHT_RPC_TIMEOUT;
                    continue;
                }
            };
            let acked = self.routing_datagram(next, at, rng);
            let onward = self.relay_on(msg, next, entry, arrived, tables, rng);
            best = earliest(best, onward);
            if acked {
                break;
            }
            delay += DHT_RPC_TIMEOUT;
        }
        best
    }

    /// The route on from `at`, reached `delay` ticks after sending.
    fn relay_on(
        &mut self,
        msg: &Message,
        at: PeerIdx,
        entry: PeerIdx,
        delay: u32,
        tables: &RoutingTables,
        rng: &mut Pcg64Mcg,
    ) -> Result<(u32, PeerIdx), Fate> {
        if at == entry || spreads_to(tables, at, entry) {
            return Ok((delay, at));
        }
        let options = match tables.contains(at, entry) {
            true => Answer::from_slice(&[entry]),
            false => tables.nearer::<ANSWER>(at, entry),
        };
        self.relay_hop(msg, at, entry, options, delay, tables, rng)
    }

    /// One routing datagram from `a` to `b` (an acknowledgement), counted with lookups:
    /// whether it arrived.
    fn routing_datagram(&mut self, a: PeerIdx, b: PeerIdx, rng: &mut Pcg64Mcg) -> bool {
        self.lookups.sent += 1;
        let arrived =
            self.faults.can_send(a, b, self.now) && self.link.sample_link(a, b, rng).is_some();
        if !arrived {
            self.lookups.dropped += 1;
        }
        arrived
    }

    /// `from`'s way to `to` (not in its table): the ticks until it knows `to`'s address,
    /// 0 for a cached contact. A lookup's result is cached as known from the tick the lookup
    /// ends, so a send before then waits for it rather than looking it up again.
    fn find(
        &mut self,
        from: PeerIdx,
        to: PeerIdx,
        tables: &RoutingTables,
        rng: &mut Pcg64Mcg,
    ) -> Result<Tick, LookupFailed> {
        // Every sender is its chunk's own peer; a stranger would look up uncached.
        let owned = self.mailbox.contacts.owns(from);
        debug_assert!(owned, "peer {from} sent through another chunk's outbox");
        if owned && let Some(wait) = self.mailbox.contacts.use_contact(from, to, self.now) {
            self.lookups.cache_hits += 1;
            return Ok(wait);
        }
        let took = self.look_up(from, to, tables, rng)?;
        if owned {
            self.mailbox.contacts.remember(from, to, self.now + took);
        }
        Ok(took)
    }

    /// The lookup itself (`engine/dht_lookup.rs`), counted as lookup traffic. It starts from
    /// the contacts `from` knows nearest `to`, its cache's included: a cached peer near the
    /// target saves the hops the table's far contacts would take.
    fn look_up(
        &mut self,
        from: PeerIdx,
        to: PeerIdx,
        tables: &RoutingTables,
        rng: &mut Pcg64Mcg,
    ) -> Result<Tick, LookupFailed> {
        let contacts = &self.mailbox.contacts;
        let cached = contacts
            .owns(from)
            .then(|| contacts.known(from, self.now))
            .into_iter()
            .flatten();
        let first = tables.nearer_with::<ANSWER>(from, to, cached);
        LookupNet {
            tables,
            faults: self.faults,
            link: self.link,
            now: self.now,
            counts: self.lookups,
        }
        .walk(from, to, first, rng)
    }

    /// `me` heard from `from` (a message delivered): on dht, `from` enters `me`'s cache
    /// unless its routing table holds it, so a reply goes back without a lookup.
    #[inline(always)]
    pub fn heard(&mut self, me: PeerIdx, from: PeerIdx) {
        if let Some(routes) = self.routes
            && let Some(tables) = routes.dht()
        {
            self.remember_sender(me, from, tables);
        }
    }

    #[inline(never)]
    fn remember_sender(&mut self, me: PeerIdx, from: PeerIdx, tables: &RoutingTables) {
        if me != from && !tables.contains(me, from) && self.mailbox.contacts.owns(me) {
            self.mailbox.contacts.remember(me, from, self.now);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{DHT_HOP_TRIES, DHT_RPC_TIMEOUT};
    use crate::engine::outbox::fixture::RoutedNet;
    use crate::model::dht::lookup_counts::LookupCounts;
    use crate::model::dht::routing_table::position_distance;
    use crate::model::faults::FaultState;
    use crate::model::ids::PeerIdx;
    use crate::model::message::{Kind, Message};
    use crate::model::rng::{Stream, stream};

    /// Any code: the engine carries every kind alike.
    const KIND: Kind = Kind(7);
    const N: u32 = 1_000;
    /// A sender in chunk 0, whose caches the fixture's outbox holds.
    const FROM: PeerIdx = 10;

    fn msg(to: PeerIdx) -> Message {
        crate::testing::message(KIND, FROM, to, 0, 0)
    }

    /// A peer `FROM` reaches by a lookup of `hops` queries.
    fn stranger(net: &RoutedNet, hops: u32) -> PeerIdx {
        (0..N)
            .find(|&q| net.tables().lookup_hops(FROM, q) == hops)
            .expect("such a peer")
    }

    #[test]
    fn a_contact_in_the_routing_table_costs_one_message_and_no_lookup() {
        let mut net = RoutedNet::dht(N, 0.0);
        let far = net.tables().buckets(FROM).last().expect("a bucket contact");
        assert!(position_distance(FROM, far, N) > 8);
        let mut rng = stream(1, Stream::Deliver, 0, 0);
        net.outbox().send(msg(far), &mut rng);
        assert_eq!(net.sent.get(KIND), 1);
        assert_eq!(net.lookups, LookupCounts::default());
        assert_eq!(net.due(1), vec![far]);
    }

    #[test]
    fn a_stranger_costs_a_lookup_with_every_query_and_reply_counted_then_one_message() {
        let mut net = RoutedNet::dht(N, 0.0);
        let to = stranger(&net, 2);
        let mut rng = stream(1, Stream::Deliver, 0, 0);
        net.outbox().send(msg(to), &mut rng);
        // Two queries and their replies, one tick each way, then the message itself.
        assert_eq!((net.lookups.lookups, net.lookups.sent), (1, 4));
        assert_eq!(
            net.sent.get(KIND),
            1,
            "lookups are not the protocol's messages"
        );
        assert_eq!(net.due(5), vec![to]);
        // Cached now: a later send goes directly, one message, no lookup.
        net.outbox_at(10).send(msg(to), &mut rng);
        assert_eq!((net.lookups.lookups, net.lookups.sent), (1, 4));
        assert_eq!(net.lookups.cache_hits, 1);
        assert_eq!(net.sent.get(KIND), 2);
        assert_eq!(net.due(11), vec![to]);
    }

    #[test]
    fn a_send_while_the_lookup_is_under_way_waits_for_it_and_looks_up_nothing() {
        let mut net = RoutedNet::dht(N, 0.0);
        let to = stranger(&net, 2);
        let mut rng = stream(1, Stream::Deliver, 0, 0);
        net.outbox().send(msg(to), &mut rng);
        net.outbox_at(2).send(msg(to), &mut rng);
        assert_eq!((net.lookups.lookups, net.lookups.cache_hits), (1, 1));
        // The lookup ends at tick 4; both messages leave then and arrive at 5.
        assert_eq!(net.due(5), vec![to, to]);
    }

    #[test]
    fn a_query_to_an_offline_peer_is_retried_at_the_next_nearest_contact() {
        let mut net = RoutedNet::dht(N, 0.0);
        let to = stranger(&net, 1);
        let first = net.tables().nearer::<3>(FROM, to)[0];
        let faults = &mut net.faults;
        faults.state = FaultState::Active;
        faults.group = vec![0; N as usize];
        faults.offline_until = vec![0; N as usize];
        faults.offline_until[first as usize] = 100;
        let mut rng = stream(1, Stream::Deliver, 0, 0);
        net.outbox().send(msg(to), &mut rng);
        let l = net.lookups;
        // The cut query (1 datagram, lost), then the next contact's query and reply.
        assert_eq!((l.lookups, l.sent, l.dropped, l.failed), (1, 3, 1, 0));
        let second = net.tables().nearer::<3>(FROM, to)[1];
        if net.tables().contains(second, to) {
            // A timeout, one round trip, the message.
            assert_eq!(net.due((DHT_RPC_TIMEOUT + 2 + 1) as usize), vec![to]);
        }
        assert_eq!(net.sent.get(KIND), 1);
    }

    #[test]
    fn a_lookup_that_loses_every_try_gives_up_and_the_message_is_not_sent() {
        let mut net = RoutedNet::dht(N, 1.0);
        let to = stranger(&net, 2);
        let mut rng = stream(1, Stream::Deliver, 0, 0);
        net.outbox().send(msg(to), &mut rng);
        let l = net.lookups;
        // Every query lost at the first hop: the tries are bounded.
        assert_eq!(
            (l.lookups, l.sent, l.dropped, l.failed),
            (1, DHT_HOP_TRIES as u64, 3, 1)
        );
        assert_eq!(net.sent.total() + net.dropped.total(), 0);
        // Nothing learned: the next send looks up again.
        net.outbox().send(msg(to), &mut rng);
        assert_eq!(net.lookups.lookups, 2);
    }

    #[test]
    fn lost_queries_under_random_loss_are_retried_and_cost_their_timeouts() {
        // At 40 % loss some lookups lose a query or a reply and still end: each loss is a
        // datagram more and a timeout later.
        let mut net = RoutedNet::dht(N, 0.4);
        let mut rng = stream(3, Stream::Deliver, 0, 0);
        let mut retried = 0;
        for to in (300..N).step_by(7) {
            let before = net.lookups;
            net.outbox_at(0).send(msg(to), &mut rng);
            let l = net.lookups;
            let (lost, failed) = (l.dropped - before.dropped, l.failed - before.failed);
            if l.lookups > before.lookups && lost > 0 && failed == 0 {
                retried += 1;
            }
            // Each query is answered, or costs one lost datagram; sent = 2 x answered + lost
            // queries + lost replies, so at least lost and at most twice lost beyond the answers.
            assert!(l.sent - before.sent >= lost);
        }
        assert!(retried > 0, "some lookup recovered from a loss");
    }

    #[test]
    fn a_lookup_starts_from_a_cached_contact_near_its_target() {
        let mut net = RoutedNet::dht(N, 0.0);
        let to = stranger(&net, 3);
        let beside = (to + 1) % N;
        let mut rng = stream(1, Stream::Deliver, 0, 0);
        // FROM heard from a peer beside the target: its table holds the target.
        net.outbox().heard(FROM, beside);
        net.outbox().send(msg(to), &mut rng);
        assert_eq!(
            (net.lookups.lookups, net.lookups.sent),
            (1, 2),
            "one query, not three"
        );
        assert_eq!(net.due(3), vec![to]);
    }

    #[test]
    fn hearing_from_a_stranger_caches_it_so_the_reply_needs_no_lookup() {
        let mut net = RoutedNet::dht(N, 0.0);
        let to = stranger(&net, 2);
        let mut rng = stream(1, Stream::Deliver, 0, 0);
        net.outbox().heard(FROM, to);
        net.outbox().send(msg(to), &mut rng);
        assert_eq!((net.lookups.lookups, net.lookups.cache_hits), (0, 1));
        assert_eq!(net.due(1), vec![to]);
    }
}
