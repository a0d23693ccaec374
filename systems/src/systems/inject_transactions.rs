//! System 1: the driver puts every free token into new blocks and submits them.

use crate::blocks::{Block, BlockBook, Part};
use crate::ids::{PeerIdx, Tick};
use crate::ledger::Ledger;
use crate::metrics::Metrics;
use crate::peer::{Body, Claims, Entry, PeerState, Role};
use crate::resources::{Clock, Peers, Settings};
use crate::ring::Ring;
use crate::rng::{Stream, stream};
use crate::tokens::TokenBook;
use crate::workload::Workload;
use bevy_ecs::prelude::*;
use rand::Rng;
use rand::seq::SliceRandom;
use smallvec::SmallVec;
use std::sync::atomic::AtomicU64;

#[allow(clippy::too_many_arguments)]
pub fn inject_transactions(
    settings: Res<Settings>,
    clock: Res<Clock>,
    ring: Res<Ring>,
    tokens: Res<TokenBook>,
    ledger: Res<Ledger>,
    mut book: ResMut<BlockBook>,
    mut workload: ResMut<Workload>,
    mut peers: ResMut<Peers>,
    mut metrics: ResMut<Metrics>,
) {
    let config = &settings.0;
    let now = clock.tick;
    let mut rng = stream(config.seed, Stream::Workload, now, 0);
    let mut free = std::mem::take(&mut workload.free);
    free.sort_unstable();
    free.shuffle(&mut rng);
    let mut rest = &free[..];
    while !rest.is_empty() {
        let k = (rng.random_range(config.block_size_min..=config.block_size_max) as usize)
            .min(rest.len());
        let (taken, left) = rest.split_at(k);
        rest = left;
        let parts: SmallVec<[Part; 3]> = taken
            .iter()
            .map(|&token| {
                let head = ledger.head(token);
                Part {
                    token,
                    last: head.block,
                    last_time: head.time,
                }
            })
            .collect();
        let origin = rng.random_range(0..ring.len());
        let twin_parts: Option<SmallVec<[Part; 3]>> = (config.conflict_rate > 0.0
            && rng.random_bool(config.conflict_rate))
        .then(|| parts[..1].iter().copied().collect());
        let idx = submit(
            &mut book,
            &mut peers.states,
            &ring,
            &tokens,
            now,
            origin,
            rng.random(),
            parts,
            None,
            config.entry_ttl,
        );
        workload.active += 1;
        metrics.current.blocks_submitted += 1;
        if let Some(parts) = twin_parts {
            // The double spender submits the twin elsewhere, so the two race.
            let origin = rng.random_range(0..ring.len());
            submit(
                &mut book,
                &mut peers.states,
                &ring,
                &tokens,
                now,
                origin,
                rng.random(),
                parts,
                Some(idx),
                config.entry_ttl,
            );
            workload.active += 1;
            metrics.current.blocks_submitted += 1;
        }
    }
    free.clear();
    workload.free = free;
}

/// Puts a new block into the book and into its origin's mempool.
#[allow(clippy::too_many_arguments)]
pub fn submit(
    book: &mut BlockBook,
    peers: &mut [PeerState],
    ring: &Ring,
    tokens: &TokenBook,
    now: Tick,
    origin: PeerIdx,
    id: u64,
    parts: SmallVec<[Part; 3]>,
    twin_of: Option<crate::ids::BlockIdx>,
    ttl: Tick,
) -> crate::ids::BlockIdx {
    let block = Block {
        id,
        submitted: now,
        time: now + 1,
        origin,
        parts,
        twin_of,
        outcome: None,
        commits: 0,
        messages: AtomicU64::new(0),
    };
    let mut entry = Entry::new(book.next_idx(), now + ttl, Body::Known, Role::Origin);
    entry.views = block.views(ring, tokens, origin);
    let idx = book.push(block);
    let peer = &mut peers[origin as usize];
    // New blocks have the largest index yet, so the pool stays sorted.
    peer.push_entry(entry);
    peer.claims = Claims::Changed;
    idx
}
