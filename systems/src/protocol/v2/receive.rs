//! One message at its receiver: a member takes in a proposal (and answers a repeated one
//! with the vote it already cast), an origin records votes from the committees, a member
//! applies a certified commit push, an origin answers a status query.

use super::certificate::{catch_up, certified};
use super::collect::{
    DIRECT, collecting, report, send_member_vote, send_vote, take_tally, take_vote,
};
use super::quorum::committee_mask;
use super::vote::NOT_VOTED;
use crate::engine::outbox::Outbox;
use crate::model::blocks::Block;
use crate::model::ids::PeerIdx;
use crate::model::message::{Message, MessageKind};
use crate::model::peer::{Decision, Entry, EntryState, PeerState, Role, VoteRecord};
use crate::protocol::RuleContext;
use rand_pcg::Pcg64Mcg;

pub fn handle<const T: bool>(
    me: PeerIdx,
    ps: &mut PeerState,
    m: &Message,
    cx: &RuleContext,
    out: &mut Outbox<'_, T>,
    rng: &mut Pcg64Mcg,
) {
    if m.kind == MessageKind::StatusQuery {
        // Answered even once the block's body is gone: its origin still knows how it ended.
        if cx.book.get(m.block).is_some() {
            out.charge(m.block, 1);
        }
        let reply = Message::plain(MessageKind::StatusReply, me, m.from, m.block, cx.now);
        out.send(reply, rng);
        return;
    }
    let Some(block) = cx.book.get(m.block) else {
        return;
    };
    match m.kind {
        MessageKind::Propose => on_propose(me, ps, m, block, cx, out, rng),
        MessageKind::Vote => on_vote(me, ps, m, block, cx, out, rng),
        MessageKind::PartCertificate => {
            if let Some(e) = ps.entry_mut(m.block)
                && e.role == Role::Origin
                && e.state == EntryState::Pending
            {
                take_tally(e, m, block, cx);
            }
        }
        MessageKind::CommitPush => on_commit(me, ps, m, block, cx),
        // The original's kinds (a flood's vote requests among them) mean nothing here.
        _ => {}
    }
}

/// Whether `me` judges some part of `block` (its own range is its committees' keys).
#[inline]
fn judges(ps: &PeerState, block: &Block, cx: &RuleContext) -> bool {
    block
        .parts
        .iter()
        .any(|p| ps.in_range(cx.tokens.id(p.token)))
}

fn on_propose<const T: bool>(
    me: PeerIdx,
    ps: &mut PeerState,
    m: &Message,
    block: &Block,
    cx: &RuleContext,
    out: &mut Outbox<'_, T>,
    rng: &mut Pcg64Mcg,
) {
    if !block.is_well_formed() || m.from != block.origin || !judges(ps, block, cx) {
        return;
    }
    match ps.find(m.block) {
        Ok(i) => {
            let e = &mut ps.mempool[i];
            if e.role == Role::Relay
                && e.state == EntryState::Pending
                && e.decision == Decision::Undecided
                && e.undecided != NOT_VOTED
                && let Some(&v) = e.votes.first()
            {
                // The origin did not get my vote (or my part's certificate): the same again.
                if collecting(cx.ring) {
                    let direct = m.holds & DIRECT != 0;
                    send_member_vote(me, m.block, block, v.mask, v.holds, direct, cx, out, rng);
                    report(me, e, m.block, block, true, cx, out, rng);
                } else {
                    send_vote(me, block.origin, m.block, v.mask, v.holds, cx.now, out, rng);
                }
            }
        }
        Err(at) => {
            let expires = block.expires(cx.params.entry_ttl);
            if ps.remembers(m.block) || expires <= cx.now {
                return;
            }
            catch_up(ps, block, cx.book, cx.tokens);
            let mut e = Entry::new(
                m.block,
                expires,
                crate::model::peer::Body::Known,
                Role::Relay,
            );
            e.undecided = NOT_VOTED;
            e.votes.push(VoteRecord {
                voter: me,
                sent: cx.now,
                mask: 0,
                holds: 0,
            });
            ps.insert_entry(at, e);
        }
    }
}

fn on_vote<const T: bool>(
    me: PeerIdx,
    ps: &mut PeerState,
    m: &Message,
    block: &Block,
    cx: &RuleContext,
    out: &mut Outbox<'_, T>,
    rng: &mut Pcg64Mcg,
) {
    // Without an entry (a collector the proposal has not reached) the vote is dropped: the
    // origin's retries ask again.
    let Some(e) = ps.entry_mut(m.block) else {
        return;
    };
    if e.state != EntryState::Pending {
        return;
    }
    if e.role != Role::Origin {
        if collecting(cx.ring) && e.decision == Decision::Undecided {
            take_vote(me, e, m, block, cx, out, rng);
        }
        return;
    }
    // Only a part's committee speaks for it; anything else counts for nothing.
    let mine = committee_mask(cx.ring, cx.tokens, block, m.from);
    if mine != 0 {
        e.record_vote(m.from, m.sent, m.mask & mine, m.holds & mine);
    }
}

fn on_commit(me: PeerIdx, ps: &mut PeerState, m: &Message, block: &Block, cx: &RuleContext) {
    let _ = me;
    // The certificate must be real (modelled: checked globally), and the push for me.
    if !certified(cx.book, m.block) || !judges(ps, block, cx) {
        return;
    }
    catch_up(ps, block, cx.book, cx.tokens);
    match ps.find(m.block) {
        Ok(i) => {
            let e = &mut ps.mempool[i];
            if e.state == EntryState::Pending {
                e.decision = Decision::Commit;
            }
        }
        Err(at) => {
            if ps.remembers(m.block) {
                return;
            }
            let expires = block.expires(cx.params.entry_ttl).max(cx.now + 1);
            let mut e = Entry::new(
                m.block,
                expires,
                crate::model::peer::Body::Known,
                Role::Relay,
            );
            e.undecided = 0;
            e.decision = Decision::Commit;
            ps.insert_entry(at, e);
        }
    }
}
