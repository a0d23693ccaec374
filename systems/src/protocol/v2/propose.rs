//! What the origin sends: the proposal (the block body with its parents' certificates) to
//! every member of each part's committee, once and then only to members whose part is not
//! yet decided and whose vote is missing, and the commit push (with the block's
//! certificate) once it commits. Where messages are routed, each part's committee gets it as
//! one multicast through the part's collector (`engine/multicast.rs`, `collect.rs`).

use super::collect::{DIRECT, VoteRoute, collector};
use super::committee::{members, slot};
use crate::model::blocks::Block;
use crate::model::ids::PeerIdx;
use crate::model::message::Message;
use crate::protocol::v2::message::V2Kind;
use crate::protocol::{BlockRef, Io, Services};
use smallvec::SmallVec;

/// Who gets a proposal or push: `(part, member)`, each member once.
type Recipients = SmallVec<[(usize, PeerIdx); 96]>;

/// Every member of the committees of `block`'s parts that `wanted(member, part)` accepts,
/// once each (for the first part whose committee holds it), without `me`, as
/// `(part, member)`.
fn recipients(
    me: PeerIdx,
    block: &Block,
    world: &Services,
    wanted: impl Fn(PeerIdx, usize) -> bool,
) -> Recipients {
    let mut all = Recipients::new();
    for (i, p) in block.parts.iter().enumerate() {
        for m in members(world.lookup, world.tokens.id(p.token)) {
            if m != me && wanted(m, i) && !all.iter().any(|&(_, q)| q == m) {
                all.push((i, m));
            }
        }
    }
    all
}

/// Sends `msg` (its kind and `holds` set; from, to and block filled in here) to `to`.
fn send_all<const T: bool>(io: &mut Io<'_, '_, T>, block: BlockRef, msg: Message, to: Recipients) {
    let (me, world, idx) = (io.me, io.world, block.idx);
    let msg = Message {
        from: me,
        to: me,
        block: idx,
        sent: io.now,
        ..msg
    };
    io.charge(idx, to.len() as u64);
    // Routed, the message travels once to the committee and spreads there over near links.
    if world.lookup.routed() {
        for (i, part) in block.body.parts.iter().enumerate() {
            let mut group: SmallVec<[PeerIdx; 32]> =
                to.iter().filter(|r| r.0 == i).map(|r| r.1).collect();
            if group.is_empty() {
                continue;
            }
            group.sort_unstable();
            let entry = collector(world.lookup, world.tokens.id(part.token), me);
            io.out.multicast(msg, entry, &group, io.rng);
        }
    } else {
        let mut flat: SmallVec<[PeerIdx; 96]> = to.iter().map(|r| r.1).collect();
        flat.sort_unstable();
        for p in flat {
            io.send(Message { to: p, ..msg });
        }
    }
}

/// Sends the proposal to the committee members `wanted(member, part)` accepts; `Direct`
/// asks them to vote to the origin, not to their collector.
pub fn send_proposals<const T: bool>(
    io: &mut Io<'_, '_, T>,
    block: BlockRef,
    route: VoteRoute,
    wanted: impl Fn(PeerIdx, usize) -> bool,
) {
    let to = recipients(io.me, block.body, io.world, wanted);
    let holds = if route == VoteRoute::Direct {
        DIRECT
    } else {
        0
    };
    let msg = Message {
        holds,
        ..Message::plain(V2Kind::Propose, io.me, io.me, block.idx, io.now)
    };
    send_all(io, block, msg, to);
}

/// Pushes the commit to every committee member.
pub fn push_commit<const T: bool>(io: &mut Io<'_, '_, T>, block: BlockRef) {
    push_commit_to(io, block, |_, _| true);
}

/// Pushes the commit to the committee members `wanted(member, part)` accepts.
pub fn push_commit_to<const T: bool>(
    io: &mut Io<'_, '_, T>,
    block: BlockRef,
    wanted: impl Fn(PeerIdx, usize) -> bool,
) {
    let to = recipients(io.me, block.body, io.world, wanted);
    let msg = Message::plain(V2Kind::CommitPush, io.me, io.me, block.idx, io.now);
    send_all(io, block, msg, to);
}

/// A withholding origin's late reveal, in its block's last tick: the certificate goes to the
/// members in the even slots of each part's committee only, so that half of each committee
/// learns the block and the other half does not.
pub fn reveal_late<const T: bool>(io: &mut Io<'_, '_, T>, block: BlockRef) {
    let world = io.world;
    push_commit_to(io, block, |m, part| {
        let key = world.tokens.id(block.body.parts[part].token);
        slot(world.lookup, key, m).is_multiple_of(2)
    });
}
