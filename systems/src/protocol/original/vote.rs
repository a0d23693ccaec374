//! One peer's vote pass: judge each pending block, decide what the balances allow, and ask
//! the neighbourhoods of whatever is still undecided (or, when behind, the parent's).

use super::byzantine::stated_opinion;
use super::judge::judge_block;
use super::message::OriginalKind;
use super::neighbourhood::neighbourhood;
use super::state::{Counted, OriginalPeer, Tally, WITNESS_BIT};
use super::tally::{Margin, decide};
use super::targets::{query_target, rotation, vote_targets};
use crate::model::ids::{BlockIdx, PeerIdx, Tick};
use crate::model::message::{ANSWER_SENDER, COMMITTED_MASK, Message};
use crate::model::peer::{Body, Decision, EntryState};
use crate::protocol::{BlockRef, Node};

/// A parent block asked for to catch up is asked for again after this many ticks.
pub const PARENT_RETRY_TICKS: Tick = 8;

/// Votes on every pending entry of one peer; returns how many entries it decided.
pub fn vote_peer<const T: bool>(node: &mut Node<'_, '_, OriginalPeer, T>, threshold: u32) -> usize {
    let (me, cx) = (node.io.me, node.io.world);
    let mut decided = 0;
    let threshold = threshold as i32;
    let peers = cx.lookup.len();
    let my_id = cx.lookup.id(me);
    for ei in 0..node.state.mempool.len() {
        let Node { state: ps, io: out } = &mut *node;
        let e = &ps.mempool[ei];
        if e.state != EntryState::Pending || e.body != Body::Known {
            continue;
        }
        let idx = e.block;
        let Some(block) = cx.bodies.get(idx) else {
            continue;
        };
        let parts = block.parts.len();
        let suppressed = e.protocol.suppressed;
        let this = BlockRef { idx, body: block };
        let rules = cx.params.rules;
        let judged = judge_block(ps, this, cx.tokens).with_behind(rules.behind);
        let opinion = stated_opinion(out, judged, parts);
        let (holds, behind) = (opinion.holds, opinion.behind);
        let mask = opinion.agree & !suppressed;
        let conflict = opinion.conflict;
        ps.promise_agreed(block, idx, mask, cx.params.entry_ttl);
        let e = &mut ps.mempool[ei];
        if conflict {
            e.decision = Decision::Reject;
            decided += 1;
            continue;
        }
        if e.protocol.tally == Tally::Stale {
            if e.protocol.counted == Counted::Recount {
                e.recount(peers);
            }
            let margin = Margin {
                threshold,
                negative: rules.negative_balance,
            };
            let (undecided, rejected) = decide(&e.protocol.balance, parts, margin);
            e.protocol.undecided = undecided;
            e.protocol.tally = Tally::Fresh;
            if rejected {
                e.decision = Decision::Reject;
                decided += 1;
                continue;
            }
        }
        if e.protocol.undecided == 0 && behind == 0 {
            e.decision = Decision::Commit;
            decided += 1;
            continue;
        }
        if behind != 0 {
            // Catch up first: no vote requests while my store is behind this block.
            for i in 0..parts {
                if behind & (1 << i) != 0 {
                    ask_parent(node, block.parts[i].last);
                }
            }
            continue;
        }
        let undecided = e.protocol.undecided;
        let mut sent = 0;
        for i in 0..parts {
            if undecided & (1 << i) != 0 {
                let key = cx.tokens.id(block.parts[i].token);
                let targets = vote_targets(&e.protocol.views[i], rotation(key, my_id, cx.now));
                for to in targets {
                    out.send(request(
                        Address {
                            from: me,
                            to,
                            block: idx,
                        },
                        Ballot { mask, holds },
                        cx.now,
                    ));
                }
                sent += 2;
            }
        }
        if undecided & WITNESS_BIT != 0 {
            let targets = vote_targets(&e.protocol.views[parts], rotation(block.id, my_id, cx.now));
            for to in targets {
                out.send(request(
                    Address {
                        from: me,
                        to,
                        block: idx,
                    },
                    Ballot { mask, holds },
                    cx.now,
                ));
            }
            sent += 2;
        }
        out.charge(idx, sent);
    }
    decided
}

/// What a vote request states: bit i of `mask` = agree on part i, of `holds` = can judge it.
#[derive(Clone, Copy)]
struct Ballot {
    mask: u8,
    holds: u8,
}

#[inline]
fn request(a: Address, b: Ballot, now: Tick) -> Message {
    debug_assert!(b.mask != COMMITTED_MASK);
    Message {
        mask: b.mask,
        holds: b.holds,
        ..Message::plain(OriginalKind::VoteRequest, a.from, a.to, a.block, now)
    }
}

/// Who asks whom about which block.
#[derive(Clone, Copy)]
struct Address {
    from: PeerIdx,
    to: PeerIdx,
    block: BlockIdx,
}

/// Asks the parent's neighbourhood for block `parent`, at most every few ticks.
fn ask_parent<const T: bool>(node: &mut Node<'_, '_, OriginalPeer, T>, parent: BlockIdx) {
    let Node { state: ps, io: out } = node;
    let (me, cx) = (out.me, out.world);
    let Some(pb) = cx.bodies.get(parent) else {
        return;
    };
    if ps.find(parent).is_ok() {
        return;
    }
    match ps.protocol.wanted.iter_mut().find(|(b, _)| *b == parent) {
        Some((_, at)) if *at + PARENT_RETRY_TICKS > cx.now => return,
        Some((_, at)) => *at = cx.now,
        None => {
            ps.protocol.wanted.push((parent, cx.now));
            ps.collect_at(cx.now + cx.params.entry_ttl);
        }
    }
    let nb = neighbourhood(cx.lookup, me, pb.id);
    let to = query_target(&nb, rotation(pb.id, cx.lookup.id(me), cx.now));
    out.charge(parent, 1);
    out.send(Message {
        to,
        from: me,
        block: parent,
        sent: cx.now,
        target: ANSWER_SENDER,
        kind: OriginalKind::ParentQuery.into(),
        mask: 0,
        holds: 0,
    });
}
