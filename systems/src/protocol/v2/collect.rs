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
use crate::engine::lookup::Lookup;
use crate::model::blocks::Block;
use crate::model::ids::{BlockIdx, PeerIdx};
use crate::model::message::Message;
use crate::model::peer::{Entry, VoteRecord};
use crate::protocol::v2::message::V2Kind;
use crate::protocol::{BlockRef, Io, Services};
use smallvec::SmallVec;

/// In a proposal's `holds`: "vote to me directly", set on the origin's later retries.
pub const DIRECT: u8 = 1;

/// Whether votes travel through collectors: only when messages are routed, where a direct
/// vote costs a whole route; on the one-hop topologies it costs one message already.
#[inline]
pub fn collecting(lookup: Lookup) -> bool {
    lookup.routed()
}

/// The collector of a part whose token has ring id `key`: the origin when it sits in the
/// committee, else the member at the key's insertion point (the committee's middle).
#[inline]
pub fn collector(lookup: Lookup, key: u64, origin: PeerIdx) -> PeerIdx {
    if is_member(lookup, origin, key) {
        origin
    } else {
        lookup.insertion(key)
    }
}

/// The parts of `block` (bits) that `p` collects.
pub fn collected_by(p: PeerIdx, block: &Block, world: &Services) -> u8 {
    let mut mask = 0u8;
    for (i, part) in block.parts.iter().enumerate() {
        if collector(world.lookup, world.tokens.id(part.token), block.origin) == p {
            mask |= 1 << i;
        }
    }
    mask
}

/// A member's vote on a block: bit i of `mask` = yes on part i, of `holds` = spoke for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ballot {
    pub mask: u8,
    pub holds: u8,
}

/// Where a member's vote goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VoteRoute {
    /// To the parts' collectors (routed topologies, first rounds).
    Collectors,
    /// To the block's origin (the origin's later retries ask for it).
    Direct,
}

/// Sends a member's vote to `to` (the block's origin, or a collector).
pub fn send_vote<const T: bool>(io: &mut Io<'_, '_, T>, to: PeerIdx, idx: BlockIdx, b: Ballot) {
    io.charge(idx, 1);
    let vote = Message {
        mask: b.mask,
        holds: b.holds,
        ..Message::plain(V2Kind::Vote, io.me, to, idx, io.now)
    };
    io.send(vote);
}

/// Sends this member's vote on `block`: to the origin when `Direct`, else to the distinct
/// collectors of the parts it judges (none to itself: a collector counts its own vote).
pub fn send_member_vote<const T: bool>(
    io: &mut Io<'_, '_, T>,
    block: BlockRef,
    b: Ballot,
    route: VoteRoute,
) {
    let (me, world) = (io.me, io.world);
    let origin = block.body.origin;
    let mut to: SmallVec<[PeerIdx; 6]> = SmallVec::new();
    if route == VoteRoute::Direct {
        to.push(origin);
    } else {
        for (i, part) in block.body.parts.iter().enumerate() {
            if b.holds & (1 << i) != 0 {
                let c = collector(world.lookup, world.tokens.id(part.token), origin);
                if c != me && !to.contains(&c) {
                    to.push(c);
                }
            }
        }
    }
    for &c in &to {
        send_vote(io, c, block.idx, b);
    }
}

/// A collector takes in member `m.from`'s vote on a block it holds an entry for (`e`), for the
/// parts it collects and the voter's committees hold, then reports what became decided.
pub fn take_vote<const T: bool>(io: &mut Io<'_, '_, T>, e: &mut Entry, m: &Message, block: &Block) {
    let world = io.world;
    let mine = collected_by(io.me, block, world)
        & committee_mask(world.lookup, world.tokens, block, m.from);
    if mine == 0 {
        return;
    }
    e.record_vote(m.from, m.sent, m.mask & mine, m.holds & mine);
    let block = BlockRef {
        idx: m.block,
        body: block,
    };
    report(io, e, block, Report::Once);
}

/// Whether a collector reports a decided tally once, or again because the origin asked again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Report {
    Once,
    Again,
}

/// In a part certificate's `holds`: its bitmap lists yes voters (else "no" voters).
pub const YES_VOTERS: u8 = 1;

/// Counts collector `me`'s votes on the parts it collects and sends the origin each part's
/// deciding tally once (the yes voters of a quorum, or the "no" voters that make one
/// impossible); with `again` (the origin asked again: the report may be lost, or a collector
/// may hold fewer votes than a quorum) it also sends the yes voters it has so far, which the
/// origin merges with the votes it holds.
pub fn report<const T: bool>(
    io: &mut Io<'_, '_, T>,
    e: &mut Entry,
    block: BlockRef,
    again: Report,
) {
    let (me, world, idx) = (io.me, io.world, block.idx);
    let again = again == Report::Again;
    let block = block.body;
    let mine = collected_by(me, block, world);
    if mine == 0 || me == block.origin {
        return;
    }
    let c = size(world.lookup.len());
    let q = quorum(c, world.params.tolerance);
    for (i, part) in block.parts.iter().enumerate() {
        let bit = 1u8 << i;
        if mine & bit == 0 {
            continue;
        }
        // Voter bitmaps by committee slot; votes were restricted to this committee when
        // taken, and my own is votes[0].
        let key = world.tokens.id(part.token);
        let (mut yes, mut no) = (0u32, 0u32);
        for v in &e.votes {
            let s = slot(world.lookup, key, v.voter);
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
            io.charge(idx, 1);
            let tally = Message {
                target: voters,
                mask: bit,
                holds: kind,
                ..Message::plain(V2Kind::PartCertificate, me, block.origin, idx, io.now)
            };
            io.send(tally);
        }
    }
}

/// The origin takes in a part tally from the part's collector: each listed voter counts as
/// its vote on that part (merged with what that voter's own vote said).
pub fn take_tally(e: &mut Entry, m: &Message, block: &Block, world: &Services) {
    let bit = m.mask;
    let Some(i) = (0..block.parts.len()).find(|&i| bit == 1 << i) else {
        return;
    };
    let key = world.tokens.id(block.parts[i].token);
    if collector(world.lookup, key, block.origin) != m.from {
        return;
    }
    let yes = if m.holds == YES_VOTERS { bit } else { 0 };
    let mut voters = m.target;
    while voters != 0 {
        let s = voters.trailing_zeros();
        voters &= voters - 1;
        let voter = member_at(world.lookup, key, s);
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
