//! Maintenance traffic on the dht topology under session churn (pings, joins' lookups of
//! their own place, lookups for dead contacts' stand-ins), counted apart from the protocol's
//! messages and from the lookups sends make.

use crate::model::dht::lookup_counts::LookupCounts;

/// What maintenance cost and what it found, per tick or in total.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MaintenanceCounts {
    /// Every maintenance datagram: `wire.sent` pings, replies, lookup queries and replies;
    /// `wire.dropped` of them lost or cut; `wire.lookups` lookups made (joins' and stand-ins'),
    /// `wire.failed` of them gave up. (`wire.cache_hits` stays 0.)
    pub wire: LookupCounts,
    /// Contacts pinged (each ping is tried up to `PING_TRIES` times).
    pub pings: u64,
    /// Pinged contacts that answered no try: found dead.
    pub dead: u64,
    /// Dead contacts replaced by a live peer of the same band.
    pub replaced: u64,
}

impl MaintenanceCounts {
    pub fn merge(&mut self, other: &MaintenanceCounts) {
        self.wire.merge(&other.wire);
        self.pings += other.pings;
        self.dead += other.dead;
        self.replaced += other.replaced;
    }

    /// The words the digest hashes, none while nothing was counted (so runs without session
    /// churn keep their digests).
    pub fn digest_words(&self) -> impl Iterator<Item = u64> + '_ {
        let words = [
            self.wire.lookups,
            self.wire.sent,
            self.wire.dropped,
            self.wire.failed,
            self.pings,
            self.dead,
            self.replaced,
        ];
        let any = words.iter().any(|&w| w != 0);
        words.into_iter().filter(move |_| any)
    }
}
