//! System 2: every message due this tick reaches its receiver, which records votes, answers
//! queries and takes in block bodies. Replies leave through the receiver's outbox.

use crate::blocks::Block;
use crate::blocks::BlockBook;
use crate::ids::{PeerIdx, Tick};
use crate::message::{ALL_PARTS, ANSWER_SENDER, COMMITTED_MASK, Message, MessageKind};
use crate::network::{Network, Outbox};
use crate::parcel::Parcel;
use crate::peer::{Body, Claims, Entry, EntryState, PeerState, Role, Verdict};
use crate::prefetch;
use crate::resources::{Clock, Peers, Scratch, Settings, Shared, for_each_chunk};
use crate::ring::{Ring, rotation};
use crate::rng::{Stream, StreamKey};
use crate::systems::byzantine_equivocate::stated_opinion;
use crate::systems::byzantine_silence;
use crate::systems::vote::{judge_block, outvoted_parts};
use crate::tokens::TokenBook;
use bevy_ecs::prelude::*;
use rand::seq::SliceRandom;
use rand_pcg::Pcg64Mcg;

/// Prefetch distances, in receivers: the peer's own state, then the entries it will read.
const FAR_AHEAD: usize = 16;
const NEAR_AHEAD: usize = 8;

/// A node that learned of a block by a vote asks again for its body after this many ticks.
pub const REQUERY_TICKS: Tick = 4;

#[allow(clippy::too_many_arguments)]
pub fn deliver_messages(
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
    let due = network.take_due(now);
    let cx = Shared {
        config: &settings.0,
        ring: &ring,
        tokens: &tokens,
        book: &book,
        adversary: &adversary,
        threshold: threshold.value,
        now,
    };
    let due_ref = &due;
    let inbox_streams = StreamKey::new(cx.config.seed, Stream::Inbox, now);
    for_each_chunk(&mut peers, &mut network, &mut scratch, now, |mut work| {
        let incoming = &due_ref[work.index];
        let mut arena = work.arena.lock().unwrap_or_else(|e| e.into_inner());
        arena.reset();
        // Counting sort by receiver: stable, so each inbox keeps sender-chunk order.
        let n = work.peers.len();
        let mut starts = bumpalo::vec![in &*arena; 0u32; n + 1];
        // Slice by slice, so the inner loops stay tight.
        let slices = || incoming.iter().flat_map(Parcel::slices);
        for slice in slices() {
            for m in slice {
                starts[(m.to - work.first) as usize + 1] += 1;
            }
        }
        for i in 0..n {
            starts[i + 1] += starts[i];
        }
        let total = starts[n] as usize;
        if total == 0 {
            return;
        }
        let mut cursor = bumpalo::collections::Vec::from_iter_in(starts.iter().copied(), &arena);
        let blank = slices().flatten().next().copied().unwrap_or(EMPTY);
        let mut inbox = bumpalo::vec![in &*arena; blank; total];
        for slice in slices() {
            for m in slice {
                let r = (m.to - work.first) as usize;
                inbox[cursor[r] as usize] = *m;
                cursor[r] += 1;
            }
        }
        // Receivers with mail, in order; their state is prefetched in two steps ahead of
        // use: the peer itself far ahead, then (once its keys are in cache) the entries its
        // messages are about.
        let mut receivers = bumpalo::collections::Vec::with_capacity_in(n.min(total), &arena);
        receivers.extend((0..n as u32).filter(|&r| starts[r as usize] != starts[r as usize + 1]));
        for k in 0..receivers.len() {
            if let Some(&far) = receivers.get(k + FAR_AHEAD) {
                prefetch::value(&work.peers[far as usize]);
            }
            if let Some(&near) = receivers.get(k + NEAR_AHEAD) {
                let near = near as usize;
                let ps = &work.peers[near];
                let (a, b) = (starts[near] as usize, starts[near + 1] as usize);
                for m in &inbox[a..b.min(a + 2)] {
                    prefetch::state_for(ps, m.block);
                    prefetch::value(&cx.ring.ids[m.from as usize]);
                }
            }
            let local = receivers[k] as usize;
            let (a, b) = (starts[local] as usize, starts[local + 1] as usize);
            let ps = &mut work.peers[local];
            let me = work.first + local as PeerIdx;
            let mut rng = inbox_streams.stream(me as u64);
            let slice = &mut inbox[a..b];
            slice.shuffle(&mut rng);
            for m in slice.iter() {
                // A partition or an offline receiver also stops what was already in flight.
                if !work.outbox.faults.can_send(m.from, m.to, now) {
                    work.outbox.dropped.add(m.kind);
                    *work.outbox.cut += 1;
                    continue;
                }
                work.delivered.add(m.kind);
                if !byzantine_silence::withholds(cx.adversary, me) {
                    handle(me, ps, m, &cx, &mut work.outbox, &mut rng);
                }
            }
            work.hints.refresh(local, ps);
        }
    });
    network.recycle(due);
    for chunk in &mut scratch.chunks {
        chunk.charges.settle_into(&book);
    }
}

const EMPTY: Message = Message {
    to: 0,
    from: 0,
    block: 0,
    sent: 0,
    target: ANSWER_SENDER,
    kind: MessageKind::Answer,
    mask: 0,
    holds: 0,
};

/// One message at its receiver `me`.
pub fn handle(
    me: PeerIdx,
    ps: &mut PeerState,
    m: &Message,
    cx: &Shared,
    out: &mut Outbox,
    rng: &mut Pcg64Mcg,
) {
    // A block the book no longer holds is long finished: nothing useful can be done with it.
    let Some(block) = cx.book.get(m.block) else {
        return;
    };
    match m.kind {
        MessageKind::VoteRequest | MessageKind::VoteEcho => on_vote(me, ps, m, block, cx, out, rng),
        MessageKind::BlockQuery | MessageKind::ParentQuery => {
            on_query(me, ps, m, block, cx, out, rng)
        }
        MessageKind::BlockReply | MessageKind::ParentReply => on_block(me, ps, m, block, cx),
        MessageKind::Answer => {}
    }
}

/// Sends a reply and charges it to the block it is about.
#[inline]
fn reply(out: &mut Outbox, rng: &mut Pcg64Mcg, msg: Message) {
    out.charge(msg.block, 1);
    out.send(msg, rng);
}

#[inline]
fn trusted(me: PeerIdx, ps: &PeerState, from: PeerIdx, ring: &Ring) -> bool {
    ring.seeded_link(me, from) || ps.knows_learned(from)
}

fn on_vote(
    me: PeerIdx,
    ps: &mut PeerState,
    m: &Message,
    block: &Block,
    cx: &Shared,
    out: &mut Outbox,
    rng: &mut Pcg64Mcg,
) {
    let wants_reply = m.kind == MessageKind::VoteRequest;
    let echo = |mask: u8| Message {
        to: m.from,
        from: me,
        block: m.block,
        sent: cx.now,
        target: ANSWER_SENDER,
        kind: MessageKind::VoteEcho,
        mask,
        holds: ALL_PARTS,
    };
    let query = Message {
        to: m.from,
        from: me,
        block: m.block,
        sent: cx.now,
        target: ANSWER_SENDER,
        kind: MessageKind::BlockQuery,
        mask: 0,
        holds: 0,
    };
    match ps.find(m.block) {
        Ok(i) => {
            let state = ps.mempool[i].state;
            match state {
                EntryState::Committed if wants_reply => reply(out, rng, echo(COMMITTED_MASK)),
                EntryState::Blocked if wants_reply => reply(out, rng, echo(0)),
                EntryState::Pending if trusted(me, ps, m.from, cx.ring) => {
                    let e = &mut ps.mempool[i];
                    let peers = cx.ring.len();
                    if e.may_count(m.from, peers) {
                        e.record_vote_counted(m.from, m.sent, m.mask, m.holds, peers);
                    }
                    match e.body {
                        Body::Unknown { asked } if cx.now >= asked + REQUERY_TICKS => {
                            e.body = Body::Unknown { asked: cx.now };
                            reply(out, rng, query);
                        }
                        Body::Known if wants_reply => {
                            // A holder answers with its opinion at once: askers far from a
                            // token have few holders in view and need their word directly.
                            // D3 holds here too: no "agree" for the later of two pending
                            // spends of one owner.
                            let mut o = judge_block(ps, block, m.block, cx.tokens);
                            if o.agree != 0 {
                                // Most askers reach peers that hold none of the tokens:
                                // nothing to suppress, so skip the scan of the pool.
                                o.agree &= !outvoted_parts(ps, m.block, block, cx.book);
                            }
                            let o = stated_opinion(cx.adversary, me, o, block.parts.len());
                            ps.promise_agreed(block, m.block, o.agree, cx.config.entry_ttl);
                            if o.holds != 0 {
                                reply(
                                    out,
                                    rng,
                                    Message {
                                        holds: o.holds,
                                        ..echo(o.agree)
                                    },
                                );
                            }
                        }
                        _ => {}
                    }
                }
                EntryState::Pending => ps.learn(m.from, cx.config.learned_peers as usize),
                _ => {}
            }
        }
        Err(at) => {
            if let Some(verdict) = ps.verdict(m.block) {
                if wants_reply {
                    let mask = match verdict {
                        Verdict::Committed => COMMITTED_MASK,
                        Verdict::Blocked => 0,
                    };
                    reply(out, rng, echo(mask));
                }
            } else if trusted(me, ps, m.from, cx.ring) {
                let expires = block.expires(cx.config.entry_ttl);
                if ps.mempool.len() < cx.config.mempool_cap as usize && expires > cx.now {
                    let mut e = Entry::new(
                        m.block,
                        expires,
                        Body::Unknown { asked: cx.now },
                        Role::Relay,
                    );
                    e.record_vote(m.from, m.sent, m.mask, m.holds);
                    ps.insert_entry(at, e);
                    reply(out, rng, query);
                }
            } else {
                ps.learn(m.from, cx.config.learned_peers as usize);
            }
        }
    }
}

fn has_body(ps: &PeerState, block: crate::ids::BlockIdx) -> bool {
    match ps.find(block) {
        Ok(i) => ps.mempool[i].body == Body::Known,
        Err(_) => ps.remembers(block),
    }
}

fn on_query(
    me: PeerIdx,
    ps: &mut PeerState,
    m: &Message,
    block: &Block,
    cx: &Shared,
    out: &mut Outbox,
    rng: &mut Pcg64Mcg,
) {
    let target = if m.target == ANSWER_SENDER {
        m.from
    } else {
        m.target
    };
    if has_body(ps, m.block) {
        let kind = if m.kind == MessageKind::ParentQuery {
            MessageKind::ParentReply
        } else {
            MessageKind::BlockReply
        };
        reply(
            out,
            rng,
            Message {
                to: target,
                from: me,
                block: m.block,
                sent: cx.now,
                target: ANSWER_SENDER,
                kind,
                mask: 0,
                holds: 0,
            },
        );
    } else if (block.id ^ cx.now as u64).is_multiple_of(4) {
        // Forward towards the block's neighbourhood; the answer goes straight to the asker.
        let nb = cx.ring.neighbourhood(me, block.id);
        let to = nb.query_target(rotation(block.id, cx.ring.id(me), cx.now));
        if to != me && to != target {
            reply(
                out,
                rng,
                Message {
                    to,
                    from: me,
                    target,
                    sent: cx.now,
                    ..*m
                },
            );
        }
    }
}

fn on_block(me: PeerIdx, ps: &mut PeerState, m: &Message, block: &Block, cx: &Shared) {
    if !block.is_well_formed() {
        return;
    }
    match m.kind {
        MessageKind::BlockReply => {
            if let Some(e) = ps.entry_mut(m.block)
                && matches!(e.body, Body::Unknown { .. })
            {
                e.learn_views(block.views(cx.ring, cx.tokens, me), cx.ring.len());
                ps.claims = Claims::Changed;
            }
        }
        MessageKind::ParentReply => {
            let Some(w) = ps.wanted.iter().position(|&(b, _)| b == m.block) else {
                return;
            };
            ps.wanted.swap_remove(w);
            match ps.find(m.block) {
                Ok(i) => {
                    let e = &mut ps.mempool[i];
                    if matches!(e.body, Body::Unknown { .. }) {
                        e.learn_views(block.views(cx.ring, cx.tokens, me), cx.ring.len());
                        ps.claims = Claims::Changed;
                    }
                }
                Err(at) => {
                    let expires = block.expires(cx.config.entry_ttl);
                    if !ps.remembers(m.block)
                        && ps.mempool.len() < cx.config.mempool_cap as usize
                        && expires > cx.now
                    {
                        let mut e = Entry::new(m.block, expires, Body::Known, Role::Relay);
                        e.views = block.views(cx.ring, cx.tokens, me);
                        ps.insert_entry(at, e);
                        ps.claims = Claims::Changed;
                    }
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::peer::{Settled, VoteRecord};
    use crate::systems::vote::vote;
    use crate::testing::*;

    fn sent(world: &World) -> Vec<(MessageKind, PeerIdx, PeerIdx, u8, u8)> {
        in_flight(world)
            .iter()
            .map(|m| (m.kind, m.from, m.to, m.mask, m.holds))
            .collect()
    }

    fn request(from: PeerIdx, to: PeerIdx, block: crate::ids::BlockIdx) -> Message {
        Message {
            mask: 1,
            holds: 1,
            ..message(MessageKind::VoteRequest, from, to, block, 0)
        }
    }

    #[test]
    fn a_vote_request_makes_a_relay_entry_and_the_body_follows() {
        let mut world = tiny_world();
        let b = submit_block(&mut world, 0, BLOCK_ID, &[0]);
        run(&mut world, vote);

        set_tick(&mut world, 1);
        run(&mut world, deliver_messages);
        for p in 1..=4 {
            let ps = peer(&world, p);
            assert_eq!(ps.mempool.len(), 1, "peer {p}");
            let e = &ps.mempool[0];
            assert_eq!((e.block, e.role, e.expires), (b, Role::Relay, TTL));
            assert_eq!(e.body, Body::Unknown { asked: 1 });
            let vote = VoteRecord {
                voter: 0,
                sent: 0,
                mask: 1,
                holds: 1,
            };
            assert_eq!(e.votes.as_slice(), &[vote]);
        }
        let query = |from| (MessageKind::BlockQuery, from, 0, 0, 0);
        assert_eq!(sent(&world), vec![query(1), query(2), query(3), query(4)]);

        set_tick(&mut world, 2);
        run(&mut world, deliver_messages);
        let reply = |to| (MessageKind::BlockReply, 0, to, 0, 0);
        assert_eq!(sent(&world), vec![reply(1), reply(2), reply(3), reply(4)]);

        set_tick(&mut world, 3);
        run(&mut world, deliver_messages);
        assert!(in_flight(&world).is_empty());
        for p in 1..=4 {
            let e = &peer(&world, p).mempool[0];
            assert_eq!(e.body, Body::Known, "peer {p}");
            assert_eq!(e.views.len(), 2);
            assert_eq!(e.tally, crate::peer::Tally::Stale);
        }
        assert_eq!(messages_charged(&world, b), 12);
    }

    #[test]
    fn a_decided_peer_echoes_its_decision() {
        for (state, echoed) in [
            (Some(EntryState::Committed), COMMITTED_MASK),
            (Some(EntryState::Blocked), 0),
            (None, COMMITTED_MASK), // remembered after its entry expired
        ] {
            let mut world = tiny_world();
            let b = submit_block(&mut world, 0, BLOCK_ID, &[0]);
            let ps = peer_mut(&mut world, 2);
            match state {
                Some(state) => {
                    let mut e = Entry::new(b, TTL, Body::Known, Role::Relay);
                    e.settle(state);
                    ps.add_entry(e);
                }
                None => ps.remember(Settled {
                    block: b,
                    until: 30,
                    verdict: Verdict::Committed,
                }),
            }
            post(&mut world, request(0, 2, b), 1);
            // An echo is never answered: that would ping-pong forever.
            let echo = Message {
                mask: COMMITTED_MASK,
                holds: ALL_PARTS,
                ..message(MessageKind::VoteEcho, 1, 2, b, 0)
            };
            post(&mut world, echo, 1);
            set_tick(&mut world, 1);
            run(&mut world, deliver_messages);
            assert_eq!(
                sent(&world),
                vec![(MessageKind::VoteEcho, 2, 0, echoed, ALL_PARTS)],
                "{state:?}"
            );
            assert_eq!(in_flight(&world)[0].sent, 1);
        }
    }

    #[test]
    fn a_pending_holder_answers_with_its_opinion_a_non_holder_only_records() {
        let mut world = tiny_world();
        let b = submit_block(&mut world, 0, BLOCK_ID, &[0]);
        for p in [1, 3] {
            let e = Entry::new(b, TTL, Body::Known, Role::Relay);
            peer_mut(&mut world, p).add_entry(e);
            post(&mut world, request(0, p, b), 1);
        }
        assert!(!peer(&world, 1).in_range(TOKEN_IDS[0]));
        assert!(peer(&world, 3).in_range(TOKEN_IDS[0]));
        set_tick(&mut world, 1);
        run(&mut world, deliver_messages);
        assert_eq!(sent(&world), vec![(MessageKind::VoteEcho, 3, 0, 1, 1)]);
        for p in [1, 3] {
            assert_eq!(peer(&world, p).mempool[0].votes.len(), 1, "peer {p}");
        }
    }

    #[test]
    fn a_holder_answers_no_to_the_later_of_two_spends_of_one_owner() {
        let mut world = tiny_world();
        let first = submit_block(&mut world, 0, BLOCK_ID, &[0]);
        world
            .resource_mut::<crate::workload::Workload>()
            .free
            .push(0);
        let later = submit_block(&mut world, 1, BLOCK_ID + 100, &[0]);
        for b in [first, later] {
            let e = Entry::new(b, TTL, Body::Known, Role::Relay);
            peer_mut(&mut world, 3).add_entry(e);
        }
        post(&mut world, request(0, 3, first), 1);
        post(&mut world, request(1, 3, later), 1);
        set_tick(&mut world, 1);
        run(&mut world, deliver_messages);
        // D3: peer 3 holds token 0 and sees both pending: yes to the smaller id, no to the other.
        let echoes: Vec<_> = in_flight(&world)
            .iter()
            .map(|m| (m.kind, m.to, m.block, m.mask, m.holds))
            .collect();
        assert_eq!(
            echoes,
            vec![
                (MessageKind::VoteEcho, 0, first, 1, 1),
                (MessageKind::VoteEcho, 1, later, 0, 1)
            ]
        );
    }

    #[test]
    fn a_query_for_an_unknown_body_is_not_answered_by_the_asked() {
        let mut world = tiny_world();
        let b = submit_block(&mut world, 0, BLOCK_ID, &[0]);
        post(&mut world, message(MessageKind::BlockQuery, 0, 1, b, 0), 1);
        set_tick(&mut world, 1);
        run(&mut world, deliver_messages);
        // Peer 1 has no body: it either forwards the query or drops it, never replies.
        assert!(
            in_flight(&world)
                .iter()
                .all(|m| m.kind == MessageKind::BlockQuery && m.target == 0)
        );
    }
}
