//! System (runs after `byzantine_double_spend`): Byzantine behaviours "withhold" and
//! "late-twin", owners whose conflicting spend comes only after their first block expired.
//!
//! - `withhold`: every block submitted at a Byzantine origin is its owner's (the origin holds
//!   the owner's key). The origin withholds the block's certificate (v2's `byzantine.rs`), so
//!   the block times out; at its expiry the owner submits a conflicting spend of its first
//!   (token, owner) through a random peer.
//! - `late-twin`: each honest block submitted this tick is raced, with probability equal to the
//!   Byzantine fraction, by a twin from a random Byzantine peer (as with `double-spend`), but
//!   the twin is submitted at the first block's expiry, not in the same tick.
//!
//! The twin joins the first block's conflict family when it is planned
//! (`Families::expect_late_twin`), so the family stays open until the twin settles. Only blocks
//! expiring before the configured ticks end get one, so every planned twin is submitted before
//! the drain. Like the double spenders' twins, late ones never return tokens to the driver.

use crate::config::Behaviour;
use crate::model::adversary::{Adversary, LateSpend, LateSpends};
use crate::model::ids::PeerIdx;
use crate::model::rng::{Stream, stream};
use crate::model::submission::{NewBlock, Submitter};
use crate::model::world::{Clock, Settings};
use crate::protocol::{Protocol, origin_setup};
use bevy_ecs::prelude::*;
use rand::Rng;
use smallvec::smallvec;

pub fn byzantine_late_spend<P: Protocol>(
    settings: Res<Settings>,
    clock: Res<Clock>,
    adversary: Res<Adversary>,
    mut late: ResMut<LateSpends>,
    mut submitter: Submitter<P::Peer>,
) {
    let behaviour = adversary.behaviour;
    if !behaviour.spends_late() || adversary.count == 0 {
        return;
    }
    let now = clock.tick;
    let config = &settings.0;
    let ttl = config.protocol.entry_ttl;
    let mut rng = stream(config.seed, Stream::Faults, now, 0x1A7E);
    let due = now + ttl;
    if due < config.ticks {
        for (first, origin, part) in submitter.book.fresh_spends(now) {
            let attacks = match behaviour {
                Behaviour::WithholdCertificate => adversary.acts(origin, behaviour),
                _ => rng.random_bool(config.adversary.fraction),
            };
            if attacks {
                submitter.families.expect_late_twin(first);
                late.plan(LateSpend { due, first, part });
            }
        }
    }
    let attackers: Vec<PeerIdx> = adversary.members().collect();
    while let Some(s) = late.pop_due(now) {
        let origin = match behaviour {
            // The owner spends again through any node, most likely an honest one that commits.
            Behaviour::WithholdCertificate => rng.random_range(0..submitter.ring.len()),
            _ => attackers[rng.random_range(0..attackers.len())],
        };
        submitter.submit(
            NewBlock {
                origin,
                nonce: rng.random(),
                parts: smallvec![s.part],
                twin_of: Some(s.first),
                retry_of: None,
                spender: crate::model::blocks::Spender::Owner,
                now,
                ttl,
            },
            origin_setup::<P>(),
        );
    }
}
