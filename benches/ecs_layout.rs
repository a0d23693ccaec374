//! Peers as a dense resource or as bevy_ecs entities: the hot path (votes delivered to pending
//! entries, then the vote pass) modelled once and run on both layouts over the same workload.
//!
//! Run (each prints wall time, messages delivered per second, peak RSS and a checksum):
//!
//!   cargo bench --bench ecs_layout -- --layout dense --peers 50000 --ticks 1000 --threads 1
//!   cargo bench --bench ecs_layout -- --layout entities --peers 50000 --ticks 1000 --threads 1
//!   cargo bench --bench ecs_layout -- --layout entities-get --peers 50000 --ticks 1000 --threads 1
//!   cargo bench --bench ecs_layout -- --layout dense-columns --peers 50000 --ticks 1000 --threads 1
//!   cargo bench --bench ecs_layout -- --check   # every layout, 1 and 2 threads: same checksum
//!
//! Side by side: `cargo bench --bench ecs_layout --no-run` prints the binary's path
//! (target/release/deps/ecs_layout-HASH); run it with the arguments above under
//! `/usr/bin/time -v`, alternating dense and entities (A B A B ...), and compare medians of
//! wall time and "Maximum resident set size".
//!
//! Layouts:
//! - `dense`: today's layout. One `PeerState` per peer in a `Vec` in ring order and one hint
//!   byte per peer beside it, cut into fixed chunks run in parallel (as `for_each_chunk`).
//! - `entities`: peers are entities spawned in ring order, their state split into the
//!   table components `Mempool`, `TokenStore`, `LearnedPeers`, `Verdicts`, `PoolHint`;
//!   Byzantine and offline roles are sparse-set markers, read into role bits once per pass.
//!   Systems take the columns as slices (`Query::contiguous_iter_mut`, table row = ring
//!   position, asserted at setup) and cut them into the same chunks.
//! - `entities-lookup`: as `entities`, but every role check asks the markers
//!   (`Query::contains` by `Entity`).
//! - `entities-get`: as `entities`, but a message reaches its receiver by `Entity`
//!   (`Query::get_unchecked` from a ring-ordered `Vec<Entity>`), the usual ECS access.
//! - `dense-columns`: the entity layout's columns as plain `Vec`s in a resource, to tell the
//!   cost of splitting the state from the cost of the ECS around it.
//!
//! Every layout runs the same per-peer code (`handle`, `vote_peer`, `PeerMut::settle`) on
//! the same seeded workload and must print the same checksum (of each tick's message counts
//! and of every decision); `--check` asserts it on a small run with Byzantine and offline
//! peers. The default workload (six blocks a tick at 50k peers) sends about the messages of
//! `ecrust-ecs --peers 50000 --ticks 1000` (55.0 M against 54.6 M; peak vote records 136 k
//! against 137 k; peak entries 14.5 k against 17.3 k).
//!
//! Not modelled: block bodies beyond their views, D3 claims and promises, parent queries,
//! query forwarding, the ledger and block outcomes, churn and partitions (roles are fixed for
//! the run), message charges, parcels' fixed pages, mimalloc (the system allocator serves).

use bevy_ecs::prelude::*;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

// ---------------------------------------------------------------------------------------
// The model's parameters: those of the binary's default 50k-peer run where it has them.

const THRESHOLD: i32 = 2;
const ENTRY_TTL: u32 = 200;
const MEMPOOL_CAP: usize = 100;
const LEARNED_CAP: usize = 32;
const REQUERY_TICKS: u32 = 4;
/// 2 % loss, as the default run.
const LOSS_THRESHOLD: u64 = (0.02 * (1u64 << 32) as f64) as u64;
/// Geometric delays (stay 0.5) capped as the binary caps them; the wheel has one more slot.
const DELAY_CAP: u32 = 64;
/// Probability that two peers share a seeded link, as a threshold on 32 bits (the default
/// 50k run's mean degree is about 20,000).
const LINK_THRESHOLD: u64 = (0.4 * (1u64 << 32) as f64) as u64;
/// A peer stores the tokens whose ring insertion point lies this close to it.
const HOLD_RADIUS: u32 = 3;
/// Share of blocks that one part's holders object to, so some blocks are rejected.
const BAD_BLOCK_PER_MILLE: u64 = 20;
const COMMITTED_MASK: u8 = 0xFF;
const ALL_PARTS: u8 = 0xFF;
/// Prefetch distance in receivers (delivery) and in voters (vote pass).
const FAR_AHEAD: usize = 16;
const NEAR_AHEAD: usize = 8;
const VOTE_AHEAD: usize = 4;

// ---------------------------------------------------------------------------------------
// Randomness: seeded streams per (purpose, tick, peer), so no draw depends on the thread.

#[inline]
fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn stream_key(seed: u64, purpose: u64, tick: u32) -> u64 {
    mix64(mix64(mix64(seed) ^ purpose) ^ tick as u64)
}

/// SplitMix64: small state, one multiply chain per draw.
struct Rng(u64);

impl Rng {
    #[inline]
    fn stream(key: u64, subject: u64) -> Self {
        Rng(mix64(key ^ subject))
    }

    #[inline]
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.0)
    }

    /// Uniform in `0..n` (multiply-shift; the bias is irrelevant here).
    #[inline]
    fn below(&mut self, n: u32) -> u32 {
        (((self.next() >> 32) * n as u64) >> 32) as u32
    }
}

fn shuffle<T>(items: &mut [T], rng: &mut Rng) {
    for i in (1..items.len()).rev() {
        items.swap(i, rng.below(i as u32 + 1) as usize);
    }
}

const INBOX: u64 = 7;
const VOTE: u64 = 6;
const WORKLOAD: u64 = 4;
const ROLES: u64 = 9;

// ---------------------------------------------------------------------------------------
// Messages and the ring.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum Kind {
    VoteRequest = 0,
    VoteEcho = 1,
    BlockQuery = 2,
    BlockReply = 3,
}
const KINDS: usize = 4;
const _: () = assert!(std::mem::size_of::<Message>() == 24);

/// A message in flight: 24 bytes, as the simulator's.
#[derive(Clone, Copy, Debug)]
struct Message {
    to: u32,
    from: u32,
    block: u32,
    sent: u32,
    /// Unused by the modelled kinds; kept so a message is the simulator's 24 bytes.
    #[allow(dead_code)]
    target: u32,
    kind: Kind,
    mask: u8,
    holds: u8,
}

const EMPTY: Message = Message {
    to: 0,
    from: 0,
    block: 0,
    sent: 0,
    target: u32::MAX,
    kind: Kind::VoteEcho,
    mask: 0,
    holds: 0,
};

#[inline]
fn in_ring_interval(x: u32, lo: u32, hi: u32, n: u32) -> bool {
    let offset = |v: u32| if v >= lo { v - lo } else { v + (n - lo) };
    offset(x) <= offset(hi)
}

/// A peer's four nearest linked peers on each side of a key: whom it asks and whose votes
/// count.
#[derive(Clone, Copy, Debug, Default)]
struct Neighbourhood {
    below: [u32; 4],
    above: [u32; 4],
}

impl Neighbourhood {
    #[inline]
    fn contains(&self, p: u32, peers: u32) -> bool {
        in_ring_interval(p, self.below[3], self.above[3], peers)
    }

    #[inline]
    fn vote_targets(&self, rotation: u64) -> [u32; 2] {
        let a = (rotation % 4) as usize;
        [self.below[a], self.above[a]]
    }
}

#[inline]
fn rotation(key: u64, my_id: u64, now: u32) -> u64 {
    (key ^ my_id).wrapping_add(now as u64)
}

/// A block as every peer sees it: up to three parts (tokens) and a witness key.
#[derive(Clone, Copy, Debug)]
struct Block {
    id: u64,
    parts: u8,
    /// Ring insertion point of each part's token.
    token_pos: [u32; 3],
    token_key: [u64; 3],
    witness_pos: u32,
    /// Parts whose holders object (a stale owner): the block is to be rejected.
    bad: u8,
    expires: u32,
}

/// Read-only context of a pass.
struct Cx<'a> {
    peers: u32,
    now: u32,
    seed: u64,
    book: &'a [Block],
}

impl Cx<'_> {
    #[inline]
    fn linked(&self, a: u32, b: u32) -> bool {
        let (lo, hi) = if a < b { (a, b) } else { (b, a) };
        a != b && mix64(self.seed ^ ((lo as u64) << 32 | hi as u64)) >> 32 < LINK_THRESHOLD
    }

    /// Peer `me`'s neighbourhood of the key inserted at ring position `at`.
    fn neighbourhood(&self, me: u32, at: u32) -> Neighbourhood {
        let n = self.peers;
        let mut nb = Neighbourhood::default();
        let (mut up, mut found) = (at % n, 0);
        for _ in 0..n {
            if self.linked(me, up) {
                nb.above[found] = up;
                found += 1;
                if found == 4 {
                    break;
                }
            }
            up = if up + 1 == n { 0 } else { up + 1 };
        }
        let (mut down, mut found) = (if at == 0 { n - 1 } else { at - 1 } % n, 0);
        for _ in 0..n {
            if self.linked(me, down) {
                nb.below[found] = down;
                found += 1;
                if found == 4 {
                    break;
                }
            }
            down = if down == 0 { n - 1 } else { down - 1 };
        }
        nb
    }

    fn views(&self, me: u32, block: &Block) -> Views {
        let mut views = Views::default();
        for i in 0..block.parts as usize {
            views.list[i] = self.neighbourhood(me, block.token_pos[i]);
        }
        views.list[block.parts as usize] = self.neighbourhood(me, block.witness_pos);
        views.len = block.parts + 1;
        views
    }
}

// ---------------------------------------------------------------------------------------
// Per-peer state, shared by both layouts: the dense layout holds these as fields of one
// `PeerState`, the entity layout as components.

/// A short list kept inline, spilled whole to the heap past `N` (a minimal `SmallVec`).
#[derive(Clone, Debug)]
struct Inline<T: Copy + Default, const N: usize> {
    len: u32,
    inline: [T; N],
    spill: Vec<T>,
}

impl<T: Copy + Default, const N: usize> Default for Inline<T, N> {
    fn default() -> Self {
        Self {
            len: 0,
            inline: [T::default(); N],
            spill: Vec::new(),
        }
    }
}

impl<T: Copy + Default, const N: usize> Inline<T, N> {
    #[inline]
    fn as_slice(&self) -> &[T] {
        if self.len as usize <= N {
            &self.inline[..self.len as usize]
        } else {
            &self.spill
        }
    }

    #[inline]
    fn as_mut_slice(&mut self) -> &mut [T] {
        if self.len as usize <= N {
            &mut self.inline[..self.len as usize]
        } else {
            &mut self.spill
        }
    }

    fn len(&self) -> usize {
        self.len as usize
    }

    fn push(&mut self, value: T) {
        let n = self.len as usize;
        if n < N {
            self.inline[n] = value;
        } else {
            if n == N {
                self.spill.reserve_exact(2 * N);
                self.spill.extend_from_slice(&self.inline);
            }
            self.spill.push(value);
        }
        self.len += 1;
    }

    fn insert(&mut self, at: usize, value: T) {
        self.push(value);
        self.as_mut_slice()[at..].rotate_right(1);
    }

    fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        if self.len as usize > N {
            self.spill.retain(|v| keep(v));
            self.len = self.spill.len() as u32;
            if self.len as usize <= N {
                self.inline[..self.spill.len()].copy_from_slice(&self.spill);
                self.spill = Vec::new();
            }
        } else {
            let mut kept = 0;
            for i in 0..self.len as usize {
                if keep(&self.inline[i]) {
                    self.inline[kept] = self.inline[i];
                    kept += 1;
                }
            }
            self.len = kept as u32;
        }
    }

    fn clear(&mut self) {
        self.len = 0;
        self.spill = Vec::new();
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct VoteRecord {
    voter: u32,
    sent: u32,
    mask: u8,
    holds: u8,
}

/// The views of an entry: one per part, then the witness.
#[derive(Clone, Copy, Debug, Default)]
struct Views {
    len: u8,
    list: [Neighbourhood; 4],
}

impl Views {
    fn as_slice(&self) -> &[Neighbourhood] {
        &self.list[..self.len as usize]
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Decision {
    Undecided,
    Commit,
    Reject,
}

/// Body not known yet and queried at this tick, or `KNOWN`.
const KNOWN: u32 = u32::MAX;
const WITNESS_SLOT: usize = 6;
const WITNESS_BIT: u8 = 1 << 6;

/// A pending block at one peer: inline vote records and views, incremental balances.
#[derive(Clone, Debug)]
struct Entry {
    block: u32,
    expires: u32,
    asked: u32,
    origin: bool,
    decision: Decision,
    stale: bool,
    exact: bool,
    undecided: u8,
    balance: [i16; 7],
    votes: Inline<VoteRecord, 6>,
    views: Views,
}

impl Entry {
    fn new(block: u32, expires: u32, asked: u32, origin: bool) -> Self {
        Self {
            block,
            expires,
            asked,
            origin,
            decision: Decision::Undecided,
            stale: true,
            exact: false,
            undecided: 0x7F,
            balance: [0; 7],
            votes: Inline::default(),
            views: Views::default(),
        }
    }

    #[inline]
    fn contribution(&self, v: &VoteRecord, peers: u32, sign: i16, balance: &mut [i16; 7]) {
        let views = self.views.as_slice();
        let parts = views.len() - 1;
        for (i, view) in views[..parts].iter().enumerate() {
            let bit = 1 << i;
            if v.holds & bit != 0 && view.contains(v.voter, peers) {
                balance[i] += sign * if v.mask & bit != 0 { 1 } else { -1 };
            }
        }
        if views[parts].contains(v.voter, peers) {
            balance[WITNESS_SLOT] += sign;
        }
    }

    fn recount(&mut self, peers: u32) {
        let mut balance = [0i16; 7];
        if self.views.len > 0 {
            for v in self.votes.as_slice() {
                self.contribution(v, peers, 1, &mut balance);
            }
        }
        self.balance = balance;
        self.exact = true;
    }

    /// Keeps the newest vote per voter, without a recount when the balance is exact.
    fn record_vote_counted(&mut self, v: VoteRecord, peers: u32) {
        if !self.exact || self.views.len == 0 {
            return self.record_vote(v);
        }
        let mut balance = self.balance;
        let votes = self.votes.as_mut_slice();
        match votes.iter().position(|o| o.voter == v.voter) {
            Some(i) if v.sent > votes[i].sent => {
                let old = votes[i];
                votes[i] = v;
                self.contribution(&old, peers, -1, &mut balance);
            }
            Some(_) => return,
            None => self.votes.push(v),
        }
        self.contribution(&v, peers, 1, &mut balance);
        self.balance = balance;
        self.stale = true;
    }

    fn record_vote(&mut self, v: VoteRecord) {
        let votes = self.votes.as_mut_slice();
        match votes.iter_mut().find(|o| o.voter == v.voter) {
            Some(o) if v.sent > o.sent => *o = v,
            Some(_) => return,
            None => self.votes.push(v),
        }
        self.stale = true;
        self.exact = false;
    }

    #[inline]
    fn may_count(&self, voter: u32, peers: u32) -> bool {
        self.views.len == 0
            || self
                .views
                .as_slice()
                .iter()
                .any(|v| v.contains(voter, peers))
    }

    fn learn_views(&mut self, views: Views, peers: u32) {
        self.views = views;
        let views = &self.views;
        self.votes
            .retain(|v| views.as_slice().iter().any(|n| n.contains(v.voter, peers)));
        self.asked = KNOWN;
        self.stale = true;
        self.exact = false;
    }
}

/// Undecided parts (bits 0..6) and witness (bit 6), and whether some part is rejected.
fn decide(balance: &[i16; 7], parts: usize) -> (u8, bool) {
    let (mut undecided, mut rejected) = (0u8, false);
    for (i, &b) in balance[..parts].iter().enumerate() {
        let b = b as i32;
        if b < -THRESHOLD {
            rejected = true;
        } else if b <= THRESHOLD {
            undecided |= 1 << i;
        }
    }
    if balance[WITNESS_SLOT] as i32 <= THRESHOLD {
        undecided |= WITNESS_BIT;
    }
    (undecided, rejected)
}

/// A peer's pending entries, sorted by block index, with the keys inline for the search.
#[derive(Component, Clone, Debug, Default)]
struct Mempool {
    entries: Vec<Entry>,
    keys: Inline<u32, 6>,
}

impl Mempool {
    #[inline]
    fn find(&self, block: u32) -> Result<usize, usize> {
        self.keys.as_slice().binary_search(&block)
    }

    fn insert(&mut self, at: usize, e: Entry) {
        self.keys.insert(at, e.block);
        // Most peers hold one entry or none: the first two allocations are exact.
        if self.entries.len() == self.entries.capacity() && self.entries.len() < 2 {
            self.entries.reserve_exact(1);
        }
        self.entries.insert(at, e);
    }

    fn retain(&mut self, keep: impl FnMut(&Entry) -> bool) {
        let before = self.entries.len();
        self.entries.retain(keep);
        if self.entries.len() != before {
            self.keys.clear();
            for e in &self.entries {
                self.keys.push(e.block);
            }
            if self.entries.is_empty() {
                self.entries = Vec::new();
            }
        }
    }
}

/// The ring positions whose tokens this peer stores, and the owners it wrote.
#[derive(Component, Clone, Debug, Default)]
struct TokenStore {
    lo: u32,
    hi: u32,
    /// (token insertion point, block that owns it now).
    owners: Inline<(u32, u32), 2>,
}

impl TokenStore {
    #[inline]
    fn holds(&self, token_pos: u32, peers: u32) -> bool {
        in_ring_interval(token_pos, self.lo, self.hi, peers)
    }

    /// What this peer says of `block`: (agreeing parts, parts it holds).
    fn opinion(&self, block: &Block, peers: u32) -> (u8, u8) {
        let mut holds = 0u8;
        for i in 0..block.parts as usize {
            if self.holds(block.token_pos[i], peers) {
                holds |= 1 << i;
            }
        }
        (holds & !block.bad, holds)
    }
}

/// Peers that voted to us without a seeded link, oldest first, at most `LEARNED_CAP`.
#[derive(Component, Clone, Debug, Default)]
struct LearnedPeers {
    list: Vec<u32>,
}

#[derive(Clone, Copy, Debug)]
struct Settled {
    block: u32,
    until: u32,
    committed: bool,
}

/// Blocks decided here, remembered until they expire so later votes get an echo.
#[derive(Component, Clone, Debug, Default)]
struct Verdicts {
    list: Vec<Settled>,
}

/// Whether the peer's mempool may hold entries: the vote pass reads only these bytes to find
/// the few peers with entries.
#[derive(Component, Clone, Copy, Debug, Default, PartialEq, Eq)]
struct PoolHint(bool);

/// The ring position, to check that the table row is the ring position.
#[derive(Component, Clone, Copy, Debug)]
struct RingPos(u32);

#[derive(Component)]
#[component(storage = "SparseSet")]
struct Byzantine;

#[derive(Component)]
#[component(storage = "SparseSet")]
struct Offline;

/// One peer's state as the handlers see it, whichever layout holds it.
struct PeerMut<'a> {
    mempool: &'a mut Mempool,
    store: &'a mut TokenStore,
    learned: &'a mut LearnedPeers,
    verdicts: &'a mut Verdicts,
}

impl PeerMut<'_> {
    #[inline]
    fn trusted(&self, me: u32, from: u32, cx: &Cx) -> bool {
        cx.linked(me, from) || self.learned.list.contains(&from)
    }

    fn learn(&mut self, from: u32) {
        let list = &mut self.learned.list;
        if list.contains(&from) {
            return;
        }
        if list.is_empty() {
            list.reserve_exact(LEARNED_CAP);
        }
        if list.len() == LEARNED_CAP {
            list.remove(0);
        }
        list.push(from);
    }

    fn verdict(&self, block: u32) -> Option<bool> {
        self.verdicts
            .list
            .iter()
            .find(|s| s.block == block)
            .map(|s| s.committed)
    }

    /// Moves decided entries to the verdicts, drops expired ones; returns the decisions'
    /// hash (a sum, so order does not matter) and counts.
    fn settle(&mut self, me: u32, now: u32, counts: &mut Counts, book: &[Block], peers: u32) {
        let (verdicts, store) = (&mut self.verdicts.list, &mut *self.store);
        self.mempool.retain(|e| {
            let committed = match e.decision {
                Decision::Undecided if e.expires <= now => {
                    // An origin entry running out is the block's time-out.
                    counts.timeouts += e.origin as u64;
                    return false;
                }
                Decision::Undecided => return true,
                Decision::Commit => true,
                Decision::Reject => false,
            };
            if committed {
                counts.commits += 1;
                let block = &book[e.block as usize];
                for i in 0..block.parts as usize {
                    let pos = block.token_pos[i];
                    if store.holds(pos, peers) {
                        store.owners.retain(|&(t, _)| t != pos);
                        store.owners.push((pos, e.block));
                    }
                }
            } else {
                counts.rejects += 1;
            }
            counts.decisions = counts.decisions.wrapping_add(mix64(
                (me as u64) << 33 | (e.block as u64) << 1 | committed as u64,
            ));
            if verdicts.is_empty() {
                verdicts.reserve_exact(2);
            }
            verdicts.push(Settled {
                block: e.block,
                until: e.expires,
                committed,
            });
            false
        });
        if verdicts.first().is_some_and(|s| s.until <= now) {
            verdicts.retain(|s| s.until > now);
            if verdicts.is_empty() {
                *verdicts = Vec::new();
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// The network: fixed chunks, a timing wheel of per-chunk mailboxes, per-chunk counters.

#[derive(Clone, Copy, Debug)]
struct ChunkPlan {
    size: u32,
    count: u32,
}

impl ChunkPlan {
    /// At most 16 chunks of at least 256 peers, whatever the thread count (as the simulator).
    fn new(peers: u32) -> Self {
        let size = peers.div_ceil(16).max(256).min(peers.max(1));
        Self {
            size,
            count: peers.div_ceil(size),
        }
    }
}

/// One sender chunk's buffers: `slots[wheel_slot * chunks + receiving_chunk]`.
#[derive(Default)]
struct Mailbox {
    slots: Vec<Vec<Message>>,
    spare: Vec<Vec<Message>>,
}

#[derive(Clone, Copy, Debug, Default)]
struct Counts {
    sent: [u64; KINDS],
    delivered: [u64; KINDS],
    dropped: u64,
    cut: u64,
    commits: u64,
    rejects: u64,
    timeouts: u64,
    decisions: u64,
    entries: u64,
    votes: u64,
}

/// A chunk's reusable buffers for sorting its inbox.
#[derive(Default)]
struct ChunkBuffers {
    starts: Vec<u32>,
    cursor: Vec<u32>,
    inbox: Vec<Message>,
    listed: Vec<u32>,
}

/// Who is silent (Byzantine) and who is offline, in each layout's own way.
trait Roles: Sync {
    fn silent(&self, p: u32) -> bool;
    fn offline(&self, p: u32) -> bool;
    fn any_offline(&self) -> bool;
}

/// A chunk's sending side.
struct Outbox<'a, R: Roles> {
    mailbox: &'a mut Mailbox,
    plan: ChunkPlan,
    wheel: u32,
    now_slot: u32,
    roles: &'a R,
    counts: &'a mut Counts,
}

impl<R: Roles> Outbox<'_, R> {
    #[inline]
    fn cut(&self, m: &Message) -> bool {
        self.roles.any_offline() && (self.roles.offline(m.from) || self.roles.offline(m.to))
    }

    #[inline(always)]
    fn send(&mut self, m: Message, rng: &mut Rng) {
        self.counts.sent[m.kind as usize] += 1;
        if self.cut(&m) {
            self.counts.cut += 1;
            return;
        }
        let r = rng.next();
        if r >> 32 < LOSS_THRESHOLD {
            self.counts.dropped += 1;
            return;
        }
        let delay = 1 + (r as u32).trailing_ones().min(DELAY_CAP - 1);
        let mut slot = self.now_slot + delay;
        if slot >= self.wheel {
            slot -= self.wheel;
        }
        let idx = slot as usize * self.plan.count as usize + (m.to / self.plan.size) as usize;
        let buffer = &mut self.mailbox.slots[idx];
        // A slot about to receive a full tick's load reuses a delivered buffer.
        if buffer.capacity() == 0
            && delay <= 2
            && let Some(spare) = self.mailbox.spare.pop()
        {
            *buffer = spare;
        }
        buffer.push(m);
    }
}

/// Thread `t` of `T` owns the `t`-th run of chunks, takes its own from the front and then
/// others' from the back (the simulator's `ChunkClaims`): a chunk stays on one thread.
struct ChunkClaims {
    runs: Vec<AtomicU64>,
}

impl ChunkClaims {
    fn new(chunks: usize, threads: usize) -> Self {
        let threads = threads.clamp(1, chunks.max(1));
        let runs = (0..threads)
            .map(|t| {
                let (front, back) = (chunks * t / threads, chunks * (t + 1) / threads);
                AtomicU64::new(((front as u64) << 32) | back as u64)
            })
            .collect();
        Self { runs }
    }

    fn next(&self, thread: usize) -> Option<usize> {
        let n = self.runs.len();
        (0..n).find_map(|k| {
            let own = k == 0;
            let run = &self.runs[(thread + k) % n];
            let mut packed = run.load(Ordering::Relaxed);
            loop {
                let (front, back) = (packed >> 32, packed & 0xFFFF_FFFF);
                if front >= back {
                    return None;
                }
                let (claimed, next) = if own {
                    (front, ((front + 1) << 32) | back)
                } else {
                    (back - 1, (front << 32) | (back - 1))
                };
                match run.compare_exchange_weak(packed, next, Ordering::AcqRel, Ordering::Relaxed) {
                    Ok(_) => return Some(claimed as usize),
                    Err(now) => packed = now,
                }
            }
        })
    }
}

/// One chunk of peers as a layout exposes it.
trait ChunkPeers: Send {
    fn len(&self) -> usize;
    fn occupied(&self, local: usize) -> bool;
    fn set_occupied(&mut self, local: usize, occupied: bool);
    fn peer(&mut self, local: usize) -> PeerMut<'_>;
    /// The peer's mempool, to prefetch ahead of use (`None`: this layout cannot say cheaply).
    fn mempool(&self, local: usize) -> Option<&Mempool>;
}

#[inline]
fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint; the address is that of a live reference.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
            value as *const T as *const i8,
        );
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

/// Everything but the peers: the block book, the wheel, per-chunk scratch and totals.
#[derive(Resource)]
struct Model {
    peers: u32,
    seed: u64,
    now: u32,
    blocks_per_tick: u32,
    /// Ring insertion point of each token, and its key.
    tokens: Vec<(u32, u64)>,
    book: Vec<Block>,
    plan: ChunkPlan,
    wheel: u32,
    mailboxes: Vec<Mailbox>,
    buffers: Vec<Mutex<ChunkBuffers>>,
    counts: Vec<Counts>,
    totals: Totals,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Totals {
    sent: u64,
    delivered: u64,
    dropped: u64,
    cut: u64,
    commits: u64,
    rejects: u64,
    timeouts: u64,
    peak_entries: u64,
    peak_votes: u64,
    checksum: u64,
}

impl Model {
    fn new(peers: u32, seed: u64, blocks_per_tick: u32) -> Self {
        let plan = ChunkPlan::new(peers);
        let wheel = DELAY_CAP + 1;
        let chunks = plan.count as usize;
        let mut rng = Rng::stream(stream_key(seed, 3, 0), 0);
        let tokens = (0..(peers / 200).max(4))
            .map(|_| (rng.below(peers), rng.next()))
            .collect();
        Self {
            peers,
            seed,
            now: 0,
            blocks_per_tick,
            tokens,
            book: Vec::new(),
            plan,
            wheel,
            mailboxes: (0..chunks)
                .map(|_| Mailbox {
                    slots: (0..wheel as usize * chunks).map(|_| Vec::new()).collect(),
                    spare: Vec::new(),
                })
                .collect(),
            buffers: (0..chunks).map(|_| Mutex::default()).collect(),
            counts: vec![Counts::default(); chunks],
            totals: Totals::default(),
        }
    }

    /// The tick's new blocks: random tokens at random origins, drawn from the workload stream.
    fn new_blocks(&mut self) -> Vec<(u32, u32)> {
        let now = self.now;
        let mut rng = Rng::stream(stream_key(self.seed, WORKLOAD, now), 0);
        let count = self.blocks_per_tick - 1 + rng.below(3);
        (0..count)
            .map(|_| {
                let parts = 1 + rng.below(3) as u8;
                let id = rng.next();
                let mut block = Block {
                    id,
                    parts,
                    token_pos: [0; 3],
                    token_key: [0; 3],
                    witness_pos: (((id >> 32) * self.peers as u64) >> 32) as u32,
                    bad: 0,
                    expires: now + ENTRY_TTL,
                };
                for i in 0..parts as usize {
                    let (pos, key) = self.tokens[rng.below(self.tokens.len() as u32) as usize];
                    block.token_pos[i] = pos;
                    block.token_key[i] = key;
                }
                if rng.next() % 1000 < BAD_BLOCK_PER_MILLE {
                    block.bad = 1 << rng.below(parts as u32);
                }
                let origin = rng.below(self.peers);
                self.book.push(block);
                (origin, self.book.len() as u32 - 1)
            })
            .collect()
    }

    /// Folds the chunks' counters into the totals and the checksum, chunk by chunk in order.
    fn record(&mut self) {
        let mut tick = Counts::default();
        for c in &mut self.counts {
            for k in 0..KINDS {
                tick.sent[k] += c.sent[k];
                tick.delivered[k] += c.delivered[k];
            }
            tick.dropped += c.dropped;
            tick.cut += c.cut;
            tick.commits += c.commits;
            tick.rejects += c.rejects;
            tick.timeouts += c.timeouts;
            tick.decisions = tick.decisions.wrapping_add(c.decisions);
            tick.entries += c.entries;
            tick.votes += c.votes;
            *c = Counts::default();
        }
        let t = &mut self.totals;
        t.sent += tick.sent.iter().sum::<u64>();
        t.delivered += tick.delivered.iter().sum::<u64>();
        t.dropped += tick.dropped;
        t.cut += tick.cut;
        t.commits += tick.commits;
        t.rejects += tick.rejects;
        t.timeouts += tick.timeouts;
        t.peak_entries = t.peak_entries.max(tick.entries);
        t.peak_votes = t.peak_votes.max(tick.votes);
        for word in tick.sent.iter().chain(&tick.delivered).chain([
            &tick.dropped,
            &tick.cut,
            &tick.commits,
            &tick.rejects,
            &tick.timeouts,
            &tick.decisions,
            &tick.entries,
            &tick.votes,
        ]) {
            t.checksum = mix64(t.checksum ^ word);
        }
        self.now += 1;
    }
}

/// Runs `f` on every chunk in parallel, chunks claimed as the simulator claims them.
fn for_each_chunk<P, R, F>(model: &mut Model, peers: Vec<P>, roles: &R, f: F)
where
    P: ChunkPeers,
    R: Roles,
    F: Fn(usize, u32, &mut P, &mut Outbox<'_, R>, &mut ChunkBuffers, &Cx) + Sync,
{
    let Model {
        peers: n,
        seed,
        now,
        plan,
        wheel,
        book,
        mailboxes,
        buffers,
        counts,
        ..
    } = model;
    let cx = Cx {
        peers: *n,
        now: *now,
        seed: *seed,
        book,
    };
    let (plan, wheel, now) = (*plan, *wheel, *now);
    let work: Vec<Mutex<Option<_>>> = peers
        .into_iter()
        .zip(mailboxes.iter_mut())
        .zip(counts.iter_mut())
        .map(|((chunk, mailbox), counts)| Mutex::new(Some((chunk, mailbox, counts))))
        .collect();
    let claims = ChunkClaims::new(work.len(), rayon::current_num_threads());
    rayon::broadcast(|ctx| {
        while let Some(i) = claims.next(ctx.index()) {
            let taken = work[i].lock().ok().and_then(|mut slot| slot.take());
            if let Some((mut chunk, mailbox, counts)) = taken {
                let mut out = Outbox {
                    mailbox,
                    plan,
                    wheel,
                    now_slot: now % wheel,
                    roles,
                    counts,
                };
                let mut bufs = buffers[i].lock().unwrap_or_else(|e| e.into_inner());
                f(
                    i,
                    i as u32 * plan.size,
                    &mut chunk,
                    &mut out,
                    &mut bufs,
                    &cx,
                );
            }
        }
    });
}

/// Takes every buffer due now, grouped by receiving chunk, sender chunks in order.
fn take_due(model: &mut Model) -> Vec<Vec<Vec<Message>>> {
    let c = model.plan.count as usize;
    let base = (model.now % model.wheel) as usize * c;
    (0..c)
        .map(|r| {
            model
                .mailboxes
                .iter_mut()
                .map(|m| std::mem::take(&mut m.slots[base + r]))
                .collect()
        })
        .collect()
}

/// Hands delivered buffers back to their sender chunks.
fn recycle(model: &mut Model, due: Vec<Vec<Vec<Message>>>) {
    let keep = model.plan.count as usize;
    for by_sender in due {
        for (mailbox, mut buffer) in model.mailboxes.iter_mut().zip(by_sender) {
            if buffer.capacity() > 0 && mailbox.spare.len() < keep {
                buffer.clear();
                mailbox.spare.push(buffer);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// The two passes, written once over `ChunkPeers`.

fn deliver<P: ChunkPeers, R: Roles>(model: &mut Model, peers: Vec<P>, roles: &R) {
    let due = take_due(model);
    let inbox_key = stream_key(model.seed, INBOX, model.now);
    let due_ref = &due;
    for_each_chunk(model, peers, roles, |index, first, chunk, out, bufs, cx| {
        let incoming = &due_ref[index];
        let n = chunk.len();
        let ChunkBuffers {
            starts,
            cursor,
            inbox,
            listed,
        } = bufs;
        // Counting sort by receiver: stable, so each inbox keeps sender-chunk order.
        starts.clear();
        starts.resize(n + 1, 0);
        for m in incoming.iter().flatten() {
            starts[(m.to - first) as usize + 1] += 1;
        }
        for i in 0..n {
            starts[i + 1] += starts[i];
        }
        let total = starts[n] as usize;
        if total == 0 {
            return;
        }
        cursor.clone_from(starts);
        inbox.clear();
        inbox.resize(total, EMPTY);
        for m in incoming.iter().flatten() {
            let r = (m.to - first) as usize;
            inbox[cursor[r] as usize] = *m;
            cursor[r] += 1;
        }
        listed.clear();
        listed.extend((0..n as u32).filter(|&r| starts[r as usize] != starts[r as usize + 1]));
        for k in 0..listed.len() {
            // Two steps ahead, as the simulator: the receiver's pool far ahead, then (its
            // keys now in cache) the entry its first message is about.
            if let Some(mempool) = listed
                .get(k + FAR_AHEAD)
                .and_then(|&far| chunk.mempool(far as usize))
            {
                prefetch(mempool);
            }
            if let Some(&near) = listed.get(k + NEAR_AHEAD)
                && let Some(mempool) = chunk.mempool(near as usize)
                && let Ok(i) = mempool.find(inbox[starts[near as usize] as usize].block)
            {
                prefetch(&mempool.entries[i]);
            }
            let local = listed[k] as usize;
            let me = first + local as u32;
            let (a, b) = (starts[local] as usize, starts[local + 1] as usize);
            let mut rng = Rng::stream(inbox_key, me as u64);
            let mail = &mut inbox[a..b];
            shuffle(mail, &mut rng);
            let silent = out.roles.silent(me);
            let mut peer = chunk.peer(local);
            for m in mail.iter() {
                if out.cut(m) {
                    out.counts.cut += 1;
                    continue;
                }
                out.counts.delivered[m.kind as usize] += 1;
                if !silent {
                    handle(me, &mut peer, m, cx, out, &mut rng);
                }
            }
            let occupied = !peer.mempool.entries.is_empty();
            chunk.set_occupied(local, occupied);
        }
    });
    recycle(model, due);
}

fn vote<P: ChunkPeers, R: Roles>(model: &mut Model, peers: Vec<P>, roles: &R) {
    let vote_key = stream_key(model.seed, VOTE, model.now);
    for_each_chunk(model, peers, roles, |_, first, chunk, out, bufs, cx| {
        let voters = &mut bufs.listed;
        voters.clear();
        voters.extend((0..chunk.len() as u32).filter(|&p| chunk.occupied(p as usize)));
        for k in 0..voters.len() {
            if let Some(mempool) = voters
                .get(k + VOTE_AHEAD)
                .and_then(|&a| chunk.mempool(a as usize))
            {
                prefetch(mempool);
                if let Some(first) = mempool.entries.first() {
                    prefetch(first);
                }
            }
            let local = voters[k] as usize;
            let me = first + local as u32;
            let mut peer = chunk.peer(local);
            out.counts.entries += peer.mempool.entries.len() as u64;
            out.counts.votes += peer
                .mempool
                .entries
                .iter()
                .map(|e| e.votes.len() as u64)
                .sum::<u64>();
            let absent = out.roles.silent(me) || (out.roles.any_offline() && out.roles.offline(me));
            if !absent {
                let mut rng = Rng::stream(vote_key, me as u64);
                vote_peer(me, &mut peer, cx, out, &mut rng);
            }
            peer.settle(me, cx.now, out.counts, cx.book, cx.peers);
            let occupied = !peer.mempool.entries.is_empty();
            chunk.set_occupied(local, occupied);
        }
    });
}

#[inline]
fn request(from: u32, to: u32, block: u32, mask: u8, holds: u8, now: u32) -> Message {
    Message {
        to,
        from,
        block,
        sent: now,
        target: u32::MAX,
        kind: Kind::VoteRequest,
        mask,
        holds,
    }
}

/// Decides what the balances allow and asks the neighbourhoods of what is still undecided.
fn vote_peer<R: Roles>(me: u32, peer: &mut PeerMut, cx: &Cx, out: &mut Outbox<R>, rng: &mut Rng) {
    let my_id = mix64(me as u64);
    for ei in 0..peer.mempool.entries.len() {
        let e = &peer.mempool.entries[ei];
        if e.asked != KNOWN || e.decision != Decision::Undecided {
            continue;
        }
        let idx = e.block;
        let block = &cx.book[idx as usize];
        let parts = block.parts as usize;
        let (mask, holds) = peer.store.opinion(block, cx.peers);
        let e = &mut peer.mempool.entries[ei];
        if e.stale {
            if !e.exact {
                e.recount(cx.peers);
            }
            let (undecided, rejected) = decide(&e.balance, parts);
            e.undecided = undecided;
            e.stale = false;
            if rejected {
                e.decision = Decision::Reject;
                continue;
            }
        }
        if e.undecided == 0 {
            e.decision = Decision::Commit;
            continue;
        }
        let undecided = e.undecided;
        for i in 0..parts {
            if undecided & (1 << i) != 0 {
                let rot = rotation(block.token_key[i], my_id, cx.now);
                for to in e.views.list[i].vote_targets(rot) {
                    out.send(request(me, to, idx, mask, holds, cx.now), rng);
                }
            }
        }
        if undecided & WITNESS_BIT != 0 {
            let rot = rotation(block.id, my_id, cx.now);
            for to in e.views.list[parts].vote_targets(rot) {
                out.send(request(me, to, idx, mask, holds, cx.now), rng);
            }
        }
    }
}

/// One message at its receiver `me`.
fn handle<R: Roles>(
    me: u32,
    peer: &mut PeerMut,
    m: &Message,
    cx: &Cx,
    out: &mut Outbox<R>,
    rng: &mut Rng,
) {
    let Some(block) = cx.book.get(m.block as usize) else {
        return;
    };
    let reply = |kind, mask, holds| Message {
        to: m.from,
        from: me,
        block: m.block,
        sent: cx.now,
        target: u32::MAX,
        kind,
        mask,
        holds,
    };
    match m.kind {
        Kind::VoteRequest | Kind::VoteEcho => on_vote(me, peer, m, block, cx, out, rng),
        Kind::BlockQuery => {
            let has_body = match peer.mempool.find(m.block) {
                Ok(i) => peer.mempool.entries[i].asked == KNOWN,
                Err(_) => peer.verdict(m.block).is_some(),
            };
            if has_body {
                out.send(reply(Kind::BlockReply, 0, 0), rng);
            }
        }
        Kind::BlockReply => {
            if let Ok(i) = peer.mempool.find(m.block) {
                let e = &mut peer.mempool.entries[i];
                if e.asked != KNOWN {
                    e.learn_views(cx.views(me, block), cx.peers);
                }
            }
        }
    }
}

fn on_vote<R: Roles>(
    me: u32,
    peer: &mut PeerMut,
    m: &Message,
    block: &Block,
    cx: &Cx,
    out: &mut Outbox<R>,
    rng: &mut Rng,
) {
    let wants_reply = m.kind == Kind::VoteRequest;
    let reply = |kind, mask, holds| Message {
        to: m.from,
        from: me,
        block: m.block,
        sent: cx.now,
        target: u32::MAX,
        kind,
        mask,
        holds,
    };
    let vote = VoteRecord {
        voter: m.from,
        sent: m.sent,
        mask: m.mask,
        holds: m.holds,
    };
    match peer.mempool.find(m.block) {
        Ok(i) if peer.trusted(me, m.from, cx) => {
            let (mask, holds) = peer.store.opinion(block, cx.peers);
            let e = &mut peer.mempool.entries[i];
            if e.may_count(m.from, cx.peers) {
                e.record_vote_counted(vote, cx.peers);
            }
            if e.asked != KNOWN && cx.now >= e.asked + REQUERY_TICKS {
                e.asked = cx.now;
                out.send(reply(Kind::BlockQuery, 0, 0), rng);
            } else if e.asked == KNOWN && wants_reply && holds != 0 {
                // A holder answers with its opinion at once.
                out.send(reply(Kind::VoteEcho, mask, holds), rng);
            }
        }
        Ok(_) => peer.learn(m.from),
        Err(at) => {
            if let Some(committed) = peer.verdict(m.block) {
                if wants_reply {
                    let mask = if committed { COMMITTED_MASK } else { 0 };
                    out.send(reply(Kind::VoteEcho, mask, ALL_PARTS), rng);
                }
            } else if peer.trusted(me, m.from, cx) {
                if peer.mempool.entries.len() < MEMPOOL_CAP && block.expires > cx.now {
                    let mut e = Entry::new(m.block, block.expires, cx.now, false);
                    e.record_vote(vote);
                    peer.mempool.insert(at, e);
                    out.send(reply(Kind::BlockQuery, 0, 0), rng);
                }
            } else {
                peer.learn(m.from);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Layout (a): dense resources.

#[derive(Clone, Debug, Default)]
struct PeerState {
    mempool: Mempool,
    store: TokenStore,
    learned: LearnedPeers,
    verdicts: Verdicts,
}

/// Role bits, one per peer (the simulator keeps a sorted set; bits are as fast).
#[derive(Clone, Debug, Default)]
struct RoleBits {
    silent: Vec<u64>,
    offline: Vec<u64>,
    any_offline: bool,
}

impl Roles for RoleBits {
    #[inline]
    fn silent(&self, p: u32) -> bool {
        self.silent[p as usize / 64] >> (p % 64) & 1 != 0
    }
    #[inline]
    fn offline(&self, p: u32) -> bool {
        self.offline[p as usize / 64] >> (p % 64) & 1 != 0
    }
    #[inline]
    fn any_offline(&self) -> bool {
        self.any_offline
    }
}

#[derive(Resource)]
struct DensePeers {
    states: Vec<PeerState>,
    pools: Vec<PoolHint>,
    roles: RoleBits,
}

struct DenseChunk<'a> {
    states: &'a mut [PeerState],
    pools: &'a mut [PoolHint],
}

impl ChunkPeers for DenseChunk<'_> {
    fn len(&self) -> usize {
        self.states.len()
    }
    #[inline]
    fn occupied(&self, local: usize) -> bool {
        self.pools[local].0
    }
    #[inline]
    fn set_occupied(&mut self, local: usize, occupied: bool) {
        self.pools[local] = PoolHint(occupied);
    }
    #[inline]
    fn peer(&mut self, local: usize) -> PeerMut<'_> {
        let ps = &mut self.states[local];
        PeerMut {
            mempool: &mut ps.mempool,
            store: &mut ps.store,
            learned: &mut ps.learned,
            verdicts: &mut ps.verdicts,
        }
    }
    #[inline]
    fn mempool(&self, local: usize) -> Option<&Mempool> {
        Some(&self.states[local].mempool)
    }
}

/// Dense resources split by concern: one `Vec` per component, all in ring order. The same
/// columns as the entity table, without the ECS around them.
#[derive(Resource)]
struct DenseColumns {
    mempool: Vec<Mempool>,
    store: Vec<TokenStore>,
    learned: Vec<LearnedPeers>,
    verdicts: Vec<Verdicts>,
    pools: Vec<PoolHint>,
    roles: RoleBits,
}

fn dense_column_chunks(peers: &mut DenseColumns, size: usize) -> (Vec<ColumnChunk<'_>>, &RoleBits) {
    let chunks = peers
        .mempool
        .chunks_mut(size)
        .zip(peers.store.chunks_mut(size))
        .zip(peers.learned.chunks_mut(size))
        .zip(peers.verdicts.chunks_mut(size))
        .zip(peers.pools.chunks_mut(size))
        .map(
            |((((mempool, store), learned), verdicts), pools)| ColumnChunk {
                mempool,
                store,
                learned,
                verdicts,
                pools,
            },
        )
        .collect();
    (chunks, &peers.roles)
}

fn columns_inject(mut model: ResMut<Model>, mut peers: ResMut<DenseColumns>) {
    for (origin, idx) in model.new_blocks() {
        let cx = model_cx(&model);
        submit(origin, &mut peers.mempool[origin as usize], idx, &cx);
        peers.pools[origin as usize] = PoolHint(true);
    }
}

fn columns_deliver(mut model: ResMut<Model>, mut peers: ResMut<DenseColumns>) {
    let (chunks, roles) = dense_column_chunks(&mut peers, model.plan.size as usize);
    deliver(&mut model, chunks, roles);
}

fn columns_vote(mut model: ResMut<Model>, mut peers: ResMut<DenseColumns>) {
    let (chunks, roles) = dense_column_chunks(&mut peers, model.plan.size as usize);
    vote(&mut model, chunks, roles);
}

fn dense_chunks<'a>(peers: &'a mut DensePeers, size: usize) -> (Vec<DenseChunk<'a>>, &'a RoleBits) {
    let chunks = peers
        .states
        .chunks_mut(size)
        .zip(peers.pools.chunks_mut(size))
        .map(|(states, pools)| DenseChunk { states, pools })
        .collect();
    (chunks, &peers.roles)
}

fn dense_inject(mut model: ResMut<Model>, mut peers: ResMut<DensePeers>) {
    for (origin, idx) in model.new_blocks() {
        let cx = model_cx(&model);
        submit(origin, &mut peers.states[origin as usize].mempool, idx, &cx);
        peers.pools[origin as usize] = PoolHint(true);
    }
}

fn dense_deliver(mut model: ResMut<Model>, mut peers: ResMut<DensePeers>) {
    let (chunks, roles) = dense_chunks(&mut peers, model.plan.size as usize);
    deliver(&mut model, chunks, roles);
}

fn dense_vote(mut model: ResMut<Model>, mut peers: ResMut<DensePeers>) {
    let (chunks, roles) = dense_chunks(&mut peers, model.plan.size as usize);
    vote(&mut model, chunks, roles);
}

fn record(mut model: ResMut<Model>) {
    model.record();
}

fn model_cx(model: &Model) -> Cx<'_> {
    Cx {
        peers: model.peers,
        now: model.now,
        seed: model.seed,
        book: &model.book,
    }
}

/// The origin takes a new block: an entry with its body and views.
fn submit(origin: u32, mempool: &mut Mempool, idx: u32, cx: &Cx) {
    let block = &cx.book[idx as usize];
    if let Err(at) = mempool.find(idx) {
        let mut e = Entry::new(idx, block.expires, KNOWN, true);
        e.views = cx.views(origin, block);
        mempool.insert(at, e);
    }
}

// ---------------------------------------------------------------------------------------
// Layout (b): entities with per-concern components.

/// Entities in ring order: `RingEntities[p]` is peer `p`.
#[derive(Resource)]
struct RingEntities(Vec<Entity>);

struct MarkerRoles<'a, 'w, 's> {
    entities: &'a [Entity],
    byzantine: &'a Query<'w, 's, (), With<Byzantine>>,
    offline: &'a Query<'w, 's, (), With<Offline>>,
    any_offline: bool,
}

impl Roles for MarkerRoles<'_, '_, '_> {
    #[inline]
    fn silent(&self, p: u32) -> bool {
        self.byzantine.contains(self.entities[p as usize])
    }
    #[inline]
    fn offline(&self, p: u32) -> bool {
        self.offline.contains(self.entities[p as usize])
    }
    #[inline]
    fn any_offline(&self) -> bool {
        self.any_offline
    }
}

/// A chunk as column slices: row `local` of each is the same peer.
struct ColumnChunk<'a> {
    mempool: &'a mut [Mempool],
    store: &'a mut [TokenStore],
    learned: &'a mut [LearnedPeers],
    verdicts: &'a mut [Verdicts],
    pools: &'a mut [PoolHint],
}

impl ChunkPeers for ColumnChunk<'_> {
    fn len(&self) -> usize {
        self.mempool.len()
    }
    #[inline]
    fn occupied(&self, local: usize) -> bool {
        self.pools[local].0
    }
    #[inline]
    fn set_occupied(&mut self, local: usize, occupied: bool) {
        self.pools[local] = PoolHint(occupied);
    }
    #[inline]
    fn peer(&mut self, local: usize) -> PeerMut<'_> {
        PeerMut {
            mempool: &mut self.mempool[local],
            store: &mut self.store[local],
            learned: &mut self.learned[local],
            verdicts: &mut self.verdicts[local],
        }
    }
    #[inline]
    fn mempool(&self, local: usize) -> Option<&Mempool> {
        Some(&self.mempool[local])
    }
}

type PeerColumns = (
    &'static mut Mempool,
    &'static mut TokenStore,
    &'static mut LearnedPeers,
    &'static mut Verdicts,
    &'static mut PoolHint,
);

/// Splits the one peer table's columns into the plan's chunks. Change detection is bypassed:
/// nothing reads it, and marking every row each pass is work the dense layout never does.
fn column_chunks<'a>(peers: &'a mut Query<PeerColumns>, size: usize) -> Vec<ColumnChunk<'a>> {
    let mut tables = peers
        .contiguous_iter_mut()
        .expect("peer components are table-stored");
    let Some((mempool, store, learned, verdicts, pools)) = tables.next() else {
        return Vec::new();
    };
    debug_assert!(tables.next().is_none(), "peers share one table");
    fn raw<T>(column: ContiguousMut<'_, T>) -> &mut [T] {
        ContiguousMut::bypass_change_detection_split(column).0
    }
    raw(mempool)
        .chunks_mut(size)
        .zip(raw(store).chunks_mut(size))
        .zip(raw(learned).chunks_mut(size))
        .zip(raw(verdicts).chunks_mut(size))
        .zip(raw(pools).chunks_mut(size))
        .map(
            |((((mempool, store), learned), verdicts), pools)| ColumnChunk {
                mempool,
                store,
                learned,
                verdicts,
                pools,
            },
        )
        .collect()
}

type RoleQueries<'w, 's> = (
    Query<'w, 's, (), With<Byzantine>>,
    Query<'w, 's, (), With<Offline>>,
);

/// Role bits gathered from the sparse-set markers at the start of each pass.
#[derive(Resource, Default)]
struct GatheredRoles(RoleBits);

type MarkedPeers<'w, 's> = (
    Query<'w, 's, &'static RingPos, With<Byzantine>>,
    Query<'w, 's, &'static RingPos, With<Offline>>,
);

/// Reads the few marked peers into role bits once per pass: asking the markers for every
/// message and voter (`entities-lookup`) was measured slower.
fn gather_roles<'a>(
    gathered: &'a mut GatheredRoles,
    (byzantine, offline): &MarkedPeers,
    peers: u32,
) -> &'a RoleBits {
    let bits = &mut gathered.0;
    let words = (peers as usize).div_ceil(64);
    for list in [&mut bits.silent, &mut bits.offline] {
        list.clear();
        list.resize(words, 0);
    }
    for pos in byzantine {
        bits.silent[pos.0 as usize / 64] |= 1 << (pos.0 % 64);
    }
    bits.any_offline = !offline.is_empty();
    for pos in offline {
        bits.offline[pos.0 as usize / 64] |= 1 << (pos.0 % 64);
    }
    bits
}

fn entity_deliver(
    mut model: ResMut<Model>,
    mut peers: Query<PeerColumns>,
    marked: MarkedPeers,
    mut gathered: ResMut<GatheredRoles>,
) {
    let roles = gather_roles(&mut gathered, &marked, model.peers);
    let chunks = column_chunks(&mut peers, model.plan.size as usize);
    deliver(&mut model, chunks, roles);
}

fn entity_vote(
    mut model: ResMut<Model>,
    mut peers: Query<PeerColumns>,
    marked: MarkedPeers,
    mut gathered: ResMut<GatheredRoles>,
) {
    let roles = gather_roles(&mut gathered, &marked, model.peers);
    let chunks = column_chunks(&mut peers, model.plan.size as usize);
    vote(&mut model, chunks, roles);
}

fn entity_inject(
    mut model: ResMut<Model>,
    ring: Res<RingEntities>,
    mut peers: Query<(&mut Mempool, &mut PoolHint)>,
) {
    for (origin, idx) in model.new_blocks() {
        let cx = model_cx(&model);
        let Ok((mut mempool, mut pool)) = peers.get_mut(ring.0[origin as usize]) else {
            continue;
        };
        submit(origin, &mut mempool, idx, &cx);
        pool.0 = true;
    }
}

/// Layout `entities-lookup`: as `entities`, but each role check asks the markers
/// (`Query::contains` by `Entity`) rather than bits gathered once per pass.
fn entity_lookup_deliver(
    mut model: ResMut<Model>,
    ring: Res<RingEntities>,
    mut peers: Query<PeerColumns>,
    (byzantine, offline): RoleQueries,
) {
    let roles = MarkerRoles {
        entities: &ring.0,
        byzantine: &byzantine,
        offline: &offline,
        any_offline: !offline.is_empty(),
    };
    let chunks = column_chunks(&mut peers, model.plan.size as usize);
    deliver(&mut model, chunks, &roles);
}

fn entity_lookup_vote(
    mut model: ResMut<Model>,
    ring: Res<RingEntities>,
    mut peers: Query<PeerColumns>,
    (byzantine, offline): RoleQueries,
) {
    let roles = MarkerRoles {
        entities: &ring.0,
        byzantine: &byzantine,
        offline: &offline,
        any_offline: !offline.is_empty(),
    };
    let chunks = column_chunks(&mut peers, model.plan.size as usize);
    vote(&mut model, chunks, &roles);
}

// Layout (b'): the same entities, each peer reached by `Entity` through the query.

type PeerParts = (
    &'static mut Mempool,
    &'static mut TokenStore,
    &'static mut LearnedPeers,
    &'static mut Verdicts,
);

/// A chunk as a run of entities; the hints are still read as a column slice.
struct EntityChunk<'a, 'w, 's> {
    entities: &'a [Entity],
    peers: &'a Query<'w, 's, PeerParts>,
    pools: &'a mut [PoolHint],
}

// SAFETY: a chunk only reaches its own entities (see `peer`), and `Query` is only read.
unsafe impl Send for EntityChunk<'_, '_, '_> {}

impl ChunkPeers for EntityChunk<'_, '_, '_> {
    fn len(&self) -> usize {
        self.entities.len()
    }
    #[inline]
    fn occupied(&self, local: usize) -> bool {
        self.pools[local].0
    }
    #[inline]
    fn set_occupied(&mut self, local: usize, occupied: bool) {
        self.pools[local] = PoolHint(occupied);
    }
    #[inline]
    fn peer(&mut self, local: usize) -> PeerMut<'_> {
        // SAFETY: chunks hold disjoint runs of entities and this chunk hands out one peer at
        // a time (`&mut self`), so no component is borrowed twice.
        let found = unsafe { self.peers.get_unchecked(self.entities[local]) };
        let Ok((mempool, store, learned, verdicts)) = found else {
            panic!("peer {local} of its chunk has no state");
        };
        PeerMut {
            mempool: mempool.into_inner(),
            store: store.into_inner(),
            learned: learned.into_inner(),
            verdicts: verdicts.into_inner(),
        }
    }
    fn mempool(&self, _: usize) -> Option<&Mempool> {
        None
    }
}

fn entity_chunks<'a, 'w, 's>(
    ring: &'a [Entity],
    peers: &'a Query<'w, 's, PeerParts>,
    pools: &'a mut Query<&'static mut PoolHint>,
    size: usize,
) -> Vec<EntityChunk<'a, 'w, 's>> {
    let mut tables = pools.contiguous_iter_mut().expect("hints are table-stored");
    let Some(column) = tables.next() else {
        return Vec::new();
    };
    ContiguousMut::bypass_change_detection_split(column)
        .0
        .chunks_mut(size)
        .zip(ring.chunks(size))
        .map(|(pools, entities)| EntityChunk {
            entities,
            peers,
            pools,
        })
        .collect()
}

fn entity_get_deliver(
    mut model: ResMut<Model>,
    ring: Res<RingEntities>,
    peers: Query<PeerParts>,
    mut pools: Query<&'static mut PoolHint>,
    marked: MarkedPeers,
    mut gathered: ResMut<GatheredRoles>,
) {
    let roles = gather_roles(&mut gathered, &marked, model.peers);
    let chunks = entity_chunks(&ring.0, &peers, &mut pools, model.plan.size as usize);
    deliver(&mut model, chunks, roles);
}

fn entity_get_vote(
    mut model: ResMut<Model>,
    ring: Res<RingEntities>,
    peers: Query<PeerParts>,
    mut pools: Query<&'static mut PoolHint>,
    marked: MarkedPeers,
    mut gathered: ResMut<GatheredRoles>,
) {
    let roles = gather_roles(&mut gathered, &marked, model.peers);
    let chunks = entity_chunks(&ring.0, &peers, &mut pools, model.plan.size as usize);
    vote(&mut model, chunks, roles);
}

// ---------------------------------------------------------------------------------------
// Setup, the run and the command line.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layout {
    Dense,
    DenseColumns,
    Entities,
    EntitiesLookup,
    EntitiesGet,
}

impl Layout {
    const ALL: [Layout; 5] = [
        Layout::Dense,
        Layout::DenseColumns,
        Layout::Entities,
        Layout::EntitiesLookup,
        Layout::EntitiesGet,
    ];

    fn name(self) -> &'static str {
        match self {
            Layout::Dense => "dense",
            Layout::DenseColumns => "dense-columns",
            Layout::Entities => "entities",
            Layout::EntitiesLookup => "entities-lookup",
            Layout::EntitiesGet => "entities-get",
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Run {
    layout: Layout,
    peers: u32,
    ticks: u32,
    threads: usize,
    seed: u64,
    blocks_per_tick: u32,
    /// Per mille of peers that are silent Byzantine, and offline for the whole run.
    byzantine: u32,
    offline: u32,
}

/// The peer's token range and its roles, the same draw for every layout.
fn peer_setup(run: &Run, p: u32) -> (TokenStore, bool, bool) {
    let store = TokenStore {
        lo: (p + run.peers - HOLD_RADIUS.min(run.peers - 1)) % run.peers,
        hi: (p + HOLD_RADIUS.min(run.peers - 1)) % run.peers,
        owners: Inline::default(),
    };
    let role = mix64(stream_key(run.seed, ROLES, 0) ^ p as u64) % 1000;
    let byzantine = role < run.byzantine as u64;
    let offline = !byzantine && role < (run.byzantine + run.offline) as u64;
    (store, byzantine, offline)
}

fn role_bits(run: &Run) -> RoleBits {
    let words = (run.peers as usize).div_ceil(64);
    let mut roles = RoleBits {
        silent: vec![0; words],
        offline: vec![0; words],
        any_offline: false,
    };
    for p in 0..run.peers {
        let (_, byzantine, offline) = peer_setup(run, p);
        let bit = 1u64 << (p % 64);
        if byzantine {
            roles.silent[p as usize / 64] |= bit;
        }
        if offline {
            roles.offline[p as usize / 64] |= bit;
            roles.any_offline = true;
        }
    }
    roles
}

fn build_world(run: &Run) -> (World, Schedule) {
    let mut world = World::new();
    world.insert_resource(Model::new(run.peers, run.seed, run.blocks_per_tick));
    let mut schedule = Schedule::default();
    match run.layout {
        Layout::Dense => {
            let states = (0..run.peers)
                .map(|p| PeerState {
                    store: peer_setup(run, p).0,
                    ..PeerState::default()
                })
                .collect();
            world.insert_resource(DensePeers {
                states,
                pools: vec![PoolHint(false); run.peers as usize],
                roles: role_bits(run),
            });
            schedule.add_systems((dense_inject, dense_deliver, dense_vote, record).chain());
        }
        Layout::DenseColumns => {
            let n = run.peers as usize;
            world.insert_resource(DenseColumns {
                mempool: (0..n).map(|_| Mempool::default()).collect(),
                store: (0..run.peers).map(|p| peer_setup(run, p).0).collect(),
                learned: (0..n).map(|_| LearnedPeers::default()).collect(),
                verdicts: (0..n).map(|_| Verdicts::default()).collect(),
                pools: vec![PoolHint(false); n],
                roles: role_bits(run),
            });
            schedule.add_systems((columns_inject, columns_deliver, columns_vote, record).chain());
        }
        Layout::Entities | Layout::EntitiesLookup | Layout::EntitiesGet => {
            let entities: Vec<Entity> = world
                .spawn_batch((0..run.peers).map(|p| {
                    (
                        RingPos(p),
                        Mempool::default(),
                        peer_setup(run, p).0,
                        LearnedPeers::default(),
                        Verdicts::default(),
                        PoolHint(false),
                    )
                }))
                .collect();
            for (p, &e) in entities.iter().enumerate() {
                let (_, byzantine, offline) = peer_setup(run, p as u32);
                if byzantine {
                    world.entity_mut(e).insert(Byzantine);
                }
                if offline {
                    world.entity_mut(e).insert(Offline);
                }
            }
            // The layout's premise: every peer in one table, row = ring position, markers
            // (sparse sets) notwithstanding.
            for (p, &e) in entities.iter().enumerate() {
                let row = world.entity(e).location().table_row.index();
                assert_eq!(row, p, "peer {p} sits at table row {row}");
            }
            let mut positions = world.query::<&RingPos>();
            let mut tables = positions
                .contiguous_iter(&world)
                .expect("RingPos is table-stored");
            let column = tables.next().expect("one peer table");
            assert!(tables.next().is_none() && column.len() == run.peers as usize);
            assert!(
                column
                    .iter()
                    .enumerate()
                    .all(|(row, pos)| pos.0 as usize == row)
            );
            world.insert_resource(RingEntities(entities));
            world.insert_resource(GatheredRoles::default());
            match run.layout {
                Layout::Entities => {
                    schedule
                        .add_systems((entity_inject, entity_deliver, entity_vote, record).chain());
                }
                Layout::EntitiesLookup => {
                    schedule.add_systems(
                        (
                            entity_inject,
                            entity_lookup_deliver,
                            entity_lookup_vote,
                            record,
                        )
                            .chain(),
                    );
                }
                _ => {
                    schedule.add_systems(
                        (entity_inject, entity_get_deliver, entity_get_vote, record).chain(),
                    );
                }
            }
        }
    }
    (world, schedule)
}

fn simulate(run: &Run) -> Result<(Totals, f64), String> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(run.threads)
        .build()
        .map_err(|e| format!("cannot start {} threads: {e}", run.threads))?;
    Ok(pool.install(|| {
        let (mut world, mut schedule) = build_world(run);
        let start = Instant::now();
        for _ in 0..run.ticks {
            schedule.run(&mut world);
        }
        let wall = start.elapsed().as_secs_f64();
        (world.resource::<Model>().totals, wall)
    }))
}

/// Peak resident set size in KiB (`VmHWM`), if the system reports it.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

const USAGE: &str = "usage: ecs_layout [--layout dense|dense-columns|entities|entities-lookup|entities-get] [--peers N] \
[--ticks N] [--threads N] [--seed N] [--blocks-per-tick N] [--byzantine PER_MILLE] \
[--offline PER_MILLE] | --check";

enum Command {
    Measure(Run),
    Check,
}

fn parse(args: &[String]) -> Result<Command, String> {
    let mut run = Run {
        layout: Layout::Dense,
        peers: 50_000,
        ticks: 1000,
        threads: 1,
        seed: 1,
        blocks_per_tick: 0,
        byzantine: 0,
        offline: 0,
    };
    let mut check = false;
    let mut i = 0;
    while i < args.len() {
        let flag = args[i].as_str();
        // `cargo bench` passes `--bench` to every bench binary.
        if flag == "--bench" {
            i += 1;
            continue;
        }
        if flag == "--check" {
            check = true;
            i += 1;
            continue;
        }
        if flag == "-h" || flag == "--help" {
            return Err(USAGE.to_string());
        }
        let value = args
            .get(i + 1)
            .ok_or_else(|| format!("{flag} needs a value"))?;
        let number = || -> Result<u64, String> {
            value
                .parse::<u64>()
                .map_err(|_| format!("{flag}: not a whole number: {value}"))
        };
        match flag {
            "--layout" => {
                run.layout = Layout::ALL
                    .into_iter()
                    .find(|l| l.name() == value)
                    .ok_or_else(|| {
                        format!("--layout: unknown {value}, expected one of dense, dense-columns, entities, entities-lookup, entities-get")
                    })?
            }
            "--peers" => run.peers = number()?.clamp(0, u32::MAX as u64) as u32,
            "--ticks" => run.ticks = number()?.clamp(0, u32::MAX as u64 - ENTRY_TTL as u64) as u32,
            "--threads" => run.threads = number()? as usize,
            "--seed" => run.seed = number()?,
            "--blocks-per-tick" => run.blocks_per_tick = number()?.min(1 << 20) as u32,
            "--byzantine" => run.byzantine = number()?.min(1000) as u32,
            "--offline" => run.offline = number()?.min(1000) as u32,
            _ => return Err(format!("unknown flag {flag}; {USAGE}")),
        }
        i += 2;
    }
    if run.peers < 64 {
        return Err(format!("--peers: at least 64, got {}", run.peers));
    }
    if run.threads == 0 || run.threads > 256 {
        return Err(format!("--threads: 1 to 256, got {}", run.threads));
    }
    if run.byzantine + run.offline > 1000 {
        return Err("--byzantine and --offline: at most 1000 per mille together".to_string());
    }
    if run.blocks_per_tick == 0 {
        // Six a tick at 50k peers: about the messages per tick of the binary's default run
        // (which submits about five blocks a tick, each drawing a few more messages).
        run.blocks_per_tick = (run.peers * 6).div_ceil(50_000).max(1);
    }
    Ok(if check {
        Command::Check
    } else {
        Command::Measure(run)
    })
}

/// Every layout on 1 and 2 threads, with roles in play: one checksum.
fn check() -> Result<(), String> {
    let mut first: Option<(Run, Totals)> = None;
    for layout in Layout::ALL {
        for threads in [1, 2] {
            let run = Run {
                layout,
                peers: 3000,
                ticks: 300,
                threads,
                seed: 7,
                blocks_per_tick: 3,
                byzantine: 20,
                offline: 20,
            };
            let (totals, _) = simulate(&run)?;
            println!(
                "{:>12} threads {threads}: checksum {:016x}, {} delivered, {} commits, {} rejects, {} timeouts",
                layout.name(),
                totals.checksum,
                totals.delivered,
                totals.commits,
                totals.rejects,
                totals.timeouts
            );
            match &first {
                None => first = Some((run, totals)),
                Some((base, want)) if *want != totals => {
                    return Err(format!(
                        "{} on {} threads disagrees with {} on {} threads",
                        layout.name(),
                        threads,
                        base.layout.name(),
                        base.threads
                    ));
                }
                Some(_) => {}
            }
        }
    }
    if first.is_some_and(|(_, t)| t.commits == 0 || t.rejects == 0 || t.cut == 0) {
        return Err("the check run decided nothing, rejected nothing or cut nothing".into());
    }
    println!("all layouts agree");
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = parse(&args).and_then(|command| match command {
        Command::Check => check(),
        Command::Measure(run) => {
            let (t, wall) = simulate(&run)?;
            let rss = peak_rss_kib().map_or("unknown".to_string(), |k| format!("{k} KiB"));
            println!(
                "layout {} peers {} ticks {} threads {}",
                run.layout.name(),
                run.peers,
                run.ticks,
                run.threads
            );
            println!(
                "wall {wall:.3} s, delivered {} ({:.0}/s), sent {}, dropped {}, cut {}",
                t.delivered,
                t.delivered as f64 / wall.max(1e-9),
                t.sent,
                t.dropped,
                t.cut
            );
            println!(
                "commits {}, rejects {}, timeouts {}, peak entries {}, peak vote records {}",
                t.commits, t.rejects, t.timeouts, t.peak_entries, t.peak_votes
            );
            println!("peak RSS {rss}, checksum {:016x}", t.checksum);
            Ok(())
        }
    });
    if let Err(message) = outcome {
        eprintln!("ecs_layout: {message}");
        std::process::exit(2);
    }
}
