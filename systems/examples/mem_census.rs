//! Where the heap goes as a run gets longer: the process's resident memory beside the
//! capacities of the lists that can grow (mempools, remembered verdicts, spilled vote lists,
//! learned peers, mailboxes, scratch arenas), every 500 ticks.
//!
//! Peak RSS is the allocator's view; this is the simulation's. When the first grows with
//! `--ticks` and the second does not, the drift is the allocator's (see BENCHMARKS.md,
//! "Memory flatness"). One thread, system allocator:
//!
//! ```text
//! cargo run --release -p ecrust-systems --example mem_census -- 50000 3000
//! ```

mod common;

use ecrust_systems::engine::network::Network;
use ecrust_systems::engine::scratch::Scratch;
use ecrust_systems::model::blocks::BlockBook;
use ecrust_systems::model::ids::PeerIdx;
use ecrust_systems::model::message::Message;
use ecrust_systems::model::peer::View;
use ecrust_systems::model::peer::{Entry, PeerState, VoteRecord};
use ecrust_systems::model::world::Peers;
use std::mem::size_of;

const EVERY: u32 = 500;

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1 << 20) as f64
}

/// VmRSS and VmHWM of this process, in MiB (Linux only; zero elsewhere).
fn resident() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |key: &str| {
        status
            .lines()
            .find(|line| line.starts_with(key))
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|kib| kib.parse::<f64>().ok())
            .map_or(0.0, |kib| kib / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

#[derive(Default)]
struct PeerLists {
    entries: usize,
    entry_capacity: usize,
    remembered: usize,
    remembered_bytes: usize,
    spilled_votes_bytes: usize,
    spilled_views_bytes: usize,
    learned_capacity: usize,
}

fn peer_lists(states: &[PeerState]) -> PeerLists {
    let mut lists = PeerLists::default();
    for ps in states {
        lists.entries += ps.mempool.len();
        lists.entry_capacity += ps.mempool.capacity();
        lists.remembered += ps.remembered.len();
        lists.remembered_bytes +=
            ps.remembered.nodes() * size_of::<ecrust_systems::model::verdicts::Node>();
        lists.learned_capacity += ps.learned.capacity();
        for e in &ps.mempool {
            if e.votes.spilled() {
                lists.spilled_votes_bytes += e.votes.capacity() * size_of::<VoteRecord>();
            }
            if e.views.spilled() {
                lists.spilled_views_bytes += e.views.capacity() * size_of::<View>();
            }
        }
    }
    lists
}

fn main() {
    let peers = common::arg("mem_census", 1, 50_000).max(1);
    let ticks = common::arg("mem_census", 2, 3_000).max(1);
    let mut sim = common::simulation("mem_census", peers, ticks);
    println!(
        "{peers} peers; PeerState {} B, Entry {} B; sizes in MiB",
        size_of::<PeerState>(),
        size_of::<Entry>()
    );
    println!(
        "{:>6} {:>7} {:>7} {:>6} {:>8} {:>9} {:>11} {:>9} {:>6} {:>6} {:>7} {:>9} {:>7}",
        "tick",
        "rss",
        "hwm",
        "blocks",
        "entries",
        "pools",
        "remembered",
        "verdicts",
        "votes",
        "views",
        "learned",
        "mailboxes",
        "arenas"
    );
    for tick in 1..=ticks {
        sim.step();
        if tick % EVERY != 0 && tick != ticks {
            continue;
        }
        let world = &sim.world;
        let lists = peer_lists(&world.resource::<Peers>().states);
        let mailboxes: usize = world
            .resource::<Network>()
            .mailboxes
            .iter()
            .map(|m| {
                let slots: usize = m.slots.iter().map(|s| s.capacity()).sum();
                let spare: usize = m
                    .spare
                    .iter()
                    .chain(&m.spare_pages)
                    .map(|b| b.capacity())
                    .sum();
                (slots + spare) * size_of::<Message>()
            })
            .sum();
        let arenas: usize = world
            .resource::<Scratch>()
            .chunks
            .iter()
            .map(|c| c.arena.lock().map_or(0, |arena| arena.allocated_bytes()))
            .sum();
        let (rss, hwm) = resident();
        println!(
            "{tick:>6} {rss:>7.1} {hwm:>7.1} {:>6} {:>8} {:>9.1} {:>11} {:>9.1} {:>6.1} {:>6.1} {:>7.1} {:>9.1} {:>7.1}",
            world.resource::<BlockBook>().len(),
            lists.entries,
            mib(lists.entry_capacity * size_of::<Entry>()),
            lists.remembered,
            mib(lists.remembered_bytes),
            mib(lists.spilled_votes_bytes),
            mib(lists.spilled_views_bytes),
            mib(lists.learned_capacity * size_of::<PeerIdx>()),
            mib(mailboxes),
            mib(arenas),
        );
    }
}
