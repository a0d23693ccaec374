//! Small resources shared by the systems: settings, clock, peers and per-chunk scratch.

use crate::blocks::BlockBook;
use crate::config::SimConfig;
use crate::ids::{BlockIdx, PeerIdx, Tick};
use crate::message::KindCounts;
use crate::network::{ChunkPlan, Network, Outbox};
use crate::peer::PeerState;
use crate::ring::Ring;
use crate::tokens::TokenBook;
use bevy_ecs::prelude::Resource;
use bumpalo::Bump;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// The validated scenario.
#[derive(Resource, Clone, Debug)]
pub struct Settings(pub SimConfig);

/// The vote threshold in force this tick (set by `adapt_threshold`).
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

/// Every peer's state, indexed by ring position (see [`crate::peer`] for why not entities).
#[derive(Resource, Default)]
pub struct Peers {
    pub states: Vec<PeerState>,
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
    pub fn of(ps: &PeerState) -> Self {
        if ps.mempool.is_empty() {
            Pool::Empty
        } else {
            Pool::Occupied
        }
    }
}

impl Peers {
    /// Peers from their states, with exact hints.
    pub fn new(states: Vec<PeerState>) -> Self {
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
    pub fn state_mut(&mut self, p: PeerIdx) -> &mut PeerState {
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

/// A chunk's slices of the dense per-peer hints (see [`Peers`]).
pub struct Hints<'a> {
    pub pools: &'a mut [Pool],
    pub gc_due: &'a mut [Tick],
}

impl Hints<'_> {
    /// Makes peer `local`'s hints exact for `ps`: call it after changing that peer's state.
    #[inline]
    pub fn refresh(&mut self, local: usize, ps: &PeerState) {
        self.pools[local] = Pool::of(ps);
        self.gc_due[local] = ps.gc_due;
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

/// One chunk's per-tick scratch: counters, events and an arena reset every pass.
#[derive(Default)]
pub struct ChunkScratch {
    /// `Bump` is not `Sync`; the mutex is never contended (one task per chunk).
    pub arena: Mutex<Bump>,
    pub sent: KindCounts,
    pub delivered: KindCounts,
    pub dropped: KindCounts,
    pub events: Vec<PeerEvent>,
    /// Peers (chunk-local) the vote system left a decision with, in peer order, for the
    /// commit system: it visits only these rather than sweeping every peer.
    pub decided: Vec<u32>,
    pub mempool_entries: u64,
    pub vote_records: u64,
    pub cut: u64,
    pub charges: crate::charges::Charges,
}

#[derive(Resource, Default)]
pub struct Scratch {
    pub chunks: Vec<ChunkScratch>,
}

impl Scratch {
    /// One scratch per chunk of `plan`, made on first use.
    pub fn fit(&mut self, plan: ChunkPlan) {
        if self.chunks.len() != plan.count as usize {
            self.chunks = (0..plan.count).map(|_| ChunkScratch::default()).collect();
        }
    }
}

/// Read-only view of the world that every per-peer handler needs.
pub struct Shared<'a> {
    pub config: &'a SimConfig,
    pub ring: &'a Ring,
    pub tokens: &'a TokenBook,
    pub book: &'a BlockBook,
    pub adversary: &'a crate::adversary::Adversary,
    /// The vote threshold in force this tick.
    pub threshold: u32,
    pub now: Tick,
}

/// One chunk of peers with its mailbox and scratch, handed to one task.
pub struct ChunkWork<'a> {
    pub index: usize,
    pub first: PeerIdx,
    pub peers: &'a mut [PeerState],
    /// The chunk's slices of the per-peer hints: a task that changes a peer's state calls
    /// `hints.refresh` for it.
    pub hints: Hints<'a>,
    pub outbox: Outbox<'a>,
    pub events: &'a mut Vec<PeerEvent>,
    pub decided: &'a mut Vec<u32>,
    pub delivered: &'a mut KindCounts,
    pub arena: &'a Mutex<Bump>,
    pub mempool_entries: &'a mut u64,
    pub vote_records: &'a mut u64,
}

/// Runs `f` on every chunk of peers in parallel. Chunks are fixed by the peer count, never by
/// the thread count, so the result does not depend on how many threads run them.
pub fn for_each_chunk<F>(
    peers: &mut Peers,
    network: &mut Network,
    scratch: &mut Scratch,
    now: Tick,
    f: F,
) where
    F: Fn(ChunkWork<'_>) + Sync + Send,
{
    let plan: ChunkPlan = network.plan;
    let (wheel, link) = (network.wheel, network.link);
    let faults = &network.faults;
    scratch.fit(plan);
    let size = plan.size as usize;
    let work: Vec<Mutex<Option<ChunkWork<'_>>>> = peers
        .states
        .chunks_mut(size)
        .zip(peers.pools.chunks_mut(size))
        .zip(peers.gc_due.chunks_mut(size))
        .zip(network.mailboxes.iter_mut())
        .zip(scratch.chunks.iter_mut())
        .enumerate()
        .map(|(index, ((((peers, pools), gc_due), mailbox), scr))| {
            Mutex::new(Some(ChunkWork {
                index,
                first: plan.first(index),
                peers,
                hints: Hints { pools, gc_due },
                outbox: Outbox {
                    mailbox,
                    plan,
                    wheel,
                    link,
                    now,
                    now_slot: now % wheel,
                    sent: &mut scr.sent,
                    dropped: &mut scr.dropped,
                    faults,
                    cut: &mut scr.cut,
                    charges: &mut scr.charges,
                },
                events: &mut scr.events,
                decided: &mut scr.decided,
                delivered: &mut scr.delivered,
                arena: &scr.arena,
                mempool_entries: &mut scr.mempool_entries,
                vote_records: &mut scr.vote_records,
            }))
        })
        .collect();
    let claims = ChunkClaims::new(work.len(), rayon::current_num_threads());
    rayon::broadcast(|cx| {
        while let Some(i) = claims.next(cx.index()) {
            let taken = work[i].lock().ok().and_then(|mut slot| slot.take());
            if let Some(chunk) = taken {
                f(chunk);
            }
        }
    });
}

/// Which thread runs which chunk: thread `t` of `T` owns the `t`-th of `T` equal runs of
/// chunks, takes its own from the front and, once they are done, takes others' from the back.
///
/// A chunk thus runs on the same thread pass after pass and tick after tick unless the load
/// is uneven. Under rayon's splitting the halves of the chunk list went to whichever worker
/// woke first, so a peer's lists were allocated on one thread and freed on the other about
/// half the time: mimalloc's per-thread heaps each kept pages for every peer, and peak RSS of
/// identical two-thread runs varied by ±6 %. Which thread runs a chunk never changes what
/// the chunk computes, so the digest does not depend on it.
struct ChunkClaims {
    /// Per run: its next front and one past its back, packed as `front << 32 | back`.
    runs: Vec<AtomicU64>,
}

impl ChunkClaims {
    fn new(chunks: usize, threads: usize) -> Self {
        let threads = threads.clamp(1, chunks.max(1));
        let runs = (0..threads)
            .map(|t| {
                let (front, back) = (chunks * t / threads, chunks * (t + 1) / threads);
                AtomicU64::new(((front as u64) << 32) | back as u64)
            })
            .collect();
        Self { runs }
    }

    /// The next chunk for thread `thread`, or `None` when every chunk is taken.
    fn next(&self, thread: usize) -> Option<usize> {
        let n = self.runs.len();
        (0..n).find_map(|k| {
            let own = k == 0;
            let run = &self.runs[(thread + k) % n];
            let mut packed = run.load(Ordering::Relaxed);
            loop {
                let (front, back) = (packed >> 32, packed & 0xFFFF_FFFF);
                if front >= back {
                    return None;
                }
                let (claimed, next) = if own {
                    (front, ((front + 1) << 32) | back)
                } else {
                    (back - 1, (front << 32) | (back - 1))
                };
                match run.compare_exchange_weak(packed, next, Ordering::AcqRel, Ordering::Relaxed) {
                    Ok(_) => return Some(claimed as usize),
                    Err(now) => packed = now,
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::adversary::Behaviour;
    use crate::{SimConfig, Simulation};

    #[test]
    fn every_chunk_is_claimed_once_owners_first() {
        use super::ChunkClaims;
        for (chunks, threads) in [(16, 2), (16, 3), (5, 8), (1, 1), (16, 1)] {
            let claims = ChunkClaims::new(chunks, threads);
            let first = claims.next(0);
            assert_eq!(first, Some(0), "{chunks} chunks, {threads} threads");
            let mut seen = vec![first.unwrap()];
            while let Some(i) = claims.next(0) {
                seen.push(i);
            }
            seen.sort_unstable();
            assert_eq!(seen, (0..chunks).collect::<Vec<_>>());
        }
        // Thread 1 of 2 starts at its own half, then steals from the back of the other's.
        let claims = ChunkClaims::new(16, 2);
        assert_eq!(claims.next(1), Some(8));
        assert_eq!(claims.next(0), Some(0));
        for _ in 9..16 {
            claims.next(1);
        }
        assert_eq!(claims.next(1), Some(7));
    }

    /// The vote sweep skips peers whose pool hint says empty, the collector peers whose hint
    /// says nothing is due: neither may hide work, whatever adds entries (submissions, twins,
    /// double spends, relays, parents) or promises, verdicts and wanted parents.
    #[test]
    fn no_hint_hides_work() {
        for behaviour in [Behaviour::DoubleSpend, Behaviour::Equivocate] {
            let config = SimConfig {
                peers: 600,
                ticks: 150,
                seed: 9,
                loss: 0.1,
                tokens: 30,
                conflict_rate: 0.2,
                churn: 0.005,
                churn_downtime: 10,
                byzantine: 0.1,
                byzantine_behaviour: behaviour,
                ..SimConfig::default()
            };
            let mut sim = Simulation::new(config, 2).expect("valid config");
            while sim.tick() < 150 {
                sim.step();
                let peers = sim.world.resource::<super::Peers>();
                assert!(peers.hints_are_consistent(), "tick {}", sim.tick());
            }
        }
    }
}
