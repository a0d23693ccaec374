//! The contact caches of one chunk's peers on the dht topology: peers each has looked up or
//! heard from, at most `DHT_CACHE` a peer, least recently used evicted first.
//!
//! A cache is changed only by its own peer's chunk (as the peer sends, and as it hears from
//! others in the delivery pass), so sending stays lock-free and the contents do not depend on
//! the thread count. Caches live in one flat slab per chunk, in segments of `SEGMENT`
//! contacts chained per peer, taken as a cache grows: no per-peer allocation, 6 bytes for a
//! peer that caches no one, and about 8 bytes a contact beyond (a full cache: 2 KiB).

use crate::config::DHT_CACHE;
use crate::model::ids::{PeerIdx, Tick};

/// Contacts a segment holds.
const SEGMENT: usize = 16;
/// No segment.
const NONE: u32 = u32::MAX;

/// One chunk's contact caches.
#[derive(Debug, Default)]
pub struct ContactCaches {
    first: PeerIdx,
    /// Per peer of the chunk: its first segment, or `NONE`.
    head: Vec<u32>,
    /// Per peer of the chunk: contacts it holds; contact `i` sits in the `i / SEGMENT`-th
    /// segment of its chain.
    count: Vec<u16>,
    /// Per segment: the next segment of its peer's chain, or `NONE`.
    next: Vec<u32>,
    /// `peers[segment * SEGMENT + i]`: a cached contact.
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
            head: vec![NONE; len as usize],
            count: vec![0; len as usize],
            ..Self::default()
        }
    }

    /// Whether `owner` belongs to this chunk.
    #[inline]
    pub fn owns(&self, owner: PeerIdx) -> bool {
        owner
            .checked_sub(self.first)
            .is_some_and(|i| (i as usize) < self.head.len())
    }

    /// `owner`'s contacts as slab ranges, segment by segment.
    fn ranges(&self, owner: PeerIdx) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
        let local = (owner - self.first) as usize;
        let mut left = self.count[local] as usize;
        let mut segment = self.head[local];
        std::iter::from_fn(move || {
            if segment == NONE || left == 0 {
                return None;
            }
            let base = segment as usize * SEGMENT;
            let take = left.min(SEGMENT);
            left -= take;
            segment = self.next[segment as usize];
            Some(base..base + take)
        })
    }

    /// Where `owner` holds `peer`, if it does.
    fn find(&self, owner: PeerIdx, peer: PeerIdx) -> Option<usize> {
        self.ranges(owner).find_map(|r| {
            self.peers[r.clone()]
                .iter()
                .position(|&q| q == peer)
                .map(|i| r.start + i)
        })
    }

    /// Whether `owner` caches `peer` (known, or its lookup under way).
    pub fn holds(&self, owner: PeerIdx, peer: PeerIdx) -> bool {
        self.find(owner, peer).is_some()
    }

    /// The ticks `owner` would wait at `now` to send to `peer` if cached (0 once known),
    /// without using the entry.
    pub fn use_wait(&self, owner: PeerIdx, peer: PeerIdx, now: Tick) -> Option<Tick> {
        self.find(owner, peer)
            .map(|i| self.stamps[i].saturating_sub(now))
    }

    /// Sends from `owner` to `peer` at `now` if cached: the ticks to wait for its lookup to
    /// complete (0 once known), and the entry becomes the most recently used.
    pub fn use_contact(&mut self, owner: PeerIdx, peer: PeerIdx, now: Tick) -> Option<Tick> {
        let i = self.find(owner, peer)?;
        let wait = self.stamps[i].saturating_sub(now);
        self.stamps[i] = self.stamps[i].max(now);
        Some(wait)
    }

    /// `owner` knows `peer` from tick `at` on (a lookup's result, or a message heard): a new
    /// entry takes the next free place or, in a full cache, evicts the least recently used
    /// one (the lowest stamp, the first such place on a tie); a cached one is refreshed.
    pub fn remember(&mut self, owner: PeerIdx, peer: PeerIdx, at: Tick) {
        if let Some(i) = self.find(owner, peer) {
            self.stamps[i] = self.stamps[i].max(at);
            return;
        }
        let local = (owner - self.first) as usize;
        let held = self.count[local] as usize;
        let slot = if held < DHT_CACHE {
            self.count[local] += 1;
            if held.is_multiple_of(SEGMENT) {
                self.grow(local)
            } else {
                self.ranges(owner).last().map_or(0, |r| r.end - 1)
            }
        } else {
            self.ranges(owner)
                .flat_map(|r| r.map(|i| (self.stamps[i], i)))
                .min()
                .map_or(0, |(_, i)| i)
        };
        self.peers[slot] = peer;
        self.stamps[slot] = at;
    }

    /// A new segment at the end of peer `local`'s chain; its first place.
    fn grow(&mut self, local: usize) -> usize {
        let segment = self.next.len() as u32;
        self.next.push(NONE);
        self.peers.resize(self.peers.len() + SEGMENT, 0);
        self.stamps.resize(self.stamps.len() + SEGMENT, 0);
        match self.head[local] {
            NONE => self.head[local] = segment,
            mut s => {
                while self.next[s as usize] != NONE {
                    s = self.next[s as usize];
                }
                self.next[s as usize] = segment;
            }
        }
        segment as usize * SEGMENT
    }

    /// The contacts `owner` knows the address of at `now` (lookups still under way left
    /// out): where its own lookups may start.
    pub fn known(&self, owner: PeerIdx, now: Tick) -> impl Iterator<Item = PeerIdx> + '_ {
        self.ranges(owner)
            .flat_map(move |r| r.filter(move |&i| self.stamps[i] <= now))
            .map(|i| self.peers[i])
    }

    /// The contacts `owner` holds now (for tests and the memory census).
    pub fn contacts(&self, owner: PeerIdx) -> Vec<PeerIdx> {
        self.ranges(owner)
            .flat_map(|r| self.peers[r].iter().copied())
            .collect()
    }

    /// Contacts cached over all the chunk's peers.
    pub fn cached(&self) -> usize {
        self.count.iter().map(|&c| c as usize).sum()
    }

    /// Heap bytes the chunk's caches take.
    pub fn bytes(&self) -> usize {
        self.head.capacity() * 4
            + self.count.capacity() * 2
            + self.next.capacity() * 4
            + (self.peers.capacity() + self.stamps.capacity()) * 4
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
        assert_eq!(c.peers.len(), DHT_CACHE, "one full cache's room, no more");
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
