//! Where memory goes: bytes per peer by structure, beside the process's peak RSS.
//!
//! Every `--every` ticks (500 unless told) it prints the process's resident memory beside
//! the capacity of every list that can grow (mempools, remembered verdicts, spilled vote
//! lists, protocol lists, mailboxes, scratch arenas): when the first grows with `--ticks` and
//! the second does not, the drift is the allocator's (BENCHMARKS.md, "Memory flatness").
//! At the end it breaks the census with the largest total down by structure, in MiB and in
//! bytes per peer, against the peak RSS (VmHWM), so what no structure explains is visible.
//!
//! Sizes are what the lists have room for (capacity), between ticks; buffers a pass holds
//! only while it runs are not in the census but are in the peak RSS. Examples run on the
//! system allocator (the binary uses mimalloc), one thread unless `--threads` says otherwise:
//!
//! ```text
//! cargo run --release -p ecrust-systems --example mem_census -- 50000 3000
//! cargo run --release -p ecrust-systems --example mem_census -- --protocol v2 --topology small-world --peers 1000000 --ticks 200 --every 20
//! ```

// Only `common::build`: this example parses its own arguments.
#[allow(dead_code)]
mod common;

use ecrust_systems::config::{ProtocolConfig, ProtocolKind, Topology};
use ecrust_systems::engine::network::Network;
use ecrust_systems::engine::scratch::Scratch;
use ecrust_systems::model::blocks::{Block, BlockBook, Part};
use ecrust_systems::model::certificates::CertificateChecker;
use ecrust_systems::model::faults::Faults;
use ecrust_systems::model::ids::{BlockIdx, PeerIdx, Tick, TokenIdx};
use ecrust_systems::model::ledger::Ledger;
use ecrust_systems::model::message::Message;
use ecrust_systems::model::peer::{Entry, EntryPart, Mapping, PeerPart, PeerState, VoteRecord};
use ecrust_systems::model::ring::Ring;
use ecrust_systems::model::signatures::Signatures;
use ecrust_systems::model::tokens::TokenBook;
use ecrust_systems::model::verdicts::{Node, Verdicts};
use ecrust_systems::model::workload::Workload;
use ecrust_systems::model::world::{Peers, Pool};
use ecrust_systems::protocol::{Protocol, WithProtocol, run_with};
use ecrust_systems::{SimConfig, Simulation};
use smallvec::SmallVec;
use std::mem::size_of;

const USAGE: &str = "usage: mem_census [PEERS] [TICKS] [--peers N] [--ticks T] \
[--protocol P] [--topology T] [--threads N] [--every K] [--seed S]";

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1 << 20) as f64
}

/// A one-line error and exit code 2.
fn fail(message: &str) -> ! {
    eprintln!("mem_census: {message}; {USAGE}");
    std::process::exit(2)
}

struct Options {
    config: SimConfig,
    threads: usize,
    every: u32,
}

fn number<T: std::str::FromStr>(flag: &str, text: &str) -> T {
    text.parse()
        .unwrap_or_else(|_| fail(&format!("{flag}: `{text}` is not a whole number")))
}

/// The arguments: PEERS and TICKS by position (as before) or by flag, and the scenario's
/// protocol and topology (the binary's names and defaults, but the original protocol unless
/// told, whose figures the older notes in BENCHMARKS.md give).
fn options() -> Options {
    let mut config = SimConfig {
        peers: 50_000,
        ticks: 3_000,
        protocol: ProtocolConfig {
            kind: ProtocolKind::Original,
            ..ProtocolConfig::default()
        },
        ..SimConfig::default()
    };
    let (mut threads, mut every) = (1, 500);
    let mut positional = 0;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if !arg.starts_with("--") {
            match positional {
                0 => config.peers = number("PEERS", &arg),
                1 => config.ticks = number("TICKS", &arg),
                _ => fail(&format!("unexpected argument `{arg}`")),
            }
            positional += 1;
            continue;
        }
        if arg == "--help" || arg == "-h" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        let value = args
            .next()
            .unwrap_or_else(|| fail(&format!("{arg} needs a value")));
        match arg.as_str() {
            "--peers" => config.peers = number(&arg, &value),
            "--ticks" => config.ticks = number(&arg, &value),
            "--threads" => threads = number(&arg, &value),
            "--every" => every = number(&arg, &value),
            "--seed" => config.seed = number(&arg, &value),
            "--protocol" => {
                config.protocol.kind = ProtocolKind::parse(&value).unwrap_or_else(|| {
                    fail(&format!(
                        "--protocol: `{value}` is not one of {}",
                        ProtocolKind::names()
                    ))
                })
            }
            "--topology" => {
                config.network.topology = Topology::parse(&value).unwrap_or_else(|| {
                    fail(&format!(
                        "--topology: `{value}` is not one of {}",
                        Topology::NAMES
                    ))
                })
            }
            _ => fail(&format!("unknown flag `{arg}`")),
        }
    }
    if config.ticks == 0 {
        fail("--ticks: must be at least 1");
    }
    if every == 0 {
        fail("--every: must be at least 1");
    }
    Options {
        config,
        threads,
        every,
    }
}

/// VmRSS and VmHWM of this process, in bytes (Linux only; zero elsewhere).
fn resident() -> (usize, usize) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |key: &str| {
        status
            .lines()
            .find(|line| line.starts_with(key))
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|kib| kib.parse::<usize>().ok())
            .map_or(0, |kib| kib * 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Heap bytes of a `SmallVec` that spilled out of its inline room (0 while inline).
fn spilled<A: smallvec::Array>(v: &SmallVec<A>) -> usize {
    if v.spilled() {
        v.capacity() * size_of::<A::Item>()
    } else {
        0
    }
}

/// The heap a peer's verdicts take: their nodes, and the list of node pointers once it
/// spills past its two inline ones (its capacity is not visible: the power of two above).
fn verdict_bytes(v: &Verdicts) -> usize {
    let nodes = v.nodes();
    let pointers = if nodes > 2 {
        nodes.next_power_of_two() * size_of::<Box<Node>>()
    } else {
        0
    };
    nodes * size_of::<Node>() + pointers
}

/// One row of the census: a structure, its bytes, and a count that says what it holds.
struct Row {
    name: &'static str,
    bytes: usize,
    count: Option<(usize, &'static str)>,
}

struct Census {
    tick: Tick,
    rows: Vec<Row>,
    /// For the every-K line: live entries and remembered verdicts.
    entries: usize,
    verdicts: usize,
    blocks: usize,
}

impl Census {
    fn total(&self) -> usize {
        self.rows.iter().map(|r| r.bytes).sum()
    }

    fn bytes(&self, name: &str) -> usize {
        self.rows
            .iter()
            .find(|r| r.name == name)
            .map_or(0, |r| r.bytes)
    }
}

#[derive(Default)]
struct PeerLists {
    entries: usize,
    entry_capacity: usize,
    keys_bytes: usize,
    /// The votes the entries hold, and the protocol's lists per entry that spilled.
    vote_records: usize,
    entry_lists_bytes: usize,
    remembered: usize,
    remembered_bytes: usize,
    store_bytes: usize,
    stored: usize,
    /// The protocol's lists per peer that spilled (promises, locks, parents asked for).
    peer_lists_bytes: usize,
}

fn peer_lists<S: PeerPart>(states: &[PeerState<S>]) -> PeerLists {
    let mut l = PeerLists::default();
    for ps in states {
        l.entries += ps.mempool.len();
        l.entry_capacity += ps.mempool.capacity();
        l.keys_bytes += spilled(ps.keys());
        l.remembered += ps.remembered.len();
        l.remembered_bytes += verdict_bytes(&ps.remembered);
        l.store_bytes += spilled(&ps.store);
        l.stored += ps.store.len();
        l.peer_lists_bytes += ps.protocol.heap_bytes();
        for e in &ps.mempool {
            l.vote_records += e.protocol.vote_records();
            l.entry_lists_bytes += e.protocol.heap_bytes();
        }
    }
    l
}

fn census<S: PeerPart>(sim: &Simulation) -> Census {
    let world = &sim.world;
    let peers = world.resource::<Peers<S>>();
    let l = peer_lists(&peers.states);
    let network = world.resource::<Network>();
    let mailboxes: usize = network
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
                + m.slots.capacity() * size_of::<ecrust_systems::engine::parcel::Parcel>()
        })
        .sum();
    let in_flight = network.in_flight() as usize;
    let faults: &Faults = &network.faults;
    let scratch: usize = world
        .resource::<Scratch>()
        .chunks
        .iter()
        .map(|c| {
            c.arena.lock().map_or(0, |arena| arena.allocated_bytes())
                + c.events.capacity() * size_of::<ecrust_systems::model::world::PeerEvent>()
                + c.decided.capacity() * size_of::<u32>()
                + c.trace.capacity() * size_of::<ecrust_systems::model::trace::TraceEvent>()
                + c.signed.capacity() * size_of::<ecrust_systems::model::signatures::SignedVote>()
        })
        .sum();
    let ring = world.resource::<Ring>();
    let (links, link_bytes) = ring.small_world().map_or((0, 0), |sw| {
        let far: usize = (0..sw.peers()).map(|p| sw.far(p).len()).sum();
        (far, (far + sw.peers() as usize + 1) * size_of::<PeerIdx>())
    });
    let (tables, table_bytes) = ring.dht().map_or((0, 0), |t| {
        (t.size() as usize, t.peers() as usize * t.bytes_per_peer())
    });
    let (cached, cache_bytes) = network.mailboxes.iter().fold((0, 0), |(n, b), m| {
        let c = &m.contacts;
        (n + c.cached(), b + c.bytes())
    });
    let book = world.resource::<BlockBook>();
    let book_bytes = book.capacity() * size_of::<Block>()
        + book.iter().map(|(_, b)| spilled(&b.parts)).sum::<usize>();
    let signatures = world.resource::<Signatures>();
    let checker = world.resource::<CertificateChecker>();
    let ledger = world.resource::<Ledger>();
    let tokens = world.resource::<TokenBook>();
    let workload = world.resource::<Workload>();
    let per_token = ledger.heads.capacity() * size_of::<Mapping>()
        + tokens.ids.capacity() * size_of::<u64>()
        + workload.free.capacity() * size_of::<TokenIdx>()
        + workload.resubmit.capacity() * size_of::<BlockIdx>();
    let row = |name, bytes, count| Row { name, bytes, count };
    let rows = vec![
        row(
            "peer states (dense Vec<PeerState>)",
            peers.states.capacity() * size_of::<PeerState<S>>(),
            Some((peers.states.len(), "peers")),
        ),
        row(
            "hint arrays (Peers::pools, gc_due)",
            peers.pools.capacity() * size_of::<Pool>()
                + peers.gc_due.capacity() * size_of::<Tick>(),
            None,
        ),
        row(
            "mempool entries (capacity x Entry)",
            l.entry_capacity * size_of::<Entry<S::Entry>>(),
            Some((l.entries, "entries held")),
        ),
        row("mempool keys, spilled", l.keys_bytes, None),
        row(
            "protocol's entry lists, spilled",
            l.entry_lists_bytes,
            Some((l.vote_records, "votes held")),
        ),
        row(
            "remembered verdicts (nodes)",
            l.remembered_bytes,
            Some((l.remembered, "verdicts")),
        ),
        row(
            "token stores, spilled",
            l.store_bytes,
            Some((l.stored, "mappings")),
        ),
        row(
            "protocol's peer lists (promises, learned peers, locks)",
            l.peer_lists_bytes,
            None,
        ),
        row("ring ids", ring.ids.capacity() * size_of::<u64>(), None),
        row(
            "small-world links (far + offsets)",
            link_bytes,
            Some((links, "far links")),
        ),
        row(
            "dht routing tables (bucket contacts)",
            table_bytes,
            Some((tables, "contacts a table")),
        ),
        row(
            "dht contact caches",
            cache_bytes,
            Some((cached, "cached contacts")),
        ),
        row(
            "fault tables (partitions, churn)",
            faults.group.capacity() + faults.offline_until.capacity() * size_of::<Tick>(),
            None,
        ),
        row(
            "mailboxes (Network)",
            mailboxes,
            Some((in_flight, "in flight")),
        ),
        row("scratch (arenas, per-chunk lists)", scratch, None),
        row("block book", book_bytes, Some((book.len(), "blocks"))),
        row(
            "vote registry (Signatures)",
            signatures.heap_bytes(),
            Some((signatures.len(), "blocks")),
        ),
        row(
            "certificate checker (estimate)",
            checker.heap_bytes(),
            Some((checker.len(), "spends")),
        ),
        row(
            "per-token tables (ledger, tokens, workload)",
            per_token,
            None,
        ),
    ];
    Census {
        tick: sim.tick(),
        rows,
        entries: l.entries,
        verdicts: l.remembered,
        blocks: book.len(),
    }
}

/// What a `PeerState` holds inline, field type by field type.
fn peer_state_layout<S: PeerPart>() -> String {
    let fields = [
        ("mempool", size_of::<Vec<Entry<S::Entry>>>()),
        ("keys", size_of::<SmallVec<[BlockIdx; 6]>>()),
        ("store", size_of::<SmallVec<[(TokenIdx, Mapping); 2]>>()),
        ("remembered", size_of::<Verdicts>()),
        ("protocol part", size_of::<S>()),
        ("gc_due + range + flag", 4 + 8 + 8 + 1),
    ];
    let parts: Vec<String> = fields.iter().map(|(n, b)| format!("{n} {b}")).collect();
    format!(
        "PeerState {} B (fields about {}; padding the rest)",
        size_of::<PeerState<S>>(),
        parts.join(" + ")
    )
}

fn main() {
    let Options {
        config,
        threads,
        every,
    } = options();
    let (_, before) = resident();
    let sim = common::build("mem_census", config, threads);
    let kind = sim.config().protocol.kind;
    run_with(kind, Report { sim, before, every });
}

/// The census of a run, with the protocol's state types.
struct Report {
    sim: Simulation,
    before: usize,
    every: u32,
}

impl WithProtocol for Report {
    type Output = ();
    fn run<P: Protocol>(self, _: &P) {
        report::<P::Peer>(self);
    }
}

fn report<S: PeerPart>(
    Report {
        mut sim,
        before,
        every,
    }: Report,
) {
    let config = sim.config();
    let (peers, ticks) = (config.peers, config.ticks);
    let (protocol, topology) = (config.protocol.kind.name(), config.network.topology.name());
    let (setup_rss, setup_hwm) = resident();
    println!(
        "{protocol}, {topology}, {peers} peers x {ticks} ticks, {} thread(s); sizes in MiB",
        sim.threads()
    );
    println!(
        "{}; Entry {} B (protocol part {} B), VoteRecord {} B, verdict Node {} B, \
         Block {} B (Part {} B), Message {} B",
        peer_state_layout::<S>(),
        size_of::<Entry<S::Entry>>(),
        size_of::<S::Entry>(),
        size_of::<VoteRecord>(),
        size_of::<Node>(),
        size_of::<Block>(),
        size_of::<Part>(),
        size_of::<Message>(),
    );
    println!(
        "set-up: RSS {:.1} MiB, peak RSS {:.1} MiB (before set-up {:.1})",
        mib(setup_rss),
        mib(setup_hwm),
        mib(before)
    );
    println!(
        "{:>6} {:>7} {:>7} {:>7} {:>8} {:>9} {:>11} {:>9} {:>6} {:>7} {:>9} {:>7} {:>7}",
        "tick",
        "rss",
        "hwm",
        "blocks",
        "entries",
        "pools",
        "remembered",
        "verdicts",
        "votes",
        "peer lists",
        "mailboxes",
        "scratch",
        "census"
    );
    let mut largest: Option<Census> = None;
    for tick in 1..=ticks {
        sim.step();
        if tick % every != 0 && tick != ticks {
            continue;
        }
        let c = census::<S>(&sim);
        let (rss, hwm) = resident();
        println!(
            "{tick:>6} {:>7.1} {:>7.1} {:>7} {:>8} {:>9.1} {:>11} {:>9.1} {:>6.1} {:>7.1} {:>9.1} {:>7.1} {:>7.1}",
            mib(rss),
            mib(hwm),
            c.blocks,
            c.entries,
            mib(c.bytes("mempool entries (capacity x Entry)")),
            c.verdicts,
            mib(c.bytes("remembered verdicts (nodes)")),
            mib(c.bytes("protocol's entry lists, spilled")),
            mib(c.bytes("protocol's peer lists (promises, learned peers, locks)")),
            mib(c.bytes("mailboxes (Network)")),
            mib(c.bytes("scratch (arenas, per-chunk lists)")),
            mib(c.total()),
        );
        if largest.as_ref().is_none_or(|l| c.total() >= l.total()) {
            largest = Some(c);
        }
    }
    let (rss, hwm) = resident();
    let c = largest.expect("at least one census (the last tick's)");
    let n = f64::from(peers.max(1));
    let per_peer = |bytes: usize| bytes as f64 / n;
    println!();
    println!(
        "by structure, at tick {} (the census with the largest total), {protocol} / {topology}, {peers} peers:",
        c.tick
    );
    println!("{:<44} {:>10} {:>10}  holds", "structure", "MiB", "B/peer");
    let mut rows: Vec<&Row> = c.rows.iter().collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.bytes));
    for r in rows {
        let holds = r
            .count
            .map_or(String::new(), |(k, what)| format!("{k} {what}"));
        println!(
            "{:<44} {:>10.1} {:>10.1}  {holds}",
            r.name,
            mib(r.bytes),
            per_peer(r.bytes)
        );
    }
    let total = c.total();
    println!(
        "{:<44} {:>10.1} {:>10.1}",
        "sum of the census",
        mib(total),
        per_peer(total)
    );
    println!(
        "{:<44} {:>10.1} {:>10.1}",
        "peak RSS (VmHWM) of the process",
        mib(hwm),
        per_peer(hwm)
    );
    println!(
        "{:<44} {:>10.1} {:>10.1}",
        "  of which before set-up (binary, libraries)",
        mib(before),
        per_peer(before)
    );
    println!(
        "{:<44} {:>10.1} {:>10.1}",
        "  peak RSS after set-up (before tick 1)",
        mib(setup_hwm),
        per_peer(setup_hwm)
    );
    println!(
        "{:<44} {:>10.1} {:>10.1}",
        "unexplained (VmHWM - sum - before set-up)",
        mib(hwm.saturating_sub(total + before)),
        per_peer(hwm.saturating_sub(total + before))
    );
    println!(
        "{:<44} {:>10.1} {:>10.1}",
        "RSS at the end (VmRSS)",
        mib(rss),
        per_peer(rss)
    );
}
