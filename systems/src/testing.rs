//! Tiny hand-built worlds for the systems' unit tests.
//!
//! Five peers at ring ids 1000..=5000, every peer linked to every other, no loss and a delay
//! of exactly one tick, so every message a test sends is due on the next tick and nowhere else.

use crate::config::{
    DelayModel, LinkModel, NetworkConfig, ProtocolConfig, ProtocolKind, SimConfig, Topology,
    WorkloadConfig,
};
use crate::engine::network::Network;
use crate::model::blocks::{BlockBook, Part};
use crate::model::ids::{BlockIdx, PeerIdx, Tick, TokenIdx};
use crate::model::ledger::Ledger;
use crate::model::message::{Kind, Message};
use crate::model::peer::{PeerPart, PeerState};
use crate::model::ring::Ring;
use crate::model::submission::{NewBlock, Submitter};
use crate::model::tokens::TokenBook;
use crate::model::workload::Workload;
use crate::model::world::{Clock, Peers, Settings};
use crate::protocol::original::state::OriginalPeer;
use crate::protocol::{Protocol, origin_setup, with_protocol};
use crate::sim::build_world_from;
use bevy_ecs::prelude::*;
use bevy_ecs::system::RunSystemOnce;

pub const PEER_IDS: [u64; 5] = [1000, 2000, 3000, 4000, 5000];

/// Token 0 sits between peers 1 and 2, token 1 past peer 4. A peer's own range runs from the
/// 4th known peer below its id to the 4th above; on five peers that wraps past the other four,
/// so peers 0, 3 and 4 hold token 0 and only peers 1..=3 hold token 1.
pub const TOKEN_IDS: [u64; 2] = [2500, 5500];

/// A block id between peers 3 and 4: its witness targets differ from the token's.
pub const BLOCK_ID: u64 = 4200;

pub const TTL: Tick = 20;
pub const GC_AFTER: Tick = 10;

pub fn tiny_config(tokens: u32) -> SimConfig {
    SimConfig {
        peers: PEER_IDS.len() as u32,
        ticks: 100,
        seed: 7,
        check: true,
        network: NetworkConfig {
            loss: 0.0,
            loss_spread: 0.0,
            delay: DelayModel::Uniform { min: 1, max: 1 },
            topology: Topology::Random,
            degree: None,
        },
        workload: WorkloadConfig {
            tokens: Some(tokens),
            block_size_min: 1,
            block_size_max: 1,
            conflict_rate: 0.0,
        },
        // The tiny worlds test the original's systems; v2's tests set their own kind.
        protocol: ProtocolConfig {
            kind: ProtocolKind::Original,
            threshold: 1,
            entry_ttl: TTL,
            mempool_cap: 100,
            gc_after: GC_AFTER,
            learned_peers: 4,
            ..ProtocolConfig::default()
        },
        ..SimConfig::default()
    }
}

/// The five-peer world with `config` (its `peers` and `tokens` must match the constants).
pub fn tiny_world_with(config: SimConfig) -> World {
    let ring = Ring::from_ids(
        PEER_IDS.to_vec(),
        LinkModel::Uniform { p: 1.0 },
        config.seed,
    );
    let tokens = TokenBook {
        ids: TOKEN_IDS[..config.tokens() as usize].to_vec(),
    };
    build_world_from(config, ring, tokens)
}

pub fn tiny_world() -> World {
    tiny_world_with(tiny_config(TOKEN_IDS.len() as u32))
}

/// Runs one system on the world, as the schedule would.
pub fn run<M>(world: &mut World, system: impl IntoSystem<(), (), M>) {
    world.run_system_once(system).expect("system runs");
}

/// Runs the tick system called `name` (see [`crate::schedule::TICK_SYSTEMS`]) once: a test
/// of one system can run another without importing it.
pub fn run_named(world: &mut World, name: &str) {
    let index = crate::schedule::TICK_SYSTEMS
        .iter()
        .position(|&n| n == name)
        .unwrap_or_else(|| panic!("no tick system {name}"));
    crate::schedule::run_tick_system(world, index).expect("system runs");
}

/// Sets `decision` on every entry of peer `p` and queues the peer for the commit system, as
/// the vote system would.
pub fn decide(world: &mut World, p: PeerIdx, decision: crate::model::peer::Decision) {
    for e in &mut peer_mut(world, p).mempool {
        e.decision = decision;
    }
    let plan = world.resource::<Network>().plan;
    let mut scratch = world.resource_mut::<crate::engine::scratch::Scratch>();
    scratch.fit(plan);
    let chunk = plan.chunk_of(p);
    scratch.chunks[chunk].decided.push(p - plan.first(chunk));
}

pub fn set_tick(world: &mut World, tick: Tick) {
    world.resource_mut::<Clock>().tick = tick;
}

/// Peer `p` of a world running the original (the tiny worlds' protocol).
pub fn peer(world: &World, p: PeerIdx) -> &PeerState<OriginalPeer> {
    peer_of(world, p)
}

pub fn peer_mut(world: &mut World, p: PeerIdx) -> &mut PeerState<OriginalPeer> {
    peer_of_mut(world, p)
}

/// Peer `p` of a world whose protocol keeps `S` per peer.
pub fn peer_of<S: PeerPart>(world: &World, p: PeerIdx) -> &PeerState<S> {
    &world.resource::<Peers<S>>().states[p as usize]
}

pub fn peer_of_mut<S: PeerPart>(world: &mut World, p: PeerIdx) -> &mut PeerState<S> {
    world.resource_mut::<Peers<S>>().into_inner().state_mut(p)
}

/// Submits a block spending `tokens` at `origin`, as the driver would, and takes the tokens
/// out of the driver's free list so the workload stays consistent.
pub fn submit_block(world: &mut World, origin: PeerIdx, id: u64, tokens: &[TokenIdx]) -> BlockIdx {
    let parts: Vec<Part> = tokens
        .iter()
        .map(|&token| {
            let head = world.resource::<Ledger>().head(token);
            Part {
                token,
                last: head.block,
                last_time: head.time,
            }
        })
        .collect();
    submit_parts(world, origin, id, &parts)
}

/// Submits a block with exactly `parts` (a stale or double spend, if they say so) at
/// `origin`, taking its tokens out of the driver's free list.
pub fn submit_parts(world: &mut World, origin: PeerIdx, id: u64, parts: &[Part]) -> BlockIdx {
    let now = world.resource::<Clock>().tick;
    {
        let mut workload = world.resource_mut::<Workload>();
        workload
            .free
            .retain(|t| parts.iter().all(|p| p.token != *t));
        workload.active += 1;
    }
    let next = world.resource::<BlockBook>().next_idx();
    world
        .resource_mut::<crate::model::families::Families>()
        .on_submit(next, None, None);
    // `id` is the block's nonce; its id is what the protocol makes of it (v2 hashes the
    // content, the original takes the nonce).
    let nonce = id;
    let id = world.resource::<Workload>().block_ids.id(parts, nonce);
    let new = NewBlock {
        origin,
        nonce,
        parts: parts.iter().copied().collect(),
        twin_of: None,
        retry_of: None,
        spender: crate::model::blocks::Spender::Owner,
        now,
        ttl: TTL,
    };
    fn put<P: Protocol>(_: &P, world: &mut World, new: NewBlock, id: u64) -> BlockIdx {
        let mut new = Some(new);
        world
            .run_system_once(move |mut s: Submitter<P::Peer>| {
                let new = new.take().expect("the system runs once");
                s.put(new, id, origin_setup::<P>())
            })
            .expect("the submitter runs")
    }
    let kind = world.resource::<Settings>().0.protocol.kind;
    with_protocol!(kind, |p| put(p, world, new, id))
}

/// Every message in flight, in (receiver, sender, kind) order.
/// A block (id `id`, submitted at 0 by peer 0) spending each `(token, owner)` of `spends`.
pub fn block_spending(id: u64, spends: &[(TokenIdx, BlockIdx)]) -> crate::model::blocks::Block {
    crate::model::blocks::Block {
        id,
        nonce: id,
        submitted: 0,
        time: 1,
        origin: 0,
        parts: spends
            .iter()
            .map(|&(token, last)| Part {
                token,
                last,
                last_time: 0,
            })
            .collect(),
        twin_of: None,
        retry_of: None,
        spender: crate::model::blocks::Spender::Owner,
        outcome: None,
        commits: 0,
        messages: std::sync::atomic::AtomicU64::new(0),
    }
}

pub fn in_flight(world: &World) -> Vec<Message> {
    let mut all: Vec<Message> = world
        .resource::<Network>()
        .mailboxes
        .iter()
        .flat_map(|m| m.slots.iter().flat_map(|s| s.iter().copied()))
        .collect();
    all.sort_by_key(|m| (m.to, m.from, m.kind, m.block));
    all
}

/// Puts `msg` on the wire so it is delivered at tick `at`.
pub fn post(world: &mut World, msg: Message, at: Tick) {
    let mut network = world.resource_mut::<Network>();
    let (plan, wheel) = (network.plan, network.wheel);
    let slot = (at % wheel) as usize * plan.count as usize + plan.chunk_of(msg.to);
    let mailbox = &mut network.mailboxes[plan.chunk_of(msg.from)];
    mailbox.slots[slot].push(msg, &mut mailbox.spare_pages);
}

/// A message of `kind` about `block`, sent at `sent`.
pub fn message(
    kind: impl Into<Kind>,
    from: PeerIdx,
    to: PeerIdx,
    block: BlockIdx,
    sent: Tick,
) -> Message {
    Message::plain(kind, from, to, block, sent)
}

#[test]
fn token_holders_are_as_documented() {
    let world = tiny_world();
    let holders = |t: usize| -> Vec<PeerIdx> {
        (0..5)
            .filter(|&p| peer(&world, p).in_range(TOKEN_IDS[t]))
            .collect()
    };
    assert_eq!(holders(0), vec![0, 3, 4]);
    assert_eq!(holders(1), vec![1, 2, 3]);
}

/// Messages charged to block `b` so far.
pub fn messages_charged(world: &World, b: crate::model::ids::BlockIdx) -> u64 {
    world
        .resource::<crate::model::blocks::BlockBook>()
        .get(b)
        .expect("block held")
        .messages_sent()
}
