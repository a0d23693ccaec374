//! The topology lookups the engine offers protocol code: the ring's ids, positions, seeded
//! links and the known peers nearest a key. The ring is static and every peer reads the same one at no
//! message cost: a listed modelling shortcut (`docs/architecture.md`, "Known oracles and
//! shortcuts"), standing in for the routing lookups a real overlay would pay for.

use crate::model::ids::PeerIdx;
use crate::model::ring::{NearestKnown, Ring};

/// Read-only topology lookups; the only way protocol code reaches the ring.
#[derive(Clone, Copy)]
pub struct Lookup<'a>(&'a Ring);

impl<'a> Lookup<'a> {
    pub fn new(ring: &'a Ring) -> Self {
        Self(ring)
    }

    /// Peers on the ring.
    #[inline]
    pub fn len(&self) -> u32 {
        self.0.len()
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Ring id of the peer at position `p`.
    #[inline]
    pub fn id(&self, p: PeerIdx) -> u64 {
        self.0.id(p)
    }

    /// Position of the first peer whose id is at or above `key`.
    #[inline]
    pub fn insertion(&self, key: u64) -> PeerIdx {
        self.0.insertion(key)
    }

    /// Was `a` seeded with a link to `b`?
    #[inline]
    pub fn seeded_link(&self, a: PeerIdx, b: PeerIdx) -> bool {
        self.0.seeded_link(a, b)
    }

    /// The `K` peers `node` knows nearest `key` on each side.
    #[inline]
    pub fn nearest_known<const K: usize>(&self, node: PeerIdx, key: u64) -> NearestKnown<K> {
        self.0.nearest_known(node, key)
    }

    /// Whether messages to unlinked peers take more than one hop: routed hop by hop
    /// (small-world) or looked up first (dht).
    #[inline]
    pub fn routed(&self) -> bool {
        self.0.routes().is_some()
    }

    /// Whether a sender looks an unknown peer up before sending to it directly (dht).
    #[inline]
    pub fn looks_up(&self) -> bool {
        self.0.dht().is_some()
    }

    /// How many times longer than one hop a round trip takes.
    #[inline]
    pub fn round_trip_stretch(&self) -> u32 {
        self.0.round_trip_stretch()
    }
}
