//! Vote collectors, used only where messages are routed hop by hop (small-world). On dht a
//! member votes to the origin directly: the proposal carries the origin's address (its
//! contact cache keeps it), so a vote is one datagram there, as on the one-hop topologies.
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

use super::byzantine::{Forgery, forgery, forges_tallies};
use super::committee::{is_member, member_at, quorum, size, slot};
use super::quorum::committee_mask;
use crate::engine::lookup::Lookup;
use crate::model::blocks::Block;
use crate::model::ids::{BlockIdx, PeerIdx};
use crate::model::message::Message;
use crate::model::peer::VoteRecord;
use crate::model::signatures::Word;
use crate::protocol::v2::message::V2Kind;
pub use crate::protocol::v2::state::Ballot;
use crate::protocol::v2::state::{Entry, MyVote};
use crate::protocol::{BlockRef, Io, Services};
use smallvec::SmallVec;

/// In a proposal's `holds`: "vote to me directly", set on the origin's later retries.
pub const DIRECT: u8 = 1;

/// Whether votes travel through collectors: only when messages are routed hop by hop, where
/// a direct vote costs a whole route; on the one-hop topologies and on dht (once the origin
/// is in the member's cache) it costs one message already.
#[inline]
pub fn collecting(lookup: Lookup) -> bool {
    lookup.routed() && !lookup.looks_up()
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
    e.protocol.take_vote(m, mine);
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
    if forges_tallies(io) {
        forge(io, e, BlockRef { idx, body: block }, mine);
        return;
    }
    let q = quorum(c, world.params.tolerance);
    // My own vote counts too, beside those I took.
    let own = match e.protocol.mine {
        MyVote::Cast(b) => Some(VoteRecord {
            voter: me,
            sent: 0,
            mask: b.mask,
            holds: b.holds,
        }),
        MyVote::None | MyVote::Heard { .. } => None,
    };
    for (i, part) in block.parts.iter().enumerate() {
        let bit = 1u8 << i;
        if mine & bit == 0 {
            continue;
        }
        // Voter bitmaps by committee slot; votes were restricted to this committee when
        // taken.
        let key = world.tokens.id(part.token);
        let (mut yes, mut no) = (0u32, 0u32);
        for v in own.iter().chain(&e.protocol.votes) {
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
            Some(t) if e.protocol.reported & bit == 0 || again => Some(t),
            None if again && yes != 0 => Some((YES_VOTERS, yes)),
            _ => None,
        };
        if tally.is_some() {
            e.protocol.reported |= bit;
        }
        if let Some((kind, voters)) = send {
            send_tally(
                io,
                BlockRef { idx, body: block },
                Tally { bit, kind, voters },
            );
        }
    }
}

/// A collector's tally of one part: `voters` is a committee-slot bitmap of yes voters when
/// `kind` is [`YES_VOTERS`], else of "no" voters.
struct Tally {
    bit: u8,
    kind: u8,
    voters: u32,
}

/// Sends the origin of `block` a part's tally.
fn send_tally<const T: bool>(io: &mut Io<'_, '_, T>, block: BlockRef, t: Tally) {
    io.charge(block.idx, 1);
    let tally = Message {
        target: t.voters,
        mask: t.bit,
        holds: t.kind,
        ..Message::plain(
            V2Kind::PartCertificate,
            io.me,
            block.body.origin,
            block.idx,
            io.now,
        )
    };
    io.send(tally);
}

/// A forging collector's report (behaviour `collector`): once per part it collects, it claims
/// the whole committee voted yes, or voted no, or it sends nothing (see `byzantine::forgery`).
fn forge<const T: bool>(io: &mut Io<'_, '_, T>, e: &mut Entry, block: BlockRef, mine: u8) {
    let c = size(io.world.lookup.len());
    let everyone = if c >= 32 { u32::MAX } else { (1u32 << c) - 1 };
    for i in 0..block.body.parts.len() {
        let bit = 1u8 << i;
        if mine & bit == 0 || e.protocol.reported & bit != 0 {
            continue;
        }
        e.protocol.reported |= bit;
        let kind = match forgery(block.idx, i) {
            Forgery::AllYes => YES_VOTERS,
            Forgery::AllNo => 0,
            Forgery::Omit => continue,
        };
        send_tally(
            io,
            block,
            Tally {
                bit,
                kind,
                voters: everyone,
            },
        );
    }
}

/// The origin takes in a part tally from the part's collector: each listed voter whose signed
/// vote the tally carries counts as its vote on that part (merged with what that voter's own
/// vote said); a listed voter without one (a forged tally) counts for nothing.
pub fn take_tally(e: &mut Entry, m: &Message, block: &Block, world: &Services) {
    let bit = m.mask;
    let Some(i) = (0..block.parts.len()).find(|&i| bit == 1 << i) else {
        return;
    };
    let key = world.tokens.id(block.parts[i].token);
    if collector(world.lookup, key, block.origin) != m.from {
        return;
    }
    let (yes, word) = match m.holds == YES_VOTERS {
        true => (bit, Word::Yes),
        false => (0, Word::No),
    };
    let mut voters = world.certificates.signed(m.block, i, m.target, word);
    while voters != 0 {
        let s = voters.trailing_zeros();
        voters &= voters - 1;
        let voter = member_at(world.lookup, key, s);
        match e.protocol.votes.iter_mut().find(|v| v.voter == voter) {
            Some(v) => {
                v.mask = (v.mask & !bit) | yes;
                v.holds |= bit;
            }
            None => e.protocol.votes.push(VoteRecord {
                voter,
                sent: m.sent,
                mask: yes,
                holds: bit,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::LinkModel;
    use crate::config::ProtocolConfig;
    use crate::engine::bodies::Bodies;
    use crate::engine::verifier::Verifier;
    use crate::model::adversary::Adversary;
    use crate::model::blocks::BlockBook;
    use crate::model::ids::GENESIS;
    use crate::model::peer::{Body, Role};
    use crate::model::ring::Ring;
    use crate::model::signatures::{Signatures, SignedVote};
    use crate::model::tokens::TokenBook;
    use crate::testing::{PEER_IDS, TOKEN_IDS, block_spending};

    /// A collector's tally counts only the votes whose signatures it carries: a forged "all
    /// yes" (or "all no") counts the members that did sign that, and nobody else.
    #[test]
    fn a_forged_tally_counts_only_the_signed_votes_in_it() {
        let ring = Ring::from_ids(PEER_IDS.to_vec(), LinkModel::Uniform { p: 1.0 }, 1);
        let tokens = TokenBook {
            ids: TOKEN_IDS.to_vec(),
        };
        let mut book = BlockBook::default();
        let idx = book.push(block_spending(7, &[(0, GENESIS)]));
        let block = book.get(idx).expect("pushed");
        let (lookup, key) = (Lookup::new(&ring), tokens.id(0));
        let slot_of = |p: PeerIdx| slot(lookup, key, p);
        // Members 1 and 2 signed yes, member 3 signed no; nobody else signed anything.
        let mut signatures = Signatures::default();
        for (p, word) in [(1, Word::Yes), (2, Word::Yes), (3, Word::No)] {
            signatures.record(SignedVote {
                block: idx,
                part: 0,
                slot: slot_of(p) as u8,
                word,
            });
        }
        let (params, adversary) = (
            ProtocolConfig::default(),
            Adversary::with_members(Default::default(), 5, &[]),
        );
        let world = Services {
            params: &params,
            lookup,
            bodies: Bodies::new(&book),
            tokens: &tokens,
            certificates: Verifier::new(&signatures),
            adversary: &adversary,
            now: 1,
        };
        let from = collector(lookup, key, block.origin);
        let everyone = (1u32 << 5) - 1;
        let tally = |holds| Message {
            target: everyone,
            mask: 1,
            holds,
            ..Message::plain(V2Kind::PartCertificate, from, block.origin, idx, 1)
        };
        let mut e = Entry::new(idx, 10, Body::Known, Role::Origin);
        take_tally(&mut e, &tally(YES_VOTERS), block, &world);
        let mut yes: Vec<_> = e
            .protocol
            .votes
            .iter()
            .filter(|v| v.mask & 1 != 0)
            .map(|v| v.voter)
            .collect();
        yes.sort_unstable();
        assert_eq!(yes, [1, 2]);
        take_tally(&mut e, &tally(0), block, &world);
        let no: Vec<_> = e
            .protocol
            .votes
            .iter()
            .filter(|v| v.holds & 1 != 0 && v.mask & 1 == 0)
            .map(|v| v.voter)
            .collect();
        assert_eq!(no, [3], "only member 3 signed no");
    }
}
