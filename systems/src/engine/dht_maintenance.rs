//! Routing-table maintenance on the dht topology under session churn: what one peer does in
//! a round, and when it comes back online.
//!
//! - **Round** (every `maintenance_every` ticks a peer): it pings `DHT_PINGS_PER_ROUND` of its
//!   bucket contacts, in turn through its table. A ping is a request and a reply, tried up to
//!   `DHT_PING_TRIES` times; a contact that answers no try is dead. For a dead contact the
//!   peer looks up a position drawn uniformly in the contact's band (Kademlia's bucket
//!   refresh), then pings the peers at and next to it, one try each, up to
//!   `DHT_STAND_IN_TRIES`: the first to answer takes the dead contact's place.
//! - **Join**: a peer back online looks up its own position, starting from its farthest
//!   contacts as a new node starts from a bootstrap peer, then makes a round at once.
//!
//! Near peers are implicit in the position and are neither pinged nor replaced; a lookup
//! steps past an offline one by its retries. Every datagram has its own faults, loss and
//! delay and is counted in [`MaintenanceCounts`]. A round is worked out whole at its tick
//! (timeouts cost no time here), reading the tables only; its replacements are returned and
//! applied after every peer's round, so the outcome does not depend on the thread count.

use crate::config::{DHT_PING_TRIES, DHT_PINGS_PER_ROUND, DHT_STAND_IN_TRIES};
use crate::engine::dht_lookup::{ANSWER, Answer, LookupNet};
use crate::model::dht::maintenance_counts::MaintenanceCounts;
use crate::model::dht::routing_table::{RoutingTables, position_distance};
use crate::model::faults::Faults;
use crate::model::ids::{PeerIdx, Tick};
use crate::model::links::LinkBehaviour;
use rand::Rng;
use rand_pcg::Pcg64Mcg;

/// A dead contact of `peer`'s table and the live peer that takes its place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Repair {
    pub peer: PeerIdx,
    pub dead: PeerIdx,
    pub stand_in: PeerIdx,
}

/// One chunk's maintenance at one tick: what it reads, and what it counts and decides.
pub struct Maintainer<'a> {
    pub tables: &'a RoutingTables,
    pub faults: &'a Faults,
    pub link: LinkBehaviour,
    pub now: Tick,
    pub counts: &'a mut MaintenanceCounts,
    pub repairs: &'a mut Vec<Repair>,
}

impl Maintainer<'_> {
    fn net(&mut self) -> LookupNet<'_> {
        LookupNet {
            tables: self.tables,
            faults: self.faults,
            link: self.link,
            now: self.now,
            counts: &mut self.counts.wire,
        }
    }

    /// `p` is back online: it looks up its own place, then makes round `turn`.
    pub fn join(&mut self, p: PeerIdx, turn: u64, rng: &mut Pcg64Mcg) {
        let mut farthest: Vec<PeerIdx> = self.tables.buckets(p).collect();
        farthest.sort_by_key(|&q| std::cmp::Reverse(position_distance(p, q, self.tables.peers())));
        let first: Answer = farthest.into_iter().take(ANSWER).collect();
        if !first.is_empty() {
            // A failed lookup leaves the peer where it was: its table is still its own.
            let _ = self.net().walk(p, p, first, rng);
        }
        self.round(p, turn, rng);
    }

    /// Round `turn` of `p`: it pings the next contacts of its table and looks for stand-ins
    /// for the dead ones.
    pub fn round(&mut self, p: PeerIdx, turn: u64, rng: &mut Pcg64Mcg) {
        let held = self.tables.buckets(p).len() as u64;
        if held == 0 {
            return;
        }
        let per_round = DHT_PINGS_PER_ROUND as u64;
        for i in 0..per_round.min(held) {
            let slot = ((turn * per_round + i) % held) as usize;
            let Some(contact) = self.tables.buckets(p).nth(slot) else {
                continue;
            };
            if !self.ping(p, contact, DHT_PING_TRIES, rng) {
                self.counts.dead += 1;
                self.stand_in(p, contact, rng);
            }
        }
    }

    /// Whether `q` answers one of `tries` pings from `p`.
    fn ping(&mut self, p: PeerIdx, q: PeerIdx, tries: u32, rng: &mut Pcg64Mcg) -> bool {
        self.counts.pings += 1;
        (0..tries).any(|_| self.net().query(p, q, rng).is_some())
    }

    /// `p` looks for a live peer in `dead`'s band to take its place.
    fn stand_in(&mut self, p: PeerIdx, dead: PeerIdx, rng: &mut Pcg64Mcg) {
        let tables = self.tables;
        let band = tables.band_of(p, dead);
        let d = rng.random_range(band.lo..=band.hi);
        let target = tables.at_distance(p, band, d);
        if !tables.contains(p, target) && self.net().look_up(p, target, rng).is_err() {
            return;
        }
        // The lookup's last hop knows the target's neighbours: the target, then one step
        // out and one step in, kept inside the band.
        let nearby = [
            d,
            d.saturating_add(1).min(band.hi),
            d.saturating_sub(1).max(band.lo),
        ];
        let mut tried = 0;
        for (k, &dk) in nearby.iter().enumerate() {
            let q = tables.at_distance(p, band, dk);
            if nearby[..k].contains(&dk) || q == dead || q == p || tables.contains(p, q) {
                continue;
            }
            if tried == DHT_STAND_IN_TRIES {
                break;
            }
            tried += 1;
            if self.ping(p, q, 1, rng) {
                self.counts.replaced += 1;
                self.repairs.push(Repair {
                    peer: p,
                    dead,
                    stand_in: q,
                });
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{DelayModel, SimConfig};
    use crate::model::dht::routing_table::RoutingTables;
    use crate::model::faults::FaultState;
    use crate::model::rng::{Stream, stream};

    const N: u32 = 1_000;

    /// A dht ring of `N` peers, links of one tick, loss `loss`, everyone online.
    struct Ring {
        tables: RoutingTables,
        faults: Faults,
        link: LinkBehaviour,
    }

    impl Ring {
        fn new(loss: f64) -> Self {
            let config = SimConfig {
                peers: N,
                ..SimConfig::default()
            };
            let mut faults = Faults::new(&config);
            faults.state = FaultState::Active;
            faults.group = vec![0; N as usize];
            faults.offline_until = vec![0; N as usize];
            Self {
                tables: RoutingTables::new(N, 11),
                faults,
                link: LinkBehaviour::new(loss, DelayModel::Uniform { min: 1, max: 1 }),
            }
        }

        /// Runs `f` with a maintainer at tick 0; its counts and repairs.
        fn maintain(
            &self,
            f: impl FnOnce(&mut Maintainer<'_>),
        ) -> (MaintenanceCounts, Vec<Repair>) {
            let (mut counts, mut repairs) = (MaintenanceCounts::default(), Vec::new());
            let mut m = Maintainer {
                tables: &self.tables,
                faults: &self.faults,
                link: self.link,
                now: 0,
                counts: &mut counts,
                repairs: &mut repairs,
            };
            f(&mut m);
            (counts, repairs)
        }
    }

    #[test]
    fn live_contacts_answer_their_pings_and_nothing_is_replaced() {
        let ring = Ring::new(0.0);
        let mut rng = stream(1, Stream::Maintenance, 0, 0);
        let (c, repairs) = ring.maintain(|m| m.round(5, 0, &mut rng));
        assert_eq!((c.pings, c.dead, c.replaced), (2, 0, 0));
        assert_eq!((c.wire.sent, c.wire.dropped, c.wire.lookups), (4, 0, 0));
        assert!(repairs.is_empty());
    }

    #[test]
    fn a_dead_contact_is_replaced_after_a_failed_ping_by_a_live_peer_of_its_band() {
        let mut ring = Ring::new(0.0);
        let p = 5;
        let dead = ring.tables.buckets(p).next().expect("a contact");
        ring.faults.offline_until[dead as usize] = 100;
        let mut rng = stream(1, Stream::Maintenance, 0, 0);
        let (c, repairs) = ring.maintain(|m| m.round(p, 0, &mut rng));
        assert_eq!((c.pings, c.dead, c.replaced), (2 + 1, 1, 1), "{c:?}");
        // Two tries at the dead one: two requests, both cut.
        assert!(c.wire.dropped >= 2 && c.wire.lookups <= 1, "{c:?}");
        let [repair] = repairs[..] else {
            panic!("one repair: {repairs:?}")
        };
        assert_eq!((repair.peer, repair.dead), (p, dead));
        let t = &ring.tables;
        assert_eq!(t.band_of(p, repair.stand_in), t.band_of(p, dead));
        assert!(ring.faults.is_online(repair.stand_in, 0));
        assert!(t.replace(p, dead, repair.stand_in));
        assert!(t.contains(p, repair.stand_in) && !t.contains(p, dead));
    }

    #[test]
    fn a_joining_peer_looks_up_its_own_place_and_the_lookup_is_counted() {
        let ring = Ring::new(0.0);
        let p = 500;
        let mut rng = stream(1, Stream::Maintenance, 0, 0);
        let (c, repairs) = ring.maintain(|m| m.join(p, 0, &mut rng));
        assert_eq!((c.wire.lookups, c.wire.failed), (1, 0));
        // Queries and replies from its farthest contact to its neighbourhood, then the pings.
        let pings = 2 * DHT_PINGS_PER_ROUND as u64;
        assert!(c.wire.sent >= 2 + pings, "{c:?}");
        assert_eq!(c.wire.sent % 2, 0, "nothing lost: every query answered");
        assert!(repairs.is_empty());
    }

    #[test]
    fn rounds_go_through_the_whole_table_in_turn() {
        let mut ring = Ring::new(0.0);
        let p = 7;
        let contacts: Vec<PeerIdx> = ring.tables.buckets(p).collect();
        let turns = (contacts.len() as u64).div_ceil(DHT_PINGS_PER_ROUND as u64);
        // Each contact, alone offline, is found dead in exactly one of the table's turns.
        for &q in &contacts {
            ring.faults.offline_until[q as usize] = 100;
            let found = (0..turns)
                .filter(|&turn| {
                    let mut rng = stream(1, Stream::Maintenance, turn as u32, p as u64);
                    ring.maintain(|m| m.round(p, turn, &mut rng)).0.dead == 1
                })
                .count();
            assert_eq!(found, 1, "contact {q}");
            ring.faults.offline_until[q as usize] = 0;
        }
    }
}
