//! The contact caches of one chunk's peers on the dht topology: peers each has looked up or
//! heard from, at most `DHT_CACHE` a peer, least recently used evicted first.
//!
//! A cache is changed only by its own peer's chunk (as the peer sends, and as it hears from
//! others in the delivery pass), so sending stays lock-free and the contents do not depend on
//! the thread count. Caches live in one flat array per chunk and a peer gets its page of
//! `DHT_CACHE` slots the first time it caches anyone: no per-peer allocation, and peers that
//! never send to a stranger cost 4 bytes.

use crate::config::DHT_CACHE;
use crate::model::ids::{PeerIdx, Tick};

/// No page yet.
const NO_PAGE: u32 = u32::MAX;
/// A free slot.
const FREE: PeerIdx = PeerIdx::MAX;

/// One chunk's contact caches.
#[derive(Debug, Default)]
pub struct ContactCaches {
    first: PeerIdx,
    /// Per peer of the chunk: its page, or `NO_PAGE`.
    page_of: Vec<u32>,
    /// `peers[page * DHT_CACHE + i]`: a cached contact, or `FREE`.
    peers: Vec<PeerIdx>,
    /// The tick each contact was last used, heard from or learned. A lookup still under way
    /// stamps its result with the tick it will complete: a send before then waits for it,
    /// and the entry, the most recent of all, is not evicted before.
    stamps: Vec<Tick>,
}

impl ContactCaches {
    /// Empty caches for the `len` peers from `first` on.
    pub fn new(first: PeerIdx, len: u32) -> Self {
        Self {
            first,
            page_of: vec![NO_PAGE; len as usize],
            peers: Vec::new(),
            stamps: Vec::new(),
        }
    }

    /// Whether `owner` belongs to this chunk.
    #[inline]
    pub fn owns(&self, owner: PeerIdx) -> bool {
        owner
            .checked_sub(self.first)
            .is_some_and(|i| (i as usize) < self.page_of.len())
    }

    #[inline]
    fn page(&self, owner: PeerIdx) -> Option<usize> {
        let p = self.page_of[(owner - self.first) as usize];
        (p != NO_PAGE).then_some(p as usize * DHT_CACHE)
    }

    #[inline]
    fn find(&self, base: usize, peer: PeerIdx) -> Option<usize> {
        self.peers[base..base + DHT_CACHE]
            .iter()
            .position(|&q| q == peer)
            .map(|i| base + i)
    }

    /// Sends from `owner` to `peer` at `now` if cached: the ticks to wait for its lookup to
    /// complete (0 once known), and the entry becomes the most recently used.
    pub fn use_contact(&mut self, owner: PeerIdx, peer: PeerIdx, now: Tick) -> Option<Tick> {
        let i = self.find(self.page(owner)?, peer)?;
        let wait = self.stamps[i].saturating_sub(now);
        self.stamps[i] = self.stamps[i].max(now);
        Some(wait)
    }

    /// `owner` knows `peer` from tick `at` on (a lookup's result, or a message heard): a new
    /// entry takes a free slot or evicts the least recently used one (the lowest stamp, the
    /// first such slot on a tie); a cached one is refreshed.
    pub fn remember(&mut self, owner: PeerIdx, peer: PeerIdx, at: Tick) {
        let base = match self.page(owner) {
            Some(base) => base,
            None => {
                let page = (self.peers.len() / DHT_CACHE) as u32;
                self.page_of[(owner - self.first) as usize] = page;
                self.peers.resize(self.peers.len() + DHT_CACHE, FREE);
                self.stamps.resize(self.stamps.len() + DHT_CACHE, 0);
                page as usize * DHT_CACHE
            }
        };
        if let Some(i) = self.find(base, peer) {
            self.stamps[i] = self.stamps[i].max(at);
            return;
        }
        let slot = match self.find(base, FREE) {
            Some(i) => i,
            None => {
                let stamps = &self.stamps[base..base + DHT_CACHE];
                let oldest = stamps
                    .iter()
                    .enumerate()
                    .min_by_key(|&(i, &s)| (s, i))
                    .map_or(0, |(i, _)| i);
                base + oldest
            }
        };
        self.peers[slot] = peer;
        self.stamps[slot] = at;
    }

    /// The contacts `owner` holds now (for tests and the memory census).
    pub fn contacts(&self, owner: PeerIdx) -> Vec<PeerIdx> {
        self.page(owner).map_or_else(Vec::new, |base| {
            self.peers[base..base + DHT_CACHE]
                .iter()
                .copied()
                .filter(|&q| q != FREE)
                .collect()
        })
    }

    /// Heap bytes the chunk's caches take.
    pub fn bytes(&self) -> usize {
        (self.page_of.capacity() + self.peers.capacity() + self.stamps.capacity()) * 4
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cache_evicts_its_least_recently_used_contact_and_stays_bounded() {
        let mut c = ContactCaches::new(100, 10);
        let owner = 103;
        for (t, peer) in (0..DHT_CACHE as u32).enumerate() {
            c.remember(owner, 1_000 + peer, t as Tick);
        }
        assert_eq!(c.contacts(owner).len(), DHT_CACHE);
        // Using the oldest makes the second oldest the one to go.
        assert_eq!(c.use_contact(owner, 1_000, 300), Some(0));
        c.remember(owner, 5_000, 301);
        let held = c.contacts(owner);
        assert_eq!(held.len(), DHT_CACHE, "bounded");
        assert!(held.contains(&1_000) && held.contains(&5_000));
        assert!(!held.contains(&1_001), "the least recently used left");
        // Other peers of the chunk are untouched and cost no page.
        assert!(c.contacts(104).is_empty());
        assert_eq!(c.peers.len(), DHT_CACHE);
    }

    #[test]
    fn a_contact_still_being_looked_up_makes_a_send_wait_for_it() {
        let mut c = ContactCaches::new(0, 4);
        c.remember(2, 77, 15);
        assert_eq!(c.use_contact(2, 77, 10), Some(5));
        assert_eq!(c.use_contact(2, 77, 20), Some(0));
        assert_eq!(c.use_contact(2, 78, 20), None);
        assert_eq!(c.use_contact(3, 77, 20), None, "caches are per peer");
        assert!(c.owns(3) && !c.owns(4));
    }
}
