//! The resources a chunked pass over the peers borrows, as one system parameter.

use crate::engine::chunk_work::{ChunkWork, for_each_chunk};
use crate::engine::network::Network;
use crate::engine::scratch::Scratch;
use crate::model::blocks::BlockBook;
use crate::model::ids::Tick;
use crate::model::peer::PeerPart;
use crate::model::signatures::Signatures;
use crate::model::trace::Trace;
use crate::model::world::Peers;
use bevy_ecs::prelude::ResMut;
use bevy_ecs::system::SystemParam;

/// The peers, the network and the per-chunk scratch: what [`for_each_chunk`] splits into
/// chunks of work; and the trace, which gathers what the chunks recorded.
#[derive(SystemParam)]
pub struct PeerPass<'w, S: PeerPart> {
    pub peers: ResMut<'w, Peers<S>>,
    pub network: ResMut<'w, Network>,
    pub scratch: ResMut<'w, Scratch>,
    pub trace: ResMut<'w, Trace>,
}

impl<S: PeerPart> PeerPass<'_, S> {
    /// Runs `f` on every chunk of peers in parallel (see [`for_each_chunk`]), then appends
    /// the trace events the chunks recorded to the log, in chunk order.
    pub fn for_each_chunk<F>(&mut self, now: Tick, f: F)
    where
        F: Fn(ChunkWork<'_, S>) + Sync + Send,
    {
        let trace = &mut *self.trace;
        for_each_chunk(
            &mut self.peers,
            &mut self.network,
            &mut self.scratch,
            trace.set.as_ref(),
            now,
            f,
        );
        if trace.set.is_some() {
            for chunk in &mut self.scratch.chunks {
                trace.log.append(&mut chunk.trace);
            }
        }
    }

    /// Moves the yes votes the pass's chunks signed into the registry, in chunk order.
    pub fn take_signatures(&mut self, registry: &mut Signatures) {
        for chunk in &mut self.scratch.chunks {
            registry.record_all(&mut chunk.signed);
        }
    }

    /// Adds the messages the pass charged to blocks to the book, chunk by chunk.
    pub fn settle_charges(&mut self, book: &BlockBook) {
        for chunk in &mut self.scratch.chunks {
            chunk.charges.settle_into(book);
        }
    }
}
