//! System (runs after `inject_transactions`): Byzantine behaviour "double-spend". Each honest
//! block submitted this tick is raced, with probability equal to the Byzantine fraction, by a
//! block from a random Byzantine peer (its own origin) that spends the block's first token from
//! the same owner. So attacks scale with the workload and the adversary's size. Such blocks
//! never return tokens to the honest driver.

use crate::adversary::{Adversary, Behaviour};
use crate::blocks::{BlockBook, Part};
use crate::metrics::Metrics;
use crate::resources::{Clock, Peers, Settings};
use crate::ring::Ring;
use crate::rng::{Stream, stream};
use crate::systems::inject_transactions::submit;
use crate::tokens::TokenBook;
use crate::workload::Workload;
use bevy_ecs::prelude::*;
use rand::Rng;
use smallvec::smallvec;

#[allow(clippy::too_many_arguments)]
pub fn byzantine_double_spend(
    settings: Res<Settings>,
    clock: Res<Clock>,
    adversary: Res<Adversary>,
    ring: Res<Ring>,
    tokens: Res<TokenBook>,
    mut book: ResMut<BlockBook>,
    mut workload: ResMut<Workload>,
    mut peers: ResMut<Peers>,
    mut metrics: ResMut<Metrics>,
) {
    if adversary.behaviour != Behaviour::DoubleSpend || adversary.count == 0 {
        return;
    }
    let now = clock.tick;
    let config = &settings.0;
    let attackers: Vec<_> = adversary.members().collect();
    let mut rng = stream(config.seed, Stream::Faults, now, 0xD0B1E);
    let fresh: Vec<(crate::ids::BlockIdx, Part)> = book
        .iter()
        .rev()
        .take_while(|(_, b)| b.submitted == now)
        .filter(|(_, b)| b.twin_of.is_none())
        .map(|(i, b)| (i, b.parts[0]))
        .collect();
    for (honest, part) in fresh.into_iter().rev() {
        if !rng.random_bool(config.byzantine) {
            continue;
        }
        let me = attackers[rng.random_range(0..attackers.len())];
        submit(
            &mut book,
            &mut peers,
            &ring,
            &tokens,
            now,
            me,
            rng.random(),
            smallvec![part],
            Some(honest),
            config.entry_ttl,
        );
        workload.active += 1;
        metrics.current.blocks_submitted += 1;
    }
}
