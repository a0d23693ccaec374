//! What the origin sends: the proposal (the block body with its parents' certificates) to
//! every member of each part's committee, once and then only to members whose vote is
//! missing, and the commit push (with the block's certificate) once it commits.

use super::committee::members;
use crate::engine::outbox::Outbox;
use crate::model::blocks::Block;
use crate::model::ids::{BlockIdx, PeerIdx};
use crate::model::message::{ANSWER_SENDER, Message, MessageKind};
use crate::protocol::RuleContext;
use rand_pcg::Pcg64Mcg;
use smallvec::SmallVec;

/// Every member of the committees of `block`'s parts, once each, without `me`.
fn recipients(me: PeerIdx, block: &Block, cx: &RuleContext) -> SmallVec<[PeerIdx; 96]> {
    let mut all: SmallVec<[PeerIdx; 96]> = SmallVec::new();
    for p in &block.parts {
        all.extend(members(cx.ring, cx.tokens.id(p.token)).filter(|&m| m != me));
    }
    all.sort_unstable();
    all.dedup();
    all
}

fn send_all<const T: bool>(
    me: PeerIdx,
    idx: BlockIdx,
    kind: MessageKind,
    to: impl Iterator<Item = PeerIdx>,
    cx: &RuleContext,
    out: &mut Outbox<'_, T>,
    rng: &mut Pcg64Mcg,
) {
    let mut n = 0;
    for to in to {
        out.send(
            Message {
                to,
                from: me,
                block: idx,
                sent: cx.now,
                target: ANSWER_SENDER,
                kind,
                mask: 0,
                holds: 0,
            },
            rng,
        );
        n += 1;
    }
    out.charge(idx, n);
}

/// Sends the proposal to the committee members `wanted` accepts.
pub fn send_proposals<const T: bool>(
    me: PeerIdx,
    idx: BlockIdx,
    block: &Block,
    cx: &RuleContext,
    out: &mut Outbox<'_, T>,
    rng: &mut Pcg64Mcg,
    wanted: impl Fn(PeerIdx) -> bool,
) {
    let to = recipients(me, block, cx);
    send_all(
        me,
        idx,
        MessageKind::Propose,
        to.into_iter().filter(|&p| wanted(p)),
        cx,
        out,
        rng,
    );
}

/// Pushes the commit to every committee member.
pub fn push_commit<const T: bool>(
    me: PeerIdx,
    idx: BlockIdx,
    block: &Block,
    cx: &RuleContext,
    out: &mut Outbox<'_, T>,
    rng: &mut Pcg64Mcg,
) {
    let to = recipients(me, block, cx);
    send_all(
        me,
        idx,
        MessageKind::CommitPush,
        to.into_iter(),
        cx,
        out,
        rng,
    );
}
