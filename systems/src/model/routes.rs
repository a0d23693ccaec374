//! The routed topologies' link tables, as the ring and the network share them: small-world's
//! links (messages relayed hop by hop) or the dht's routing tables (a lookup, then direct).

use crate::model::dht::routing_table::RoutingTables;
use crate::model::ids::PeerIdx;
use crate::model::small_world::SmallWorld;

/// How messages to a peer its sender does not know travel.
#[derive(Debug)]
pub enum Routes {
    SmallWorld(SmallWorld),
    Dht(RoutingTables),
}

impl Routes {
    /// Does `a` know `b` (a link, or a routing-table contact)?
    #[inline]
    pub fn links(&self, a: PeerIdx, b: PeerIdx) -> bool {
        match self {
            Routes::SmallWorld(sw) => sw.links(a, b),
            Routes::Dht(t) => t.contains(a, b),
        }
    }

    /// How many positions each peer's near links reach on each side (for multicast).
    #[inline]
    pub fn near_reach(&self) -> u32 {
        match self {
            Routes::SmallWorld(sw) => sw.near_reach(),
            Routes::Dht(t) => t.near_reach(),
        }
    }

    /// Peers on the ring.
    #[inline]
    pub fn peers(&self) -> u32 {
        match self {
            Routes::SmallWorld(sw) => sw.peers(),
            Routes::Dht(t) => t.peers(),
        }
    }

    pub fn small_world(&self) -> Option<&SmallWorld> {
        match self {
            Routes::SmallWorld(sw) => Some(sw),
            Routes::Dht(_) => None,
        }
    }

    pub fn dht(&self) -> Option<&RoutingTables> {
        match self {
            Routes::Dht(t) => Some(t),
            Routes::SmallWorld(_) => None,
        }
    }
}
