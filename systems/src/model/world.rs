//! World state every system reads: the scenario, the clock, the threshold in force and the
//! peers (with their dense hints), and the events peers report to the global bookkeeping.

use crate::config::SimConfig;
use crate::model::ids::{BlockIdx, PeerIdx, Tick};
use crate::model::peer::{PeerPart, PeerState};
use bevy_ecs::prelude::Resource;

/// The validated scenario.
#[derive(Resource, Clone, Debug)]
pub struct Settings(pub SimConfig);

/// The vote threshold in force this tick (the original's; its policy, run by the
/// `adapt_threshold` system, sets it).
#[derive(Resource, Clone, Copy, Debug)]
pub struct CurrentThreshold {
    pub value: u32,
    /// Smoothed fraction of messages lost (EWMA over about 20 ticks).
    pub observed_loss: f64,
}

/// The current tick.
#[derive(Resource, Clone, Copy, Debug, Default)]
pub struct Clock {
    pub tick: Tick,
}

/// Every peer's state, indexed by ring position (see [`crate::model::peer`] for why not entities).
/// `S` is the running protocol's part of a peer (`Protocol::Peer`).
#[derive(Resource, Default)]
pub struct Peers<S: PeerPart> {
    pub states: Vec<PeerState<S>>,
    /// One byte per peer, beside the states: whether its mempool may hold entries. The vote
    /// sweep reads these to find the few peers with entries; reading each peer's own state
    /// instead cost a cache miss per peer per tick. `Pool::Empty` must mean an empty pool;
    /// `Pool::Occupied` is only a hint.
    pub pools: Vec<Pool>,
    /// Four bytes per peer, beside the states: no later than the peer's own
    /// `PeerState::gc_due`, so the collector finds the few peers with work due from this
    /// dense list instead of reading every peer's state each tick.
    pub gc_due: Vec<Tick>,
}

/// Whether a peer's mempool may hold entries (see [`Peers::pools`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Pool {
    #[default]
    Empty,
    Occupied,
}

impl Pool {
    /// The hint that is exact for `ps` now.
    #[inline]
    pub fn of<S: PeerPart>(ps: &PeerState<S>) -> Self {
        if ps.mempool.is_empty() {
            Pool::Empty
        } else {
            Pool::Occupied
        }
    }
}

impl<S: PeerPart> Peers<S> {
    /// Peers from their states, with exact hints.
    pub fn new(states: Vec<PeerState<S>>) -> Self {
        let pools = states.iter().map(Pool::of).collect();
        let gc_due = states.iter().map(|ps| ps.gc_due).collect();
        Self {
            states,
            pools,
            gc_due,
        }
    }

    /// A peer's state, to change in any way: its pool is then assumed occupied, and the
    /// collector visits it at its next pass (which makes its hints exact again).
    pub fn state_mut(&mut self, p: PeerIdx) -> &mut PeerState<S> {
        self.pools[p as usize] = Pool::Occupied;
        self.gc_due[p as usize] = 0;
        &mut self.states[p as usize]
    }

    /// Whether every hint is safe: no `Pool::Empty` over an entry, no collection due earlier
    /// than the hint says (for tests).
    pub fn hints_are_consistent(&self) -> bool {
        self.states.len() == self.pools.len()
            && self.states.len() == self.gc_due.len()
            && self
                .states
                .iter()
                .zip(&self.pools)
                .zip(&self.gc_due)
                .all(|((ps, &pool), &due)| {
                    (pool == Pool::Occupied || ps.mempool.is_empty()) && due <= ps.gc_due
                })
    }
}

/// What a peer did that the global bookkeeping must hear about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeerEvent {
    Committed {
        peer: PeerIdx,
        block: BlockIdx,
    },
    Blocked {
        peer: PeerIdx,
        block: BlockIdx,
    },
    TimedOut {
        peer: PeerIdx,
        block: BlockIdx,
    },
    /// S2: a commit over a mapping the peer does not store (only a faulty path can do this).
    DoubleSpend {
        peer: PeerIdx,
        block: BlockIdx,
    },
}
