//! One message at its receiver: a member takes in a proposal (and answers a repeated one
//! with the vote it already cast), an origin records votes from the committees, a member
//! applies a certified commit push, an origin answers a status query.

use super::certificate::{catch_up, verifies};
use super::collect::{
    DIRECT, Report, VoteRoute, collecting, report, send_member_vote, send_vote, take_tally,
    take_vote,
};
use super::quorum::committee_mask;
use crate::model::blocks::{Block, Spender, content_id};
use crate::model::message::Message;
use crate::model::peer::{Decision, EntryState, Role};
use crate::protocol::v2::message::V2Kind;
use crate::protocol::v2::state::{Entry, MyVote, PeerState, V2Peer};
use crate::protocol::{BlockRef, Node, Services};

pub fn handle<const T: bool>(node: &mut Node<'_, '_, V2Peer, T>, m: &Message) {
    let world = node.io.world;
    if m.kind == V2Kind::StatusQuery {
        // Answered even once the block's body is gone: its origin still knows how it ended.
        if world.bodies.get(m.block).is_some() {
            node.io.charge(m.block, 1);
        }
        let reply = Message::plain(V2Kind::StatusReply, node.io.me, m.from, m.block, world.now);
        node.io.send(reply);
        return;
    }
    let Some(block) = world.bodies.get(m.block) else {
        return;
    };
    let Some(kind) = V2Kind::of(m.kind) else {
        // Not v2's (a flood's vote requests): it means nothing here.
        return;
    };
    match kind {
        V2Kind::Propose => on_propose(node, m, block),
        V2Kind::Vote => on_vote(node, m, block),
        V2Kind::PartCertificate => {
            if let Some(e) = node.state.entry_mut(m.block)
                && e.role == Role::Origin
                && e.state == EntryState::Pending
            {
                take_tally(e, m, block, world);
            }
        }
        V2Kind::CommitPush => on_commit(node.state, m, block, world),
        // Handled above, before the body is needed; only an origin sends replies.
        V2Kind::StatusQuery | V2Kind::StatusReply => {}
    }
}

/// Whether `me` judges some part of `block` (its own range is its committees' keys).
#[inline]
fn judges(ps: &PeerState, block: &Block, world: &Services) -> bool {
    block
        .parts
        .iter()
        .any(|p| ps.in_range(world.tokens.id(p.token)))
}

fn on_propose<const T: bool>(node: &mut Node<'_, '_, V2Peer, T>, m: &Message, block: &Block) {
    let Node { state: ps, io } = node;
    let world = io.world;
    // A member re-hashes what it was sent, and checks each part's owner signature: a block
    // whose id is not its content's, or that its tokens' owner did not sign, is no block.
    if !block.is_well_formed()
        || block.id != content_id(&block.parts, block.nonce)
        || block.spender != Spender::Owner
        || m.from != block.origin
        || !judges(ps, block, world)
    {
        return;
    }
    match ps.find(m.block) {
        Ok(i) => {
            let e = &mut ps.mempool[i];
            if e.role == Role::Relay
                && e.state == EntryState::Pending
                && e.decision == Decision::Undecided
                && let MyVote::Cast(ballot) = e.protocol.mine
            {
                // The origin did not get my vote (or my part's certificate): the same again.
                let block = BlockRef {
                    idx: m.block,
                    body: block,
                };
                if collecting(world.lookup) {
                    let route = match m.holds & DIRECT != 0 {
                        true => VoteRoute::Direct,
                        false => VoteRoute::Collectors,
                    };
                    send_member_vote(io, block, ballot, route);
                    report(io, e, block, Report::Again);
                } else {
                    send_vote(io, block.body.origin, m.block, ballot);
                }
            }
        }
        Err(at) => {
            let expires = block.expires(world.params.entry_ttl);
            if ps.remembers(m.block, world.now) || expires <= world.now {
                return;
            }
            catch_up(ps, block, world);
            let mut e = Entry::new(
                m.block,
                expires,
                crate::model::peer::Body::Known,
                Role::Relay,
            );
            e.protocol.mine = MyVote::Heard { at: world.now };
            ps.insert_entry(at, e);
        }
    }
}

fn on_vote<const T: bool>(node: &mut Node<'_, '_, V2Peer, T>, m: &Message, block: &Block) {
    let Node { state: ps, io } = node;
    let world = io.world;
    // Without an entry (a collector the proposal has not reached) the vote is dropped: the
    // origin's retries ask again.
    let Some(e) = ps.entry_mut(m.block) else {
        return;
    };
    if e.state != EntryState::Pending {
        return;
    }
    if e.role != Role::Origin {
        if collecting(world.lookup) && e.decision == Decision::Undecided {
            take_vote(io, e, m, block);
        }
        return;
    }
    // Only a part's committee speaks for it; anything else counts for nothing.
    let mine = committee_mask(world.lookup, world.tokens, block, m.from);
    if mine != 0 {
        e.protocol.take_vote(m, mine);
    }
}

fn on_commit(ps: &mut PeerState, m: &Message, block: &Block, world: &Services) {
    // The certificate the push carries must verify, and the push be for me.
    let shown = BlockRef {
        idx: m.block,
        body: block,
    };
    if !verifies(world, shown) || !judges(ps, block, world) {
        return;
    }
    catch_up(ps, block, world);
    match ps.find(m.block) {
        Ok(i) => {
            let e = &mut ps.mempool[i];
            if e.state == EntryState::Pending {
                e.decision = Decision::Commit;
            }
        }
        Err(at) => {
            if ps.remembers(m.block, world.now) {
                return;
            }
            let expires = block.expires(world.params.entry_ttl).max(world.now + 1);
            let mut e = Entry::new(
                m.block,
                expires,
                crate::model::peer::Body::Known,
                Role::Relay,
            );
            e.decision = Decision::Commit;
            ps.insert_entry(at, e);
        }
    }
}
