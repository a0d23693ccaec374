//! The chunked parallel pass: every system that touches peers runs its per-peer work through
//! [`for_each_chunk`], one task per fixed chunk of peers.

use crate::engine::chunk_claims::ChunkClaims;
use crate::engine::chunk_plan::ChunkPlan;
use crate::engine::hints::Hints;
use crate::engine::network::Network;
use crate::engine::outbox::Outbox;
use crate::engine::scratch::Scratch;
use crate::engine::trace::Tracer;
use crate::model::ids::PeerIdx;
use crate::model::ids::Tick;
use crate::model::message::KindCounts;
use crate::model::peer::{PeerPart, PeerState};
use crate::model::trace::TraceSet;
use crate::model::world::{PeerEvent, Peers};
use bumpalo::Bump;
use std::sync::Mutex;

/// One chunk of peers with its mailbox and scratch, handed to one task.
pub struct ChunkWork<'a, S: PeerPart> {
    pub index: usize,
    pub first: PeerIdx,
    pub peers: &'a mut [PeerState<S>],
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
/// the thread count, so the result does not depend on how many threads run them. With a
/// `trace` set, each chunk records trace events into its scratch (`ChunkScratch::trace`).
pub fn for_each_chunk<S: PeerPart, F>(
    peers: &mut Peers<S>,
    network: &mut Network,
    scratch: &mut Scratch,
    trace: Option<&TraceSet>,
    now: Tick,
    f: F,
) where
    F: Fn(ChunkWork<'_, S>) + Sync + Send,
{
    let plan: ChunkPlan = network.plan;
    let (wheel, link) = (network.wheel, network.link);
    let faults = &network.faults;
    let routes = network.routes.as_deref();
    scratch.fit(plan);
    let size = plan.size as usize;
    let work: Vec<Mutex<Option<ChunkWork<'_, S>>>> = peers
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
                    routes,
                    lookups: &mut scr.lookups,
                    cut: &mut scr.cut,
                    charges: &mut scr.charges,
                    trace: trace.map(|set| Tracer {
                        set,
                        events: &mut scr.trace,
                    }),
                    signed: &mut scr.signed,
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
