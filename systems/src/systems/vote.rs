//! System 3: every peer counts the votes it holds for each pending block, decides what it can,
//! and asks the neighbourhoods of whatever is still undecided for their votes.
//!
//! Decisions are applied by the commit system; this one only marks them.

use crate::blocks::Block;
use crate::blocks::BlockBook;
use crate::ids::{BlockIdx, PeerIdx, Tick, TokenIdx};
use crate::message::{ANSWER_SENDER, COMMITTED_MASK, Message, MessageKind};
use crate::network::{Network, Outbox};
use crate::peer::{
    Body, Claims, Counted, Decision, Entry, EntryState, PeerState, Tally, WITNESS_BIT, WITNESS_SLOT,
};
use crate::prefetch;
use crate::resources::{Clock, Peers, Pool, Scratch, Settings, Shared, for_each_chunk};
use crate::ring::Ring;
use crate::ring::rotation;
use crate::rng::{Stream, StreamKey};
use crate::systems::byzantine_equivocate::stated_opinion;
use crate::systems::byzantine_silence;
use crate::tokens::TokenBook;
use bevy_ecs::prelude::*;
use rand_pcg::Pcg64Mcg;

/// A parent block asked for to catch up is asked for again after this many ticks.
pub const PARENT_RETRY_TICKS: Tick = 8;

#[allow(clippy::too_many_arguments)]
pub fn vote(
    settings: Res<Settings>,
    clock: Res<Clock>,
    ring: Res<Ring>,
    tokens: Res<TokenBook>,
    book: Res<BlockBook>,
    mut peers: ResMut<Peers>,
    mut network: ResMut<Network>,
    mut scratch: ResMut<Scratch>,
    adversary: Res<crate::adversary::Adversary>,
    threshold: Res<crate::resources::CurrentThreshold>,
) {
    let now = clock.tick;
    let cx = Shared {
        config: &settings.0,
        ring: &ring,
        tokens: &tokens,
        book: &book,
        adversary: &adversary,
        threshold: threshold.value,
        now,
    };
    let vote_streams = StreamKey::new(cx.config.seed, Stream::Vote, now);
    for_each_chunk(&mut peers, &mut network, &mut scratch, now, |mut work| {
        let mut arena = work.arena.lock().unwrap_or_else(|e| e.into_inner());
        arena.reset();
        // Peers with entries, in order (most peers have none), then prefetched a few ahead.
        let voters = bumpalo::collections::Vec::from_iter_in(
            (0..work.peers.len() as u32)
                .filter(|&p| work.hints.pools[p as usize] == Pool::Occupied),
            &arena,
        );
        let (mut entries, mut votes) = (0u64, 0u64);
        for k in 0..voters.len() {
            if let Some(&ahead) = voters.get(k + prefetch::AHEAD) {
                prefetch::mempool(&work.peers[ahead as usize]);
            }
            let local = voters[k] as usize;
            let ps = &mut work.peers[local];
            // The pool as voting finds it: the tick's deliveries are in, its commits not yet.
            entries += ps.mempool.len() as u64;
            votes += ps.vote_records() as u64;
            if byzantine_silence::withholds(cx.adversary, work.first + local as PeerIdx)
                || !work
                    .outbox
                    .faults
                    .is_online(work.first + local as PeerIdx, now)
            {
                continue;
            }
            let me = work.first + local as PeerIdx;
            let mut rng = vote_streams.stream(me as u64);
            mark_suppressed_claims(ps, &cx, &arena);
            if vote_peer(me, ps, &cx, &mut work.outbox, &mut rng) > 0 {
                work.decided.push(local as u32);
            }
            work.hints.refresh(local, ps);
        }
        *work.mempool_entries = entries;
        *work.vote_records = votes;
    });
    for chunk in &mut scratch.chunks {
        chunk.charges.settle_into(&book);
    }
}

/// How a peer's own store judges one part of a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartView {
    /// The part spends the owner I store (or I do not hold this token).
    Agree,
    /// I do not hold this token: no information, no objection.
    Outside,
    /// The part spends an owner newer than mine: I missed a commit and must catch up.
    Behind,
    /// The part spends an owner that was already spent: a double spend (D3).
    Conflict,
    /// I already vouched for another block spending this same owner: I object, but do not
    /// block, since that other block may yet expire.
    Promised,
}

/// Judges part `i` of `block` against this peer's token store.
pub fn judge_part(
    ps: &PeerState,
    block: &Block,
    idx: BlockIdx,
    i: usize,
    tokens: &TokenBook,
) -> PartView {
    let part = block.parts[i];
    if !ps.in_range(tokens.id(part.token)) {
        return PartView::Outside;
    }
    let mine = ps.mapping(part.token);
    if mine.block == part.last {
        match ps.promised(part.token, part.last) {
            Some(other) if other != idx => PartView::Promised,
            _ => PartView::Agree,
        }
    } else if mine.block == idx {
        // I already wrote this block's mapping (committed here).
        PartView::Agree
    } else if mine.prev == part.last || part.last_time <= mine.time {
        PartView::Conflict
    } else {
        PartView::Behind
    }
}

/// A peer's opinion of a whole block, part by part.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Opinion {
    /// Parts that spend the owner this peer stores.
    pub agree: u8,
    /// Parts whose token this peer holds and can judge (agree or object).
    pub holds: u8,
    /// Parts this peer holds but is behind on.
    pub behind: u8,
    /// Some part spends an owner that was already spent.
    pub conflict: bool,
}

pub fn judge_block(ps: &PeerState, block: &Block, idx: BlockIdx, tokens: &TokenBook) -> Opinion {
    let mut o = Opinion::default();
    for i in 0..block.parts.len() {
        let bit = 1 << i;
        match judge_part(ps, block, idx, i, tokens) {
            PartView::Agree => {
                o.agree |= bit;
                o.holds |= bit;
            }
            PartView::Outside => {}
            // Behind is "I do not know yet", not an objection.
            PartView::Behind => o.behind |= bit,
            PartView::Conflict => {
                o.holds |= bit;
                o.conflict = true;
            }
            PartView::Promised => o.holds |= bit,
        }
    }
    o
}

/// D3: of two pending blocks spending the same (token, owner), this peer votes 0 on the one
/// with the larger block id for as long as both are pending. Recomputed only when the set of
/// pending blocks with known bodies changed.
fn mark_suppressed_claims(ps: &mut PeerState, cx: &Shared, arena: &bumpalo::Bump) {
    if ps.claims == Claims::Current {
        return;
    }
    ps.claims = Claims::Current;
    let mut claims: bumpalo::collections::Vec<'_, (TokenIdx, BlockIdx, u64, u32, u8)> =
        bumpalo::collections::Vec::new_in(arena);
    for (ei, e) in ps.mempool.iter_mut().enumerate() {
        e.suppressed = 0;
        if e.state != EntryState::Pending || e.body != Body::Known {
            continue;
        }
        let Some(b) = cx.book.get(e.block) else {
            continue;
        };
        for (i, p) in b.parts.iter().enumerate() {
            claims.push((p.token, p.last, b.id, ei as u32, i as u8));
        }
    }
    if claims.len() < 2 {
        return;
    }
    claims.sort_unstable();
    for w in claims.windows(2) {
        let (a, b) = (w[0], w[1]);
        if a.0 == b.0 && a.1 == b.1 && a.2 != b.2 {
            ps.mempool[b.3 as usize].suppressed |= 1 << b.4;
        }
    }
}

/// D3 for a single block: the parts of `block` that another pending block with a smaller id,
/// whose body this peer holds, spends from the same owner. The same rule as
/// [`mark_suppressed_claims`], for answering one vote request without sorting the whole mempool.
pub fn outvoted_parts(ps: &PeerState, idx: BlockIdx, block: &Block, book: &BlockBook) -> u8 {
    let mut bits = 0u8;
    for e in &ps.mempool {
        if e.block == idx || e.state != EntryState::Pending || e.body != Body::Known {
            continue;
        }
        let Some(other) = book.get(e.block) else {
            continue;
        };
        if other.id >= block.id {
            continue;
        }
        for (i, p) in block.parts.iter().enumerate() {
            if other
                .parts
                .iter()
                .any(|q| q.token == p.token && q.last == p.last)
            {
                bits |= 1 << i;
            }
        }
    }
    bits
}

/// Counts an entry's votes from scratch (the reference for the incremental balances).
/// Returns (undecided mask, rejected).
///
/// Part i is decided when the voters inside this peer's view of token i that hold the token
/// agree by a margin above the threshold; the witness when more than `threshold` voters lie
/// inside its view of the block id.
pub fn tally(e: &Entry, parts: usize, threshold: i32, peers: u32) -> (u8, bool) {
    let mut undecided = 0u8;
    let mut rejected = false;
    for (i, view) in e.views[..parts].iter().enumerate() {
        let mut balance = 0i32;
        let bit = 1 << i;
        for v in &e.votes {
            // Only a voter that holds the token speaks for it: a 0 from anyone else means
            // "no information", not "no" (D1 makes "no" a rejection).
            if v.holds & bit != 0 && view.contains(v.voter, peers) {
                balance += if v.mask & bit != 0 { 1 } else { -1 };
            }
        }
        if balance < -threshold {
            rejected = true;
        } else if balance <= threshold {
            undecided |= 1 << i;
        }
    }
    let witness = &e.views[parts];
    let w = e
        .votes
        .iter()
        .filter(|v| witness.contains(v.voter, peers))
        .count() as i32;
    if w <= threshold {
        undecided |= WITNESS_BIT;
    }
    (undecided, rejected)
}

/// The decision a set of balances implies. Returns (undecided mask, rejected).
pub fn decide(balance: &[i16; 7], parts: usize, threshold: i32) -> (u8, bool) {
    let mut undecided = 0u8;
    let mut rejected = false;
    for (i, &b) in balance[..parts].iter().enumerate() {
        let b = b as i32;
        if b < -threshold {
            rejected = true;
        } else if b <= threshold {
            undecided |= 1 << i;
        }
    }
    if balance[WITNESS_SLOT] as i32 <= threshold {
        undecided |= WITNESS_BIT;
    }
    (undecided, rejected)
}

/// Votes on every pending entry of one peer; returns how many entries it decided.
fn vote_peer(
    me: PeerIdx,
    ps: &mut PeerState,
    cx: &Shared,
    out: &mut Outbox,
    rng: &mut Pcg64Mcg,
) -> usize {
    let mut decided = 0;
    let threshold = cx.threshold as i32;
    let peers = cx.ring.len();
    let my_id = cx.ring.id(me);
    for ei in 0..ps.mempool.len() {
        let e = &ps.mempool[ei];
        if e.state != EntryState::Pending || e.body != Body::Known {
            continue;
        }
        let idx = e.block;
        let Some(block) = cx.book.get(idx) else {
            continue;
        };
        let parts = block.parts.len();
        let suppressed = e.suppressed;
        let opinion = stated_opinion(
            cx.adversary,
            me,
            judge_block(ps, block, idx, cx.tokens),
            parts,
        );
        let (holds, behind) = (opinion.holds, opinion.behind);
        let mask = opinion.agree & !suppressed;
        let conflict = opinion.conflict;
        ps.promise_agreed(block, idx, mask, cx.config.entry_ttl);
        let e = &mut ps.mempool[ei];
        if conflict {
            e.decision = Decision::Reject;
            decided += 1;
            continue;
        }
        if e.tally == Tally::Stale {
            if e.counted == Counted::Recount {
                e.recount(peers);
            }
            let (undecided, rejected) = decide(&e.balance, parts, threshold);
            e.undecided = undecided;
            e.tally = Tally::Fresh;
            if rejected {
                e.decision = Decision::Reject;
                decided += 1;
                continue;
            }
        }
        if e.undecided == 0 && behind == 0 {
            e.decision = Decision::Commit;
            decided += 1;
            continue;
        }
        if behind != 0 {
            // Catch up first: no vote requests while my store is behind this block.
            for i in 0..parts {
                if behind & (1 << i) != 0 {
                    ask_parent(me, ps, block.parts[i].last, cx, out, rng);
                }
            }
            continue;
        }
        let undecided = e.undecided;
        let mut sent = 0;
        for i in 0..parts {
            if undecided & (1 << i) != 0 {
                let key = cx.tokens.id(block.parts[i].token);
                let targets = e.views[i].vote_targets(rotation(key, my_id, cx.now));
                for to in targets {
                    out.send(request(me, to, idx, mask, holds, cx.now), rng);
                }
                sent += 2;
            }
        }
        if undecided & WITNESS_BIT != 0 {
            let targets = e.views[parts].vote_targets(rotation(block.id, my_id, cx.now));
            for to in targets {
                out.send(request(me, to, idx, mask, holds, cx.now), rng);
            }
            sent += 2;
        }
        out.charge(idx, sent);
    }
    decided
}

#[inline]
fn request(from: PeerIdx, to: PeerIdx, block: BlockIdx, mask: u8, holds: u8, now: Tick) -> Message {
    debug_assert!(mask != COMMITTED_MASK);
    Message {
        to,
        from,
        block,
        sent: now,
        target: ANSWER_SENDER,
        kind: MessageKind::VoteRequest,
        mask,
        holds,
    }
}

/// Asks the parent's neighbourhood for block `parent`, at most every few ticks.
fn ask_parent(
    me: PeerIdx,
    ps: &mut PeerState,
    parent: BlockIdx,
    cx: &Shared,
    out: &mut Outbox,
    rng: &mut Pcg64Mcg,
) {
    let Some(pb) = cx.book.get(parent) else {
        return;
    };
    if ps.find(parent).is_ok() {
        return;
    }
    match ps.wanted.iter_mut().find(|(b, _)| *b == parent) {
        Some((_, at)) if *at + PARENT_RETRY_TICKS > cx.now => return,
        Some((_, at)) => *at = cx.now,
        None => {
            ps.wanted.push((parent, cx.now));
            ps.collect_at(cx.now + cx.config.entry_ttl);
        }
    }
    let nb = cx.ring.neighbourhood(me, pb.id);
    let to = nb.query_target(rotation(pb.id, cx.ring.id(me), cx.now));
    out.charge(parent, 1);
    out.send(
        Message {
            to,
            from: me,
            block: parent,
            sent: cx.now,
            target: ANSWER_SENDER,
            kind: MessageKind::ParentQuery,
            mask: 0,
            holds: 0,
        },
        rng,
    );
}

#[cfg(test)]
mod incremental_tally_tests {
    use super::*;
    use crate::peer::{Body, Role};
    use crate::ring::Neighbourhood;
    use rand::{Rng, SeedableRng};

    /// Vote-by-vote balances always decide as a full recount does.
    #[test]
    fn incremental_balances_match_a_full_recount() {
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(5);
        let peers = 40;
        for _ in 0..200 {
            let parts = rng.random_range(1..=3usize);
            let mut e = Entry::new(0, 100, Body::Known, Role::Relay);
            for _ in 0..=parts {
                let lo = rng.random_range(0..peers);
                let hi = (lo + rng.random_range(0..12)) % peers;
                e.views.push(Neighbourhood {
                    below: [lo; 4],
                    above: [hi; 4],
                });
            }
            e.recount(peers);
            for t in 0..30 {
                let voter = rng.random_range(0..peers);
                e.record_vote_counted(voter, t / 3, rng.random(), rng.random(), peers);
            }
            for threshold in 0..3 {
                assert_eq!(
                    decide(&e.balance, parts, threshold),
                    tally(&e, parts, threshold, peers)
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::GENESIS;
    use crate::ledger::Ledger;
    use crate::peer::{Decision, Mapping};
    use crate::testing::*;

    fn requests(world: &World) -> Vec<(PeerIdx, PeerIdx, BlockIdx, u8, u8)> {
        in_flight(world)
            .iter()
            .inspect(|m| {
                assert_eq!(
                    (m.kind, m.target),
                    (MessageKind::VoteRequest, ANSWER_SENDER)
                )
            })
            .map(|m| (m.from, m.to, m.block, m.mask, m.holds))
            .collect()
    }

    #[test]
    fn a_new_block_asks_the_token_and_witness_neighbourhoods() {
        let mut world = tiny_world();
        let b = submit_block(&mut world, 0, BLOCK_ID, &[0]);
        run(&mut world, vote);
        // Token 0 (id 2500) rotation picks peers 1 and 2; the witness (id 4200) peers 3 and 4.
        // Peer 0 holds token 0 and it spends the genesis owner it stores: mask 1, holds 1.
        assert_eq!(
            requests(&world),
            vec![
                (0, 1, b, 1, 1),
                (0, 2, b, 1, 1),
                (0, 3, b, 1, 1),
                (0, 4, b, 1, 1)
            ]
        );
        let e = &peer(&world, 0).mempool[0];
        assert_eq!(e.decision, Decision::Undecided);
        assert_eq!(e.undecided, 0b1 | WITNESS_BIT);
        assert_eq!(messages_charged(&world, b), 4);
    }

    #[test]
    fn two_agreeing_holders_decide_a_commit_and_nothing_is_sent() {
        let mut world = tiny_world();
        submit_block(&mut world, 0, BLOCK_ID, &[0]);
        for voter in [3, 4] {
            peer_mut(&mut world, 0).mempool[0].record_vote(voter, 0, 1, 1);
        }
        run(&mut world, vote);
        assert_eq!(peer(&world, 0).mempool[0].decision, Decision::Commit);
        assert!(in_flight(&world).is_empty());
        // The pool gauges are counted here, as the voter finds the pool.
        let scratch = world.resource::<crate::resources::Scratch>();
        let entries: u64 = scratch.chunks.iter().map(|c| c.mempool_entries).sum();
        let votes: u64 = scratch.chunks.iter().map(|c| c.vote_records).sum();
        assert_eq!((entries, votes), (1, 2));
    }

    #[test]
    fn two_objecting_holders_decide_a_reject() {
        let mut world = tiny_world();
        submit_block(&mut world, 0, BLOCK_ID, &[0]);
        for voter in [3, 4] {
            peer_mut(&mut world, 0).mempool[0].record_vote(voter, 0, 0, 1);
        }
        run(&mut world, vote);
        assert_eq!(peer(&world, 0).mempool[0].decision, Decision::Reject);
        assert!(in_flight(&world).is_empty());
    }

    #[test]
    fn zeros_from_non_holders_are_no_objection() {
        let mut world = tiny_world();
        let b = submit_block(&mut world, 0, BLOCK_ID, &[0]);
        // Peers 1 and 2 do not hold token 0: they decide the witness but not the part.
        for voter in [1, 2] {
            peer_mut(&mut world, 0).mempool[0].record_vote(voter, 0, 0, 0);
        }
        run(&mut world, vote);
        let e = &peer(&world, 0).mempool[0];
        assert_eq!((e.decision, e.undecided), (Decision::Undecided, 0b1));
        assert_eq!(requests(&world), vec![(0, 1, b, 1, 1), (0, 2, b, 1, 1)]);
    }

    #[test]
    fn of_two_pending_spends_of_one_owner_the_larger_id_gets_a_zero() {
        let mut world = tiny_world();
        let first = submit_block(&mut world, 0, BLOCK_ID, &[0]);
        let second = submit_block(&mut world, 0, BLOCK_ID + 100, &[0]);
        run(&mut world, vote);
        let masks: Vec<_> = requests(&world)
            .iter()
            .map(|&(_, _, block, mask, holds)| (block, mask, holds))
            .collect();
        assert_eq!(masks.len(), 8);
        assert_eq!(masks.iter().filter(|m| **m == (first, 1, 1)).count(), 4);
        assert_eq!(masks.iter().filter(|m| **m == (second, 0, 1)).count(), 4);
    }

    #[test]
    fn a_peer_behind_on_a_token_asks_for_the_parent_instead_of_voting() {
        let mut world = tiny_world();
        // Block 0 (id 2200) moved token 0 at time 1; peer 0 never heard of it.
        let parent = submit_block(&mut world, 1, 2200, &[1]);
        world.resource_mut::<Ledger>().heads[0] = Mapping {
            block: parent,
            time: 1,
            prev: GENESIS,
        };
        let child = submit_block(&mut world, 0, BLOCK_ID, &[0]);
        let vote_at_peer_0 = |world: &mut World| {
            peer_mut(world, 1).retain_entries(|_| false);
            run(world, vote);
        };
        vote_at_peer_0(&mut world);
        let sent = in_flight(&world);
        assert_eq!(sent.len(), 1, "{sent:?}");
        assert_eq!(
            (sent[0].kind, sent[0].from, sent[0].to, sent[0].block),
            (MessageKind::ParentQuery, 0, 2, parent)
        );
        assert_eq!(peer(&world, 0).wanted.as_slice(), &[(parent, 0)]);
        assert_eq!(peer(&world, 0).mempool[0].block, child);
        // Asked once per PARENT_RETRY_TICKS, not every tick.
        set_tick(&mut world, 1);
        vote_at_peer_0(&mut world);
        assert_eq!(in_flight(&world).len(), 1);
    }
}
