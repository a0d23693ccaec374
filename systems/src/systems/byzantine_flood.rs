//! Byzantine behaviour "flood". Every flooding peer sends
//! `FLOOD_PER_TICK` vote requests about random live blocks to random peers, claiming to hold
//! and agree with everything: load on the network and noise in every tally it reaches.

use crate::config::Behaviour;
use crate::engine::pass::PeerPass;
use crate::model::adversary::Adversary;
use crate::model::blocks::BlockBook;
use crate::model::message::{ANSWER_SENDER, Message};
use crate::model::rng::{Stream, stream};
use crate::model::world::{Clock, Settings};
use crate::protocol::Protocol;
use bevy_ecs::prelude::*;
use rand::Rng;

/// Vote requests per flooding peer per tick.
pub const FLOOD_PER_TICK: u32 = 16;

pub fn byzantine_flood<P: Protocol>(
    settings: Res<Settings>,
    clock: Res<Clock>,
    adversary: Res<Adversary>,
    book: Res<BlockBook>,
    mut pass: PeerPass<P::Peer>,
) {
    if adversary.behaviour != Behaviour::Flood || adversary.count == 0 || book.is_empty() {
        return;
    }
    let now = clock.tick;
    let n = settings.0.peers;
    let first_block = book.iter().next().map(|(i, _)| i).unwrap_or(0);
    let end_block = book.next_idx();
    let adversary = &*adversary;
    let seed = settings.0.seed;
    pass.for_each_chunk(now, |mut work| {
        // Traced outbox: flooding is rare, and its requests belong in a traced block's story.
        let out = &mut work.outbox.retag::<true>();
        for local in 0..work.peers.len() {
            let me = work.first + local as u32;
            if !adversary.acts(me, Behaviour::Flood) {
                continue;
            }
            let mut rng = stream(seed, Stream::Faults, now, me as u64 ^ 0xF100D);
            for _ in 0..FLOOD_PER_TICK {
                let to = rng.random_range(0..n);
                if to == me {
                    continue;
                }
                let msg = Message {
                    to,
                    from: me,
                    block: rng.random_range(first_block..end_block),
                    sent: now,
                    target: ANSWER_SENDER,
                    kind: P::FLOOD,
                    mask: 0x3F,
                    holds: 0x3F,
                };
                out.send(msg, &mut rng);
            }
        }
    });
}
