//! One message to a group of peers that sit together on the ring (a committee).
//!
//! On the one-hop topologies this is one send per receiver. On small-world, where a send to
//! an unknown peer is routed hop by hop, sending the same message separately to each of 32
//! neighbours of one key would route it 32 times across the ring; a real overlay routes it
//! once to the group and spreads it there over the ring's near links. So the message is
//! routed once to an `entry` peer of the group, then forwarded along the ring by "stations"
//! every `near` positions on each side (a peer knows the `near` peers on each side of it):
//! a receiver `d` positions from the entry gets it from station `(d - 1) / near`, and each
//! station from the one before. Every link crossed is one sent message; a link that loses it
//! loses it for every receiver behind that link.
//!
//! On dht the entry is reached directly when the sender knows it, else by a relay towards it
//! (`engine/dht_send.rs`); the spreading is the same, from the entry or from the first relay
//! beside it, over near contacts, which every routing table holds.

use crate::engine::outbox::Outbox;
use crate::model::ids::PeerIdx;
use crate::model::message::Message;
use crate::model::routes::Routes;
use crate::model::trace::Fate;
use rand_pcg::Pcg64Mcg;
use smallvec::SmallVec;

/// Where the spreading part of a multicast stands at one station: reached after a delay, or
/// lost on the way (every receiver behind it then loses the message).
#[derive(Clone, Copy)]
enum Station {
    Reached(u32),
    Gone(Fate),
}

impl<const TRACED: bool> Outbox<'_, TRACED> {
    /// Sends `msg` to every peer of `to` (ring positions, ascending), through `entry` (a peer
    /// in or beside the group) when the topology routes; see the module notes.
    pub fn multicast(&mut self, msg: Message, entry: PeerIdx, to: &[PeerIdx], rng: &mut Pcg64Mcg) {
        match self.routes {
            Some(routes) => self.spread(msg, entry, to, routes, rng),
            None => {
                for &p in to {
                    self.send(Message { to: p, ..msg }, rng);
                }
            }
        }
    }

    #[inline(never)]
    fn spread(
        &mut self,
        msg: Message,
        entry: PeerIdx,
        to: &[PeerIdx],
        routes: &Routes,
        rng: &mut Pcg64Mcg,
    ) {
        // On dht, receivers whose address the sender knows get it directly (one datagram
        // each, as spread), and the spreading may start short of the entry, beside it.
        let mut rest: SmallVec<[PeerIdx; 96]> = SmallVec::new();
        let to = match routes {
            Routes::Dht(tables) => {
                for &p in to {
                    match p != msg.from && self.knows(msg.from, p, tables) {
                        true => self.send(Message { to: p, ..msg }, rng),
                        false => rest.push(p),
                    }
                }
                if rest.is_empty() {
                    return;
                }
                &rest[..]
            }
            Routes::SmallWorld(_) => to,
        };
        let reach = match routes {
            Routes::SmallWorld(sw) => self
                .walk(&msg, msg.from, entry, sw, rng)
                .map(|d| (d, entry)),
            Routes::Dht(tables) => self.reach_entry(&msg, entry, to, tables, rng),
        };
        let (base, entry) = match reach {
            Ok(reached) => reached,
            Err(fate) => {
                for &p in to {
                    self.trace_send(&Message { to: p, ..msg }, fate, None);
                }
                return;
            }
        };
        let n = routes.peers();
        let near = routes.near_reach().max(1);
        // Receivers by side and distance from the entry, nearest first.
        let mut order: SmallVec<[(bool, u32, PeerIdx); 96]> = to
            .iter()
            .map(|&p| {
                let up = (p + n - entry) % n;
                if up <= n / 2 {
                    (true, up, p)
                } else {
                    (false, n - up, p)
                }
            })
            .collect();
        order.sort_unstable();
        for side in [false, true] {
            let mut stations: SmallVec<[Station; 8]> = SmallVec::new();
            stations.push(Station::Reached(base));
            let at = |k: u32| {
                if side {
                    (entry + k * near) % n
                } else {
                    (entry + n - (k * near) % n) % n
                }
            };
            for &(_, d, p) in order.iter().filter(|r| r.0 == side) {
                let m = Message { to: p, ..msg };
                if d == 0 {
                    self.queue(m, base);
                    continue;
                }
                let k = ((d - 1) / near) as usize;
                // The stations up to k: each reached from the one before, once.
                while stations.len() <= k {
                    let j = stations.len() as u32;
                    let next = match stations[j as usize - 1] {
                        Station::Reached(delay) => {
                            let m = Message { to: at(j), ..msg };
                            match self.hop(&m, at(j - 1), at(j), rng) {
                                Ok(x) => Station::Reached((delay + x).min(self.wheel - 1)),
                                Err(fate) => Station::Gone(fate),
                            }
                        }
                        gone => gone,
                    };
                    stations.push(next);
                }
                let fate = match stations[k] {
                    Station::Reached(delay) => self
                        .hop(&m, at(k as u32), p, rng)
                        .map(|x| (delay + x).min(self.wheel - 1)),
                    Station::Gone(fate) => Err(fate),
                };
                // A receiver that is itself the next station is that station reached.
                if d % near == 0 && stations.len() == k + 1 {
                    stations.push(match fate {
                        Ok(delay) => Station::Reached(delay),
                        Err(f) => Station::Gone(f),
                    });
                }
                match fate {
                    Ok(delay) => self.queue(m, delay),
                    Err(f) => self.trace_send(&m, f, None),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::outbox::fixture::RoutedNet;
    use crate::model::message::Kind;

    /// Any codes: the engine carries every kind alike.
    const PROPOSE: Kind = Kind(7);
    const PUSH: Kind = Kind(9);
    use crate::model::rng::{Stream, stream};

    /// 32 peers around position 500 of a 1,000-peer ring, and a sender far from them.
    fn committee() -> Vec<u32> {
        (484..516).collect()
    }

    #[test]
    fn a_multicast_crosses_the_ring_once_then_one_link_per_receiver() {
        let mut net = RoutedNet::new(1_000, 0.0);
        let entry = 500;
        // Two hops away, so every delivery fits the test wheel's four slots.
        let from = (0..400)
            .find(|&q| net.routes().hops(q, entry) == 2)
            .expect("a peer two hops from the entry");
        let route = 2;
        let msg = crate::testing::message(PROPOSE, from, from, 0, 0);
        let mut rng = stream(1, Stream::Deliver, 0, 0);
        net.outbox().multicast(msg, entry, &committee(), &mut rng);
        // The route to the entry, then one link into each of the other 31 receivers (the
        // stations 8 positions out are receivers themselves).
        assert_eq!(net.sent.get(PROPOSE), route + 31);
        assert_eq!(net.dropped.total(), 0);
        // The entry when the route ends; its near peers a tick later; the rest one more.
        let r = 2;
        assert_eq!(net.due(r), vec![entry]);
        let mut near = net.due(r + 1);
        near.sort_unstable();
        assert_eq!(near, (492..=508).filter(|&p| p != 500).collect::<Vec<_>>());
        let mut far = net.due(r + 2);
        far.sort_unstable();
        assert_eq!(far, (484..492).chain(509..516).collect::<Vec<_>>());
    }

    #[test]
    fn a_link_that_loses_the_multicast_loses_it_for_everyone_behind_it() {
        // Every link loses: the first hop of the route, and nothing more is sent.
        let mut net = RoutedNet::new(1_000, 1.0);
        let msg = crate::testing::message(PUSH, 0, 0, 0, 0);
        let mut rng = stream(1, Stream::Deliver, 0, 0);
        net.outbox().multicast(msg, 500, &committee(), &mut rng);
        assert_eq!(net.sent.get(PUSH), 1);
        assert_eq!(net.dropped.get(PUSH), 1);
        assert!((0..4).all(|d| net.due(d).is_empty()));
    }

    #[test]
    fn a_dht_multicast_to_an_unknown_entry_is_relayed_then_goes_direct_once_acknowledged() {
        use crate::model::dht::routing_table::position_distance;
        let mut net = RoutedNet::dht(1_000, 0.0);
        let (entry, from) = (500, 10);
        let t = net.tables();
        // The relay's hops: greedy towards the entry until a peer holds it as a near contact.
        let (mut at, mut hops) = (from, 0);
        while position_distance(at, entry, 1_000) > t.near_reach() {
            at = match t.contains(at, entry) {
                true => entry,
                false => t.nearer::<1>(at, entry)[0],
            };
            hops += 1;
        }
        assert!(hops >= 2);
        let msg = crate::testing::message(PROPOSE, from, from, 0, 0);
        let mut rng = stream(1, Stream::Deliver, 0, 0);
        net.outbox().multicast(msg, entry, &committee(), &mut rng);
        // No lookup: the relay's hops are the message itself, then one link per receiver
        // (some behind a station); each hop's acknowledgement and the spreading peer's to
        // the sender are routing datagrams.
        assert_eq!((net.lookups.lookups, net.lookups.sent), (0, hops + 1));
        assert!(net.sent.get(PROPOSE) >= hops + 31);
        let mut got: Vec<u32> = (0..net.network.wheel as usize)
            .flat_map(|d| net.due(d))
            .collect();
        got.sort_unstable();
        assert_eq!(got, committee(), "every member once");
        // The acknowledgement named the entry and the members the spreading peer knows: the
        // next multicast goes to those directly, to the others through the entry; one
        // datagram a member, one more for the entry's relaying, nothing looked up.
        let (before, acks) = (net.sent.get(PROPOSE), net.lookups.sent);
        net.outbox_at(20)
            .multicast(msg, entry, &committee(), &mut rng);
        assert_eq!(net.lookups.lookups, 0);
        assert_eq!(net.lookups.sent, acks);
        assert!(net.lookups.cache_hits > 16, "{}", net.lookups.cache_hits);
        assert!((32..=33).contains(&(net.sent.get(PROPOSE) - before)));
        let direct = net.due(21).len();
        assert!(direct > 16, "{direct} members a tick after sending");
    }

    #[test]
    fn a_relay_hop_is_tried_three_times_then_the_sender_falls_back_to_a_lookup() {
        use crate::config::DHT_HOP_TRIES;
        // Every link loses: each try of the relay's first hop, then each try of the lookup's.
        let mut net = RoutedNet::dht(1_000, 1.0);
        let msg = crate::testing::message(PROPOSE, 10, 10, 0, 0);
        let mut rng = stream(1, Stream::Deliver, 0, 0);
        net.outbox().multicast(msg, 500, &committee(), &mut rng);
        let tries = DHT_HOP_TRIES as u64;
        assert_eq!(
            (net.sent.get(PROPOSE), net.dropped.get(PROPOSE)),
            (tries, tries)
        );
        assert_eq!((net.lookups.lookups, net.lookups.failed), (1, 1));
        assert_eq!(
            net.lookups.sent, tries,
            "the lookup's queries; no acknowledgement"
        );
    }

    #[test]
    fn relay_hops_lost_under_loss_are_retried_so_most_relays_arrive() {
        // At 30 % loss a one-way route of three or more hops and the spreading hop would
        // bring about a quarter through (0.7^4); acknowledged hops with retries bring more
        // than half (the spreading hop is not retried), each loss a datagram more.
        let mut net = RoutedNet::dht(1_000, 0.3);
        let mut rng = stream(2, Stream::Deliver, 0, 0);
        let (mut relayed, mut lost) = (0, 0);
        for (i, from) in (0..200).step_by(10).enumerate() {
            let entry = 500 + (i as u32 * 13) % 300;
            let msg = crate::testing::message(PROPOSE, from, from, 0, 0);
            let before = net.dropped.get(PROPOSE);
            net.outbox_at(i as u32 * 50)
                .multicast(msg, entry, &[entry], &mut rng);
            relayed += 1;
            lost += u32::from(net.dropped.get(PROPOSE) > before);
        }
        assert!(lost > 0, "some hop lost");
        let arrived: usize = (0..net.network.wheel as usize)
            .map(|d| net.due(d).len())
            .sum();
        assert!(arrived * 2 > relayed, "{arrived} of {relayed}");
    }

    #[test]
    fn a_sender_beside_the_entry_spreads_the_multicast_itself() {
        let mut net = RoutedNet::dht(1_000, 0.0);
        let msg = crate::testing::message(PROPOSE, 120, 120, 0, 0);
        let mut rng = stream(1, Stream::Deliver, 0, 0);
        // 12 positions from the entry, and every receiver among its near contacts: one link
        // to each, none through the entry.
        let to: Vec<u32> = (104..=136).filter(|&p| p != 120).collect();
        net.outbox().multicast(msg, 132, &to, &mut rng);
        assert_eq!(net.sent.get(PROPOSE), to.len() as u64);
        assert_eq!(net.lookups, Default::default());
        assert_eq!(net.due(1).len(), to.len());
    }

    #[test]
    fn a_sparse_multicast_pays_for_the_relays_on_the_way() {
        let mut net = RoutedNet::new(1_000, 0.0);
        let msg = crate::testing::message(PROPOSE, 500, 500, 0, 0);
        let mut rng = stream(1, Stream::Deliver, 0, 0);
        // From the entry itself to one peer 15 positions up: via the station at 508.
        net.outbox().multicast(msg, 500, &[515], &mut rng);
        assert_eq!(net.sent.get(PROPOSE), 2);
        assert_eq!(net.due(2), vec![515]);
    }
}
