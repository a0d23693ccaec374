//! The driver re-submits the blocks that timed out (v2: the same block, through a
//! new origin) and puts every free token into new blocks and submits them.

use crate::model::blocks::Part;
use crate::model::ledger::Ledger;
use crate::model::rng::{Stream, stream};
use crate::model::submission::{NewBlock, Submitter};
use crate::model::world::{Clock, Settings};
use bevy_ecs::prelude::*;
use rand::Rng;
use rand::seq::SliceRandom;
use smallvec::SmallVec;

pub fn inject_transactions(
    settings: Res<Settings>,
    clock: Res<Clock>,
    ledger: Res<Ledger>,
    mut submitter: Submitter,
) {
    let config = &settings.0;
    let workload = &config.workload;
    let now = clock.tick;
    if now >= config.ticks {
        // The drain: the run's blocks finish, no new ones start.
        return;
    }
    let mut rng = stream(config.seed, Stream::Workload, now, 0);
    // Blocks that timed out go again as they are, through a new random origin.
    for idx in std::mem::take(&mut submitter.workload.resubmit) {
        // Timed out last tick: the book keeps it `entry_ttl + gc_after` ticks longer; were it
        // gone, its family must not wait for the retry.
        let Some(old) = submitter.book.get(idx) else {
            submitter.families.cancel_retry(idx);
            continue;
        };
        let (id, parts, first) = (old.id, old.parts.clone(), old.retry_of.unwrap_or(idx));
        let origin = rng.random_range(0..submitter.ring.len());
        submitter.submit(NewBlock {
            origin,
            id,
            parts,
            twin_of: None,
            retry_of: Some(first),
            now,
            ttl: config.protocol.entry_ttl,
        });
    }
    let mut free = std::mem::take(&mut submitter.workload.free);
    free.sort_unstable();
    free.shuffle(&mut rng);
    let mut rest = &free[..];
    while !rest.is_empty() {
        let k = (rng.random_range(workload.block_size_min..=workload.block_size_max) as usize)
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
        let origin = rng.random_range(0..submitter.ring.len());
        let twin_parts: Option<SmallVec<[Part; 3]>> = (workload.conflict_rate > 0.0
            && rng.random_bool(workload.conflict_rate))
        .then(|| parts[..1].iter().copied().collect());
        let idx = submitter.submit(NewBlock {
            origin,
            id: rng.random(),
            parts,
            twin_of: None,
            retry_of: None,
            now,
            ttl: config.protocol.entry_ttl,
        });
        if let Some(parts) = twin_parts {
            // The double spender submits the twin elsewhere, so the two race.
            let origin = rng.random_range(0..submitter.ring.len());
            submitter.submit(NewBlock {
                origin,
                id: rng.random(),
                parts,
                twin_of: Some(idx),
                retry_of: None,
                now,
                ttl: config.protocol.entry_ttl,
            });
        }
    }
    free.clear();
    submitter.workload.free = free;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::blocks::BlockBook;
    use crate::model::ids::GENESIS;
    use crate::model::metrics::Metrics;
    use crate::model::peer::EntryState;
    use crate::model::peer::{Body, Role};
    use crate::model::workload::Workload;
    use crate::testing::*;

    #[test]
    fn every_free_token_goes_into_a_block_at_its_origin() {
        let mut world = tiny_world();
        set_tick(&mut world, 3);
        run(&mut world, inject_transactions);

        let book = world.resource::<BlockBook>();
        assert_eq!(book.len(), 2, "block size 1..1: one block per token");
        let mut spent = vec![];
        for (idx, block) in book.iter() {
            assert_eq!(block.parts.len(), 1);
            let part = block.parts[0];
            assert_eq!((part.last, part.last_time), (GENESIS, 0));
            spent.push(part.token);
            assert_eq!((block.submitted, block.time, block.twin_of), (3, 4, None));
            let origin = peer(&world, block.origin);
            let entry = &origin.mempool[origin.find(idx).expect("entry at origin")];
            assert_eq!(entry.role, Role::Origin);
            assert_eq!(entry.body, Body::Known);
            assert_eq!(entry.state, EntryState::Pending);
            assert_eq!(entry.expires, 3 + TTL);
            assert_eq!(entry.views.len(), 2, "one view per part plus the witness");
        }
        spent.sort_unstable();
        assert_eq!(spent, vec![0, 1]);
        // Nobody else heard of them yet, and nothing was sent.
        let entries: usize = (0..5).map(|p| peer(&world, p).mempool.len()).sum();
        assert_eq!(entries, 2);
        assert!(in_flight(&world).is_empty());
        let workload = world.resource::<Workload>();
        assert!(workload.free.is_empty());
        assert_eq!(workload.active, 2);
        assert_eq!(world.resource::<Metrics>().current.blocks_submitted, 2);
    }

    #[test]
    fn no_free_tokens_no_blocks() {
        let mut world = tiny_world();
        run(&mut world, inject_transactions);
        run(&mut world, inject_transactions);
        assert_eq!(world.resource::<BlockBook>().len(), 2);
    }

    #[test]
    fn conflict_injection_submits_a_twin_spending_the_same_owner() {
        let mut config = tiny_config(1);
        config.workload.conflict_rate = 1.0;
        let mut world = tiny_world_with(config);
        run(&mut world, inject_transactions);
        let book = world.resource::<BlockBook>();
        assert_eq!(book.len(), 2);
        let (original, twin) = (book.get(0).unwrap(), book.get(1).unwrap());
        assert_eq!(twin.twin_of, Some(0));
        assert_eq!(twin.parts[0], original.parts[0]);
        assert_ne!(twin.id, original.id);
        assert_eq!(world.resource::<Workload>().active, 2);
        assert_eq!(world.resource::<Metrics>().current.blocks_submitted, 2);
    }
}
