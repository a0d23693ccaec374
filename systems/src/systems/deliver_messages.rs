//! System 2: every message due this tick reaches its receiver, which records votes, answers
//! queries and takes in block bodies. Replies leave through the receiver's outbox.

use crate::blocks::Block;
use crate::blocks::BlockBook;
use crate::ids::{PeerIdx, Tick};
use crate::message::{ALL_PARTS, ANSWER_SENDER, COMMITTED_MASK, Message, MessageKind};
use crate::network::{Network, Outbox};
use crate::peer::{Body, Claims, Entry, EntryState, PeerState, Role};
use crate::prefetch;
use crate::resources::{Clock, Peers, Scratch, Settings, Shared, for_each_chunk};
use crate::ring::{Ring, rotation};
use crate::rng::{Stream, stream};
use crate::systems::vote::judge_block;
use crate::tokens::TokenBook;
use bevy_ecs::prelude::*;
use rand::seq::SliceRandom;
use rand_pcg::Pcg64Mcg;

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
) {
    let now = clock.tick;
    let due = network.take_due(now);
    let cx = Shared {
        config: &settings.0,
        ring: &ring,
        tokens: &tokens,
        book: &book,
        now,
    };
    let due_ref = &due;
    for_each_chunk(&mut peers, &mut network, &mut scratch, now, |mut work| {
        let incoming = &due_ref[work.index];
        let mut arena = work.arena.lock().unwrap_or_else(|e| e.into_inner());
        arena.reset();
        // Counting sort by receiver: stable, so each inbox keeps sender-chunk order.
        let n = work.peers.len();
        let mut starts = bumpalo::vec![in &*arena; 0u32; n + 1];
        for m in incoming.iter().flatten() {
            starts[(m.to - work.first) as usize + 1] += 1;
        }
        for i in 0..n {
            starts[i + 1] += starts[i];
        }
        let total = starts[n] as usize;
        if total == 0 {
            return;
        }
        let mut cursor = bumpalo::collections::Vec::from_iter_in(starts.iter().copied(), &arena);
        let blank = incoming.iter().flatten().next().copied().unwrap_or(EMPTY);
        let mut inbox = bumpalo::vec![in &*arena; blank; total];
        for m in incoming.iter().flatten() {
            let r = (m.to - work.first) as usize;
            inbox[cursor[r] as usize] = *m;
            cursor[r] += 1;
        }
        for local in 0..n {
            if let Some(ahead) = work.peers.get(local + prefetch::AHEAD) {
                prefetch::mempool(ahead);
            }
            let (a, b) = (starts[local] as usize, starts[local + 1] as usize);
            if a == b {
                continue;
            }
            let ps = &mut work.peers[local];
            let me = work.first + local as PeerIdx;
            let mut rng = stream(cx.config.seed, Stream::Inbox, now, me as u64);
            let slice = &mut inbox[a..b];
            slice.shuffle(&mut rng);
            for m in slice.iter() {
                work.delivered.add(m.kind);
                handle(me, ps, m, &cx, &mut work.outbox, &mut rng);
            }
        }
    });
    drop(due);
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

/// Sends a reply about `m.block` and charges it to the block.
#[inline]
fn reply(out: &mut Outbox, rng: &mut Pcg64Mcg, block: &Block, msg: Message) {
    block.charge(1);
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
                EntryState::Committed if wants_reply => {
                    reply(out, rng, block, echo(COMMITTED_MASK))
                }
                EntryState::Blocked if wants_reply => reply(out, rng, block, echo(0)),
                EntryState::Pending if trusted(me, ps, m.from, cx.ring) => {
                    let e = &mut ps.mempool[i];
                    let peers = cx.ring.len();
                    if e.may_count(m.from, peers) {
                        e.record_vote_counted(m.from, m.sent, m.mask, m.holds, peers);
                    }
                    match e.body {
                        Body::Unknown { asked } if cx.now >= asked + REQUERY_TICKS => {
                            e.body = Body::Unknown { asked: cx.now };
                            reply(out, rng, block, query);
                        }
                        Body::Known if wants_reply => {
                            // A holder answers with its opinion at once: askers far from a
                            // token have few holders in view and need their word directly.
                            // D3 holds here too: no "agree" for a block outvoted by another
                            // pending spend of the same owner.
                            let suppressed = ps.mempool[i].suppressed;
                            let mut o = judge_block(ps, block, m.block, cx.tokens);
                            o.agree &= !suppressed;
                            ps.promise_agreed(block, m.block, o.agree, cx.config.entry_ttl);
                            if o.holds != 0 {
                                reply(
                                    out,
                                    rng,
                                    block,
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
            if ps.remembers(m.block) {
                if wants_reply {
                    reply(out, rng, block, echo(COMMITTED_MASK));
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
                    reply(out, rng, block, query);
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
            block,
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
                block,
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
