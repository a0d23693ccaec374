//! What the origin sends: the proposal (the block body with its parents' certificates) to
//! every member of each part's committee, once and then only to members whose part is not
//! yet decided and whose vote is missing, and the commit push (with the block's
//! certificate) once it commits. Where messages are routed, each part's committee gets it as
//! one multicast through the part's collector (`engine/multicast.rs`, `collect.rs`).

use super::collect::{DIRECT, collecting, collector};
use super::committee::members;
use crate::engine::outbox::Outbox;
use crate::model::blocks::Block;
use crate::model::ids::{BlockIdx, PeerIdx};
use crate::model::message::{Message, MessageKind};
use crate::protocol::RuleContext;
use rand_pcg::Pcg64Mcg;
use smallvec::SmallVec;

/// Every member of the committees of `block`'s parts that `wanted(member, part)` accepts,
/// once each (for the first part whose committee holds it), without `me`, as
/// `(part, member)`.
fn recipients(
    me: PeerIdx,
    block: &Block,
    cx: &RuleContext,
    wanted: impl Fn(PeerIdx, usize) -> bool,
) -> SmallVec<[(usize, PeerIdx); 96]> {
    let mut all: SmallVec<[(usize, PeerIdx); 96]> = SmallVec::new();
    for (i, p) in block.parts.iter().enumerate() {
        for m in members(cx.ring, cx.tokens.id(p.token)) {
            if m != me && wanted(m, i) && !all.iter().any(|&(_, q)| q == m) {
                all.push((i, m));
            }
        }
    }
    all
}

#[allow(clippy::too_many_arguments)]
fn send_all<const T: bool>(
    me: PeerIdx,
    idx: BlockIdx,
    block: &Block,
    kind: MessageKind,
    holds: u8,
    to: SmallVec<[(usize, PeerIdx); 96]>,
    cx: &RuleContext,
    out: &mut Outbox<'_, T>,
    rng: &mut Pcg64Mcg,
) {
    let msg = Message {
        holds,
        ..Message::plain(kind, me, me, idx, cx.now)
    };
    out.charge(idx, to.len() as u64);
    if collecting(cx.ring) {
        for (i, part) in block.parts.iter().enumerate() {
            let mut group: SmallVec<[PeerIdx; 32]> =
                to.iter().filter(|r| r.0 == i).map(|r| r.1).collect();
            if group.is_empty() {
                continue;
            }
            group.sort_unstable();
            let entry = collector(cx.ring, cx.tokens.id(part.token), me);
            out.multicast(msg, entry, &group, rng);
        }
    } else {
        let mut flat: SmallVec<[PeerIdx; 96]> = to.iter().map(|r| r.1).collect();
        flat.sort_unstable();
        for p in flat {
            out.send(Message { to: p, ..msg }, rng);
        }
    }
}

/// Sends the proposal to the committee members `wanted(member, part)` accepts; `direct`
/// asks them to vote to the origin, not to their collector.
#[allow(clippy::too_many_arguments)]
pub fn send_proposals<const T: bool>(
    me: PeerIdx,
    idx: BlockIdx,
    block: &Block,
    direct: bool,
    cx: &RuleContext,
    out: &mut Outbox<'_, T>,
    rng: &mut Pcg64Mcg,
    wanted: impl Fn(PeerIdx, usize) -> bool,
) {
    let to = recipients(me, block, cx, wanted);
    let holds = if direct { DIRECT } else { 0 };
    send_all(
        me,
        idx,
        block,
        MessageKind::Propose,
        holds,
        to,
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
    let to = recipients(me, block, cx, |_, _| true);
    send_all(me, idx, block, MessageKind::CommitPush, 0, to, cx, out, rng);
}
