//! One message at its receiver: votes are recorded, queries answered or forwarded, block
//! bodies taken in. Replies leave through the receiver's outbox.

use super::byzantine::stated_opinion;
use super::conflicts::outvoted_parts;
use super::judge::judge_block;
use super::message::OriginalKind;
use super::neighbourhood::neighbourhood;
use super::state::{Entry, OriginalPeer, PeerState};
use super::targets::{query_target, rotation};
use crate::config::{BodyRequery, HolderReply, Objectors};
use crate::engine::lookup::Lookup;
use crate::model::blocks::Block;
use crate::model::ids::{BlockIdx, PeerIdx, Tick};
use crate::model::message::{ALL_PARTS, ANSWER_SENDER, COMMITTED_MASK, Message};
use crate::model::peer::{Body, EntryState, PendingSet, Role, Verdict, VoteRecord};
use crate::protocol::{BlockRef, Io, Node};

/// A node that learned of a block by a vote asks again for its body after this many ticks.
pub const REQUERY_TICKS: Tick = 4;

/// One message at its receiver `me`.
pub fn handle<const T: bool>(node: &mut Node<'_, '_, OriginalPeer, T>, m: &Message) {
    // A block the book no longer holds is long finished: nothing useful can be done with it.
    let Some(block) = node.io.world.bodies.get(m.block) else {
        return;
    };
    let Some(kind) = OriginalKind::of(m.kind) else {
        return;
    };
    match kind {
        OriginalKind::VoteRequest | OriginalKind::VoteEcho => on_vote(node, m, block),
        OriginalKind::BlockQuery | OriginalKind::ParentQuery => on_query(node, m, block),
        OriginalKind::BlockReply | OriginalKind::ParentReply => on_block(node, m, block),
        // Answers are never sent.
        OriginalKind::Answer => {}
    }
}

/// Sends a reply and charges it to the block it is about.
#[inline]
fn reply<const T: bool>(io: &mut Io<'_, '_, T>, msg: Message) {
    io.charge(msg.block, 1);
    io.send(msg);
}

#[inline]
fn trusted(me: PeerIdx, ps: &PeerState, from: PeerIdx, lookup: Lookup) -> bool {
    lookup.seeded_link(me, from) || ps.protocol.learned.knows(from)
}

/// The parts a vote speaks for: those its voter holds (C3), or all of them under the
/// original's rule, where every voter's 0 is an objection.
#[inline]
fn speaks_for(m: &Message, objectors: Objectors) -> u8 {
    match objectors {
        Objectors::Holders => m.holds,
        Objectors::AnyVoter => ALL_PARTS,
    }
}

fn on_vote<const T: bool>(node: &mut Node<'_, '_, OriginalPeer, T>, m: &Message, block: &Block) {
    let Node { state: ps, io } = node;
    let (me, cx) = (io.me, io.world);
    let out = io;
    let wants_reply = m.kind == OriginalKind::VoteRequest;
    let echo = |mask: u8| Message {
        to: m.from,
        from: me,
        block: m.block,
        sent: cx.now,
        target: ANSWER_SENDER,
        kind: OriginalKind::VoteEcho.into(),
        mask,
        holds: ALL_PARTS,
    };
    let query = Message {
        to: m.from,
        from: me,
        block: m.block,
        sent: cx.now,
        target: ANSWER_SENDER,
        kind: OriginalKind::BlockQuery.into(),
        mask: 0,
        holds: 0,
    };
    match ps.find(m.block) {
        Ok(i) => {
            let state = ps.mempool[i].state;
            match state {
                EntryState::Committed if wants_reply => reply(out, echo(COMMITTED_MASK)),
                EntryState::Blocked if wants_reply => reply(out, echo(0)),
                EntryState::Pending if trusted(me, ps, m.from, cx.lookup) => {
                    let e = &mut ps.mempool[i];
                    let peers = cx.lookup.len();
                    if e.may_count(m.from, peers) {
                        e.record_vote_counted(
                            VoteRecord {
                                voter: m.from,
                                sent: m.sent,
                                mask: m.mask,
                                holds: speaks_for(m, cx.params.rules.objectors),
                            },
                            peers,
                        );
                    }
                    match e.body {
                        Body::Unknown { asked }
                            if cx.now >= asked + REQUERY_TICKS
                                && cx.params.rules.requery == BodyRequery::Repeat =>
                        {
                            e.body = Body::Unknown { asked: cx.now };
                            reply(out, query);
                        }
                        Body::Known
                            if wants_reply
                                && cx.params.rules.holder_reply == HolderReply::AtOnce =>
                        {
                            // A holder answers with its opinion at once: askers far from a
                            // token have few holders in view and need their word directly.
                            // D3 holds here too: no "agree" for the later of two pending
                            // spends of one owner.
                            let this = BlockRef {
                                idx: m.block,
                                body: block,
                            };
                            let mut o = judge_block(ps, this, cx.tokens)
                                .with_behind(cx.params.rules.behind);
                            if o.agree != 0 {
                                // Most askers reach peers that hold none of the tokens:
                                // nothing to suppress, so skip the scan of the pool.
                                o.agree &= !outvoted_parts(ps, this, cx.bodies);
                            }
                            let o = stated_opinion(out, o, block.parts.len());
                            ps.promise_agreed(block, m.block, o.agree, cx.params.entry_ttl);
                            if o.holds != 0 {
                                reply(
                                    out,
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
                EntryState::Pending => ps
                    .protocol
                    .learned
                    .learn(m.from, cx.params.learned_peers as usize),
                _ => {}
            }
        }
        Err(at) => {
            if let Some(verdict) = ps.verdict(m.block, cx.now) {
                if wants_reply {
                    let mask = match verdict {
                        Verdict::Committed => COMMITTED_MASK,
                        Verdict::Blocked => 0,
                    };
                    reply(out, echo(mask));
                }
            } else if trusted(me, ps, m.from, cx.lookup) {
                let expires = block.expires(cx.params.entry_ttl);
                if ps.mempool.len() < cx.params.mempool_cap as usize && expires > cx.now {
                    let mut e = Entry::new(
                        m.block,
                        expires,
                        Body::Unknown { asked: cx.now },
                        Role::Relay,
                    );
                    e.record_vote(
                        m.from,
                        m.sent,
                        m.mask,
                        speaks_for(m, cx.params.rules.objectors),
                    );
                    ps.insert_entry(at, e);
                    reply(out, query);
                }
            } else {
                ps.protocol
                    .learned
                    .learn(m.from, cx.params.learned_peers as usize);
            }
        }
    }
}

fn has_body(ps: &PeerState, block: BlockIdx, now: Tick) -> bool {
    match ps.find(block) {
        Ok(i) => ps.mempool[i].body == Body::Known,
        Err(_) => ps.remembers(block, now),
    }
}

fn on_query<const T: bool>(node: &mut Node<'_, '_, OriginalPeer, T>, m: &Message, block: &Block) {
    let Node { state: ps, io: out } = node;
    let (me, cx) = (out.me, out.world);
    let target = if m.target == ANSWER_SENDER {
        m.from
    } else {
        m.target
    };
    if has_body(ps, m.block, cx.now) {
        let kind = if m.kind == OriginalKind::ParentQuery {
            OriginalKind::ParentReply
        } else {
            OriginalKind::BlockReply
        };
        reply(
            out,
            Message {
                to: target,
                from: me,
                block: m.block,
                sent: cx.now,
                target: ANSWER_SENDER,
                kind: kind.into(),
                mask: 0,
                holds: 0,
            },
        );
    } else if (block.id ^ cx.now as u64).is_multiple_of(4) {
        // Forward towards the block's neighbourhood; the answer goes straight to the asker.
        let nb = neighbourhood(cx.lookup, me, block.id);
        let to = query_target(&nb, rotation(block.id, cx.lookup.id(me), cx.now));
        if to != me && to != target {
            reply(
                out,
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

fn on_block<const T: bool>(node: &mut Node<'_, '_, OriginalPeer, T>, m: &Message, block: &Block) {
    let (ps, me, cx) = (&mut *node.state, node.io.me, node.io.world);
    if !block.is_well_formed() {
        return;
    }
    match OriginalKind::of(m.kind) {
        Some(OriginalKind::BlockReply) => {
            if let Some(e) = ps.entry_mut(m.block)
                && matches!(e.body, Body::Unknown { .. })
            {
                e.learn_views(
                    super::neighbourhood::views(cx.lookup, block, cx.tokens, me),
                    cx.lookup.len(),
                );
                ps.pending_set = PendingSet::Changed;
            }
        }
        Some(OriginalKind::ParentReply) => {
            let Some(w) = ps.protocol.wanted.iter().position(|&(b, _)| b == m.block) else {
                return;
            };
            ps.protocol.wanted.swap_remove(w);
            match ps.find(m.block) {
                Ok(i) => {
                    let e = &mut ps.mempool[i];
                    if matches!(e.body, Body::Unknown { .. }) {
                        e.learn_views(
                            super::neighbourhood::views(cx.lookup, block, cx.tokens, me),
                            cx.lookup.len(),
                        );
                        ps.pending_set = PendingSet::Changed;
                    }
                }
                Err(at) => {
                    let expires = block.expires(cx.params.entry_ttl);
                    if !ps.remembers(m.block, cx.now)
                        && ps.mempool.len() < cx.params.mempool_cap as usize
                        && expires > cx.now
                    {
                        let mut e = Entry::new(m.block, expires, Body::Known, Role::Relay);
                        e.protocol.views =
                            super::neighbourhood::views(cx.lookup, block, cx.tokens, me);
                        ps.insert_entry(at, e);
                        ps.pending_set = PendingSet::Changed;
                    }
                }
            }
        }
        _ => {}
    }
}
