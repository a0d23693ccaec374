//! Per-chunk scratch: counters, events and an arena, reset every pass.

use crate::engine::chunk_plan::ChunkPlan;
use crate::model::message::KindCounts;
use crate::model::world::PeerEvent;
use bevy_ecs::prelude::Resource;
use bumpalo::Bump;
use std::sync::Mutex;

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
    /// Lookup traffic (dht only), apart from the protocol's messages.
    pub lookups: crate::model::dht::lookup_counts::LookupCounts,
    pub charges: crate::model::charges::Charges,
    /// Trace events recorded by the chunk this pass (see [`crate::engine::trace`]).
    pub trace: Vec<crate::model::trace::TraceEvent>,
    /// Yes votes signed by the chunk's peers this pass (see [`crate::model::signatures`]).
    pub signed: Vec<crate::model::signatures::SignedVote>,
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
