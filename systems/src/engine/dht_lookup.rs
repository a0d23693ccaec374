//! One iterative lookup on the dht topology, as in Kademlia with alpha = 1: the querier asks
//! the contact it knows nearest the target for the contacts that one knows nearer still, and
//! so on, until a reply names the target (the queried peer holds it in its table). Each query
//! and each reply is a datagram with its own faults, loss and delay. A lost one costs
//! `DHT_RPC_TIMEOUT` ticks and the query goes to the next-nearest contact of the last answer,
//! up to `DHT_HOP_TRIES` tries a hop; when all fail the lookup gives up.
//!
//! Sends run it for a stranger (`engine/dht_send.rs`, counted as lookup traffic), and
//! maintenance for a joining peer's own place and a dead contact's stand-in
//! (`engine/dht_maintenance.rs`, counted as maintenance). Draws come from the caller's stream.

use crate::config::{DHT_HOP_TRIES, DHT_RPC_TIMEOUT};
use crate::model::dht::lookup_counts::LookupCounts;
use crate::model::dht::routing_table::RoutingTables;
use crate::model::faults::Faults;
use crate::model::ids::{PeerIdx, Tick};
use crate::model::links::LinkBehaviour;
use rand_pcg::Pcg64Mcg;
use smallvec::SmallVec;

/// Contacts a lookup reply names: as many as a hop has tries.
pub const ANSWER: usize = DHT_HOP_TRIES as usize;

/// Contacts to query next, nearest first.
pub type Answer = SmallVec<[PeerIdx; ANSWER]>;

/// A lookup that gave up: every try at one hop was lost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LookupFailed;

/// What a lookup's datagrams cross and where they are counted.
pub struct LookupNet<'a> {
    pub tables: &'a RoutingTables,
    pub faults: &'a Faults,
    pub link: LinkBehaviour,
    pub now: Tick,
    pub counts: &'a mut LookupCounts,
}

impl LookupNet<'_> {
    /// `from` looks up `to` (not in its own table): the lookup's duration in ticks.
    pub fn look_up(
        &mut self,
        from: PeerIdx,
        to: PeerIdx,
        rng: &mut Pcg64Mcg,
    ) -> Result<Tick, LookupFailed> {
        let first = self.tables.nearer::<ANSWER>(from, to);
        self.walk(from, to, first, rng)
    }

    /// `from` looks `to` up, asking `first` first (nearest first; not empty): the lookup's
    /// duration, and the peer whose table named `to`.
    pub fn walk(
        &mut self,
        from: PeerIdx,
        to: PeerIdx,
        first: Answer,
        rng: &mut Pcg64Mcg,
    ) -> Result<Tick, LookupFailed> {
        self.counts.lookups += 1;
        let mut took: Tick = 0;
        let mut answer = first;
        loop {
            let mut reached = None;
            for attempt in 0..ANSWER {
                let asked = answer[attempt.min(answer.len() - 1)];
                match self.query(from, asked, rng) {
                    Some(round_trip) => {
                        took += round_trip;
                        reached = Some(asked);
                        break;
                    }
                    None => took += DHT_RPC_TIMEOUT,
                }
            }
            let Some(asked) = reached else {
                self.counts.failed += 1;
                return Err(LookupFailed);
            };
            if self.tables.contains(asked, to) {
                return Ok(took);
            }
            answer = self.tables.nearer::<ANSWER>(asked, to);
        }
    }

    /// One query from `from` to `asked` and its reply: two datagrams, each cut by faults or
    /// lost like any message; the round trip's ticks if both arrive.
    pub fn query(&mut self, from: PeerIdx, asked: PeerIdx, rng: &mut Pcg64Mcg) -> Option<Tick> {
        let mut round_trip = 0;
        for (a, b) in [(from, asked), (asked, from)] {
            self.counts.sent += 1;
            let delay = match self.faults.can_send(a, b, self.now) {
                true => self.link.sample_link(a, b, rng),
                false => None,
            };
            match delay {
                Some(d) => round_trip += d,
                None => {
                    self.counts.dropped += 1;
                    return None;
                }
            }
        }
        Some(round_trip)
    }
}
