//! Byzantine behaviours "double-spend" and "thief". Each honest
//! block submitted this tick is raced, with probability equal to the Byzantine fraction, by a
//! block from a random Byzantine peer (its own origin) that spends the block's first token from
//! the same owner. So attacks scale with the workload and the adversary's size. Such blocks
//! never return tokens to the honest driver. A double spender holds the owner's key; a thief
//! does not, so its spends carry no valid owner signature (`Spender::Thief`).

use crate::config::Behaviour;
use crate::model::adversary::Adversary;
use crate::model::blocks::Spender;
use crate::model::rng::{Stream, stream};
use crate::model::submission::{NewBlock, Submitter};
use crate::model::world::{Clock, Settings};
use crate::protocol::{Protocol, origin_setup};
use bevy_ecs::prelude::*;
use rand::Rng;
use smallvec::smallvec;

pub fn byzantine_double_spend<P: Protocol>(
    settings: Res<Settings>,
    clock: Res<Clock>,
    adversary: Res<Adversary>,
    mut submitter: Submitter<P::Peer>,
) {
    let spender = match adversary.behaviour {
        Behaviour::DoubleSpend => Spender::Owner,
        Behaviour::Thief => Spender::Thief,
        _ => return,
    };
    if adversary.count == 0 {
        return;
    }
    let now = clock.tick;
    let config = &settings.0;
    let attackers: Vec<_> = adversary.members().collect();
    let mut rng = stream(config.seed, Stream::Faults, now, 0xD0B1E);
    for (honest, _, part) in submitter.book.fresh_spends(now) {
        if !rng.random_bool(config.adversary.fraction) {
            continue;
        }
        let me = attackers[rng.random_range(0..attackers.len())];
        submitter.submit(
            NewBlock {
                origin: me,
                nonce: rng.random(),
                parts: smallvec![part],
                twin_of: Some(honest),
                retry_of: None,
                spender,
                now,
                ttl: config.protocol.entry_ttl,
            },
            origin_setup::<P>(),
        );
    }
}
