//! Vote collectors, used only where messages are routed hop by hop (small-world).
//!
//! Routed, a vote from each of a committee's 32 members to a far origin crosses the ring 32
//! times. Instead each part has a collector inside its committee (the member at the key's
//! insertion point, or the origin itself when it sits in the committee): members send their
//! votes there over a hop or two, and the collector sends the origin one `part_certificate`
//! once the part holds a quorum (the aggregate of `Q` signed votes with a bitmap of its
//! signers) or can never reach one. An aggregate is as unforgeable as the votes in it, and
//! the origin counts each listed signer as that member's vote, so the safety argument is
//! unchanged: a part is certified only on `Q` yes votes of its committee. A collector that is silent or loses its votes costs
//! time only: the origin's later retries ask members to vote to it directly ([`DIRECT`]).

use super::committee::{is_member, member_at, quorum, size, slot};
use super::quorum::committee_mask;
use crate::engine::outbox::Outbox;
use crate::model::blocks::Block;
use crate::model::ids::{BlockIdx, PeerIdx, Tick};
use crate::model::message::{Message, MessageKind};
use crate::model::peer::{Entry, VoteRecord};
use crate::model::ring::Ring;
use crate::protocol::RuleContext;
use rand_pcg::Pcg64Mcg;
use smallvec::SmallVec;

/// In a proposal's `holds`: "vote to me directly", set on the origin's later retries.
pub const DIRECT: u8 = 1;

/// Whether votes travel through collectors: only when messages are routed, where a direct
/// vote costs a whole route; on the one-hop topologies it costs one message already.
#[inline]
pub fn collecting(ring: &Ring) -> bool {
    ring.small_world().is_some()
}

/// The collector of a part whose token has ring id `key`: the origin when it sits in the
/// committee, else the member at the key's insertion point (the committee's middle).
#[inline]
pub fn collector(ring: &Ring, key: u64, origin: PeerIdx) -> PeerIdx {
    if is_member(ring, origin, key) {
        origin
    } else {
        ring.insertion(key)
    }
}

/// The parts of `block` (bits) that `p` collects.
pub fn collected_by(p: PeerIdx, block: &Block, cx: &RuleContext) -> u8 {
    let mut mask = 0u8;
    for (i, part) in block.parts.iter().enumerate() {
        if collector(cx.ring, cx.tokens.id(part.token), block.origin) == p {
            mask |= 1 << i;
        }
    }
    mask
}

/// Sends a member's vote to `to` (the block's origin, or a collector).
#[allow(clippy::too_many_arguments)]
pub fn send_vote<const T: bool>(
    me: PeerIdx,
    to: PeerIdx,
    idx: BlockIdx,
    mask: u8,
    holds: u8,
    now: Tick,
    out: &mut Outbox<'_, T>,
    rng: &mut Pcg64Mcg,
) {
    out.charge(idx, 1);
    let vote = Message {
        mask,
        holds,
        ..Message::plain(MessageKind::Vote, me, to, idx, now)
    };
    out.send(vote, rng);
}

/// Sends member `me`'s vote on `block`: to the origin when `direct`, else to the distinct
/// collectors of the parts it judges (none to itself: a collector counts its own vote).
#[allow(clippy::too_many_arguments)]
pub fn send_member_vote<const T: bool>(
    me: PeerIdx,
    idx: BlockIdx,
    block: &Block,
    mask: u8,
    holds: u8,
    direct: bool,
    cx: &RuleContext,
    out: &mut Outbox<'_, T>,
    rng: &mut Pcg64Mcg,
) {
    let mut to: SmallVec<[PeerIdx; 6]> = SmallVec::new();
    if direct {
        to.push(block.origin);
    } else {
        for (i, part) in block.parts.iter().enumerate() {
            if holds & (1 << i) != 0 {
                let c = collector(cx.ring, cx.tokens.id(part.token), block.origin);
                if c != me && !to.contains(&c) {
                    to.push(c);
                }
            }
        }
    }
    for &c in &to {
        send_vote(me, c, idx, mask, holds, cx.now, out, rng);
    }
}

/// A collector takes in member `m.from`'s vote on a block it holds an entry for (`e`), for the
/// parts it collects and the voter's committees hold, then reports what became decided.
pub fn take_vote<const T: bool>(
    me: PeerIdx,
    e: &mut Entry,
    m: &Message,
    block: &Block,
    cx: &RuleContext,
    out: &mut Outbox<'_, T>,
    rng: &mut Pcg64Mcg,
) {
    let mine = collected_by(me, block, cx) & committee_mask(cx.ring, cx.tokens, block, m.from);
    if mine == 0 {
        return;
    }
    e.record_vote(m.from, m.sent, m.mask & mine, m.holds & mine);
    report(me, e, m.block, block, false, cx, out, rng);
}

/// In a part certificate's `holds`: its bitmap lists yes voters (else "no" voters).
pub const YES_VOTERS: u8 = 1;

/// Counts collector `me`'s votes on the parts it collects and sends the origin each part's
/// deciding tally once (the yes voters of a quorum, or the "no" voters that make one
/// impossible); with `again` (the origin asked again: the report may be lost, or a collector
/// may hold fewer votes than a quorum) it also sends the yes voters it has so far, which the
/// origin merges with the votes it holds.
#[allow(clippy::too_many_arguments)]
pub fn report<const T: bool>(
    me: PeerIdx,
    e: &mut Entry,
    idx: BlockIdx,
    block: &Block,
    again: bool,
    cx: &RuleContext,
    out: &mut Outbox<'_, T>,
    rng: &mut Pcg64Mcg,
) {
    let mine = collected_by(me, block, cx);
    if mine == 0 || me == block.origin {
        return;
    }
    let c = size(cx.ring.len());
    let q = quorum(c, cx.params.tolerance);
    for (i, part) in block.parts.iter().enumerate() {
        let bit = 1u8 << i;
        if mine & bit == 0 {
            continue;
        }
        // Voter bitmaps by committee slot; votes were restricted to this committee when
        // taken, and my own is votes[0].
        let key = cx.tokens.id(part.token);
        let (mut yes, mut no) = (0u32, 0u32);
        for v in &e.votes {
            let s = slot(cx.ring, key, v.voter);
            if s < c && v.holds & bit != 0 {
                if v.mask & bit != 0 {
                    yes |= 1 << s;
                } else {
                    no |= 1 << s;
                }
            }
        }
        let tally = match () {
            _ if yes.count_ones() >= q => Some((YES_VOTERS, yes)),
            _ if no.count_ones() > c - q => Some((0, no)),
            _ => None,
        };
        let send = match tally {
            Some(t) if e.reported & bit == 0 || again => Some(t),
            None if again && yes != 0 => Some((YES_VOTERS, yes)),
            _ => None,
        };
        if tally.is_some() {
            e.reported |= bit;
        }
        if let Some((kind, voters)) = send {
            out.charge(idx, 1);
            let tally = Message {
                target: voters,
                mask: bit,
                holds: kind,
                ..Message::plain(MessageKind::PartCertificate, me, block.origin, idx, cx.now)
            };
            out.send(tally, rng);
        }
    }
}

/// The origin takes in a part tally from the part's collector: each listed voter counts as
/// its vote on that part (merged with what that voter's own vote said).
pub fn take_tally(e: &mut Entry, m: &Message, block: &Block, cx: &RuleContext) {
    let bit = m.mask;
    let Some(i) = (0..block.parts.len()).find(|&i| bit == 1 << i) else {
        return;
    };
    let key = cx.tokens.id(block.parts[i].token);
    if collector(cx.ring, key, block.origin) != m.from {
        return;
    }
    let yes = if m.holds == YES_VOTERS { bit } else { 0 };
    let mut voters = m.target;
    while voters != 0 {
        let s = voters.trailing_zeros();
        voters &= voters - 1;
        let voter = member_at(cx.ring, key, s);
        match e.votes.iter_mut().find(|v| v.voter == voter) {
            Some(v) => {
                v.mask = (v.mask & !bit) | yes;
                v.holds |= bit;
            }
            None => e.votes.push(VoteRecord {
                voter,
                sent: m.sent,
                mask: yes,
                holds: bit,
            }),
        }
    }
}
