//! The driver re-submits the blocks that timed out (v2: the same block, through a
//! new origin) and puts every free token into new blocks and submits them.

use crate::model::blocks::Part;
use crate::model::ledger::Ledger;
use crate::model::rng::{Stream, stream};
use crate::model::submission::{NewBlock, Submitter};
use crate::model::world::{Clock, Settings};
use crate::protocol::{Protocol, origin_setup};
use bevy_ecs::prelude::*;
use rand::Rng;
use rand::seq::SliceRandom;
use smallvec::SmallVec;

pub fn inject_transactions<P: Protocol>(
    settings: Res<Settings>,
    clock: Res<Clock>,
    ledger: Res<Ledger>,
    mut submitter: Submitter<P::Peer>,
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
        // The same nonce and parts: the same id, which the members locked for it recognise.
        let (nonce, parts, first) = (old.nonce, old.parts.clone(), old.retry_of.unwrap_or(idx));
        let origin = rng.random_range(0..submitter.ring.len());
        submitter.submit(
            NewBlock {
                origin,
                nonce,
                parts,
                twin_of: None,
                retry_of: Some(first),
                spender: crate::model::blocks::Spender::Owner,
                now,
                ttl: config.protocol.entry_ttl,
            },
            origin_setup::<P>(),
        );
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
        let idx = submitter.submit(
            NewBlock {
                origin,
                nonce: rng.random(),
                parts,
                twin_of: None,
                retry_of: None,
                spender: crate::model::blocks::Spender::Owner,
                now,
                ttl: config.protocol.entry_ttl,
            },
            origin_setup::<P>(),
        );
        if let Some(parts) = twin_parts {
            // The double spender submits the twin elsewhere, so the two race.
            let origin = rng.random_range(0..submitter.ring.len());
            submitter.submit(
                NewBlock {
                    origin,
                    nonce: rng.random(),
                    parts,
                    twin_of: Some(idx),
                    retry_of: None,
                    spender: crate::model::blocks::Spender::Owner,
                    now,
                    ttl: config.protocol.entry_ttl,
                },
                origin_setup::<P>(),
            );
        }
    }
    free.clear();
    submitter.workload.free = free;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::blocks::{BlockBook, BlockIds, content_id};
    use crate::model::families::Retry;
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
        run_named(&mut world, "inject_transactions");

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
            assert_eq!(
                entry.protocol.views.len(),
                2,
                "one view per part plus the witness"
            );
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
        run_named(&mut world, "inject_transactions");
        run_named(&mut world, "inject_transactions");
        assert_eq!(world.resource::<BlockBook>().len(), 2);
    }

    #[test]
    fn conflict_injection_submits_a_twin_spending_the_same_owner() {
        let mut config = tiny_config(1);
        config.workload.conflict_rate = 1.0;
        let mut world = tiny_world_with(config);
        run_named(&mut world, "inject_transactions");
        let book = world.resource::<BlockBook>();
        assert_eq!(book.len(), 2);
        let (original, twin) = (book.get(0).unwrap(), book.get(1).unwrap());
        assert_eq!(twin.twin_of, Some(0));
        assert_eq!(twin.parts[0], original.parts[0]);
        assert_ne!(twin.id, original.id);
        assert_eq!(world.resource::<Workload>().active, 2);
        assert_eq!(world.resource::<Metrics>().current.blocks_submitted, 2);
    }

    #[test]
    fn v2_names_a_block_by_its_content_and_a_twin_apart_by_its_nonce() {
        let mut config = tiny_config(1);
        config.protocol.kind = crate::config::ProtocolKind::V2;
        config.workload.conflict_rate = 1.0;
        let mut world = tiny_world_with(config);
        run_named(&mut world, "inject_transactions");
        let book = world.resource::<BlockBook>();
        let (first, twin) = (book.get(0).unwrap(), book.get(1).unwrap());
        assert_eq!(
            twin.parts, first.parts,
            "a one-part block's twin: the same part"
        );
        assert_ne!(twin.id, first.id, "told apart by their nonces");
        for b in [first, twin] {
            assert_eq!(b.id, content_id(&b.parts, b.nonce));
        }
    }

    #[test]
    fn a_re_submitted_block_keeps_its_id_and_the_original_draws_its_ids() {
        for kind in [
            crate::config::ProtocolKind::V2,
            crate::config::ProtocolKind::Original,
        ] {
            let mut config = tiny_config(1);
            config.protocol.kind = kind;
            let mut world = tiny_world_with(config);
            run_named(&mut world, "inject_transactions");
            // Block 0 timed out and its owner sends it again.
            let planned = world
                .resource_mut::<crate::model::families::Families>()
                .on_outcome(0, crate::model::blocks::Outcome::TimedOut, Retry::Planned);
            assert_eq!(planned, None);
            world.resource_mut::<Workload>().resubmit.push(0);
            set_tick(&mut world, 5);
            run_named(&mut world, "inject_transactions");
            let book = world.resource::<BlockBook>();
            let (first, retry) = (book.get(0).unwrap(), book.get(1).unwrap());
            assert_eq!((retry.retry_of, retry.submitted), (Some(0), 5));
            assert_eq!(
                (retry.id, retry.nonce, &retry.parts),
                (first.id, first.nonce, &first.parts)
            );
            let drawn = kind == crate::config::ProtocolKind::Original;
            assert_eq!(first.id == first.nonce, drawn, "{kind:?}");
        }
    }

    #[test]
    fn content_ids_cover_every_part_field_and_the_nonce() {
        let part = Part {
            token: 3,
            last: 7,
            last_time: 9,
        };
        let id = content_id(&[part], 1);
        assert_eq!(id, content_id(&[part], 1));
        assert_ne!(id, content_id(&[part], 2));
        for other in [
            Part { token: 4, ..part },
            Part { last: 8, ..part },
            Part {
                last_time: 10,
                ..part
            },
        ] {
            assert_ne!(id, content_id(&[other], 1));
        }
        assert_ne!(id, content_id(&[part, Part { token: 5, ..part }], 1));
        assert_eq!(BlockIds::Drawn.id(&[part], 1), 1);
        assert_eq!(BlockIds::ContentHash.id(&[part], 1), id);
    }
}
