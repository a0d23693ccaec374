//! Submitting a block: into the book, and into its origin's mempool as a pending entry.

use crate::model::blocks::{Block, BlockBook, Part, Spender};
use crate::model::families::Families;
use crate::model::ids::{BlockIdx, PeerIdx, Tick};
use crate::model::metrics::Metrics;
use crate::model::peer::{Body, Entry, PeerPart, PendingSet, Role};
use crate::model::ring::Ring;
use crate::model::tokens::TokenBook;
use crate::model::trace::{StateChange, Trace};
use crate::model::workload::Workload;
use crate::model::world::Peers;
use bevy_ecs::prelude::{Res, ResMut};
use bevy_ecs::system::SystemParam;
use smallvec::SmallVec;
use std::sync::atomic::AtomicU64;

/// A block about to be submitted.
pub struct NewBlock {
    pub origin: PeerIdx,
    /// Drawn by the submitter; the block's id follows from it (`BlockIds`).
    pub nonce: u64,
    pub parts: SmallVec<[Part; 3]>,
    /// The block this one races with the same spend, if it is a double spend.
    pub twin_of: Option<BlockIdx>,
    /// The first block of the submission this one re-submits, if it is a retry.
    pub retry_of: Option<BlockIdx>,
    /// Who signed its spends.
    pub spender: Spender,
    pub now: Tick,
    /// Mempool entries expire this many ticks after creation.
    pub ttl: Tick,
}

/// How the running protocol sets up the origin's entry of a block just submitted
/// (`Protocol::on_submitted`), given the block, the ring and the token keys.
pub type OriginSetup<S> = fn(&mut Entry<<S as PeerPart>::Entry>, &Block, &Ring, &TokenBook);

/// What submitting borrows, for the systems that submit blocks (the driver, the double
/// spenders).
#[derive(SystemParam)]
pub struct Submitter<'w, S: PeerPart> {
    pub ring: Res<'w, Ring>,
    pub tokens: Res<'w, TokenBook>,
    pub book: ResMut<'w, BlockBook>,
    pub workload: ResMut<'w, Workload>,
    pub peers: ResMut<'w, Peers<S>>,
    pub metrics: ResMut<'w, Metrics>,
    pub families: ResMut<'w, Families>,
    pub trace: ResMut<'w, Trace>,
}

impl<S: PeerPart> Submitter<'_, S> {
    /// Submits `new`, named as the protocol names blocks, and counts it as active and
    /// submitted, and in its conflict family; `setup` is the protocol's for its origin entry.
    pub fn submit(&mut self, new: NewBlock, setup: OriginSetup<S>) -> BlockIdx {
        let (twin_of, retry_of, origin, now) = (new.twin_of, new.retry_of, new.origin, new.now);
        let id = self.workload.block_ids.id(&new.parts, new.nonce);
        let idx = self.put(new, id, setup);
        self.workload.active += 1;
        self.metrics.current.blocks_submitted += 1;
        self.families.on_submit(idx, twin_of, retry_of);
        self.trace.state(now, origin, idx, StateChange::Pending);
        idx
    }

    /// Puts a new block with id `id` into the book and into its origin's mempool, counting
    /// nothing (for tests that count by hand).
    pub fn put(&mut self, new: NewBlock, id: u64, setup: OriginSetup<S>) -> BlockIdx {
        let block = Block {
            id,
            nonce: new.nonce,
            submitted: new.now,
            time: new.now + 1,
            origin: new.origin,
            parts: new.parts,
            twin_of: new.twin_of,
            retry_of: new.retry_of,
            spender: new.spender,
            outcome: None,
            commits: 0,
            messages: AtomicU64::new(0),
        };
        let mut entry = Entry::new(
            self.book.next_idx(),
            new.now + new.ttl,
            Body::Known,
            Role::Origin,
        );
        setup(&mut entry, &block, &self.ring, &self.tokens);
        let idx = self.book.push(block);
        let peer = self.peers.state_mut(new.origin);
        // New blocks have the largest index yet, so the pool stays sorted.
        peer.push_entry(entry);
        peer.pending_set = PendingSet::Changed;
        idx
    }
}
