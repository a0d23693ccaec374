//! Lookup traffic on the dht topology, counted apart from the protocol's messages.

/// What lookups cost and how sends found their receiver, per tick or in total.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LookupCounts {
    /// Lookups started (one per send to a peer neither in the table nor in the cache).
    pub lookups: u64,
    /// Lookup and routing datagrams sent: each request and each reply, and each relay's
    /// acknowledgements (of every hop, and the spreading peer's to the sender).
    pub sent: u64,
    /// Lookup datagrams lost or cut (an offline or partitioned peer does not answer).
    pub dropped: u64,
    /// Lookups that gave up (every try at one hop lost); their message is not sent.
    pub failed: u64,
    /// Sends to a peer found in the sender's contact cache (no lookup).
    pub cache_hits: u64,
}

impl LookupCounts {
    pub fn merge(&mut self, other: &LookupCounts) {
        self.lookups += other.lookups;
        self.sent += other.sent;
        self.dropped += other.dropped;
        self.failed += other.failed;
        self.cache_hits += other.cache_hits;
    }

    /// The words the digest hashes, none while nothing was counted (so the other
    /// topologies' digests do not move).
    pub fn digest_words(&self) -> impl Iterator<Item = u64> + '_ {
        let words = [
            self.lookups,
            self.sent,
            self.dropped,
            self.failed,
            self.cache_hits,
        ];
        let any = words.iter().any(|&w| w != 0);
        words.into_iter().filter(move |_| any)
    }
}
