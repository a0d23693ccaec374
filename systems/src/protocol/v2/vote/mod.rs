//! One peer's vote pass: as a member, it votes on the proposals whose waiting window ended;
//! as an origin, it counts its blocks' votes, commits on a certificate (and pushes it) or
//! rejects when a quorum became impossible, and re-sends proposals that got no vote.

pub mod lock;

use super::byzantine::{equivocates, withholds_certificate};
use super::certificate::{catch_up, sign_ballot};
use super::collect::{Ballot, Report, VoteRoute, collecting, report, send_member_vote, send_vote};
use super::propose::{push_commit, reveal_late, send_proposals};
use super::quorum::{Count, certified_parts, count};
use crate::model::ids::Tick;
use crate::model::peer::{Decision, EntryState, Role};
use crate::protocol::v2::state::{MyVote, V2Peer};
use crate::protocol::{BlockRef, Node, Services};
use lock::{PartVote, judge_part, prune_locks};

/// A member waits this many ticks after first hearing of a proposal before it locks, so
/// twins submitted in the same tick reach it and it locks the smallest id among them.
pub const WINDOW: Tick = 2;

/// The origin re-sends its proposal to members whose vote has not arrived, every this many
/// ticks, times the ring's round-trip stretch (`Ring::round_trip_stretch`: 1 unless messages
/// are routed hop by hop, where a fixed 4 re-sent each proposal several times before its vote
/// could be back: docs/topology.md).
pub const RETRY: Tick = 4;

/// On dht a first proposal reaches the committee by relay hops (or a lookup), so its vote is
/// back about three one-hop round trips after it left (figures in docs/results.md, section 9).
pub const LOOKUP_STRETCH: Tick = 3;

/// Ticks between the origin's re-sends: `RETRY` times the round-trip stretch. Through a
/// collector a round trip also takes the spreading hops, the window and the collecting hop,
/// about three hop pairs more (the choice measured in docs/topology.md).
#[inline]
pub fn retry_interval(world: &Services) -> Tick {
    let stretch = match world.lookup.looks_up() {
        true => LOOKUP_STRETCH,
        false => world.lookup.round_trip_stretch(),
    };
    RETRY
        * if collecting(world.lookup) {
            stretch + 3
        } else {
            stretch
        }
}

/// Votes on every pending entry of one peer; returns how many entries hold a decision.
pub fn vote_peer<const T: bool>(node: &mut Node<'_, '_, V2Peer, T>) -> usize {
    prune_locks(node.state, node.io.world);
    let mut decided = 0;
    for ei in 0..node.state.mempool.len() {
        let e = &node.state.mempool[ei];
        if e.state != EntryState::Pending {
            continue;
        }
        if e.decision != Decision::Undecided {
            decided += 1;
            continue;
        }
        match e.role {
            Role::Relay => member_vote(node, ei),
            Role::Origin => {
                if origin_step(node, ei) {
                    decided += 1;
                }
            }
        }
    }
    decided
}

/// A member's vote on entry `ei`, once its window has passed.
fn member_vote<const T: bool>(node: &mut Node<'_, '_, V2Peer, T>, ei: usize) {
    let world = node.io.world;
    let e = &node.state.mempool[ei];
    let idx = e.block;
    let MyVote::Heard { at } = e.protocol.mine else {
        return;
    };
    if world.now < at + WINDOW {
        return;
    }
    let Some(block) = world.bodies.get(idx) else {
        return;
    };
    let block = BlockRef { idx, body: block };
    let (mut mask, mut holds) = (0u8, 0u8);
    let equivocating = equivocates(&node.io);
    if !equivocating {
        catch_up(node.state, block.body, world);
    }
    for (i, part) in block.body.parts.iter().enumerate() {
        if !node.state.in_range(world.tokens.id(part.token)) {
            continue;
        }
        let bit = 1u8 << i;
        let vote = if equivocating {
            PartVote::Yes
        } else {
            judge_part(node, block, i)
        };
        match vote {
            PartVote::Yes => {
                mask |= bit;
                holds |= bit;
            }
            PartVote::No => holds |= bit,
            PartVote::Abstain => {}
        }
    }
    if holds == 0 {
        // Nothing to say yet (behind without a certificate): judged again next tick.
        return;
    }
    let Node { state, io } = node;
    let e = &mut state.mempool[ei];
    let ballot = Ballot { mask, holds };
    e.protocol.mine = MyVote::Cast(ballot);
    // The vote is signed here; every vote message (and a collector's tally) repeats it.
    sign_ballot(io, block, ballot);
    if collecting(world.lookup) {
        send_member_vote(io, block, ballot, VoteRoute::Collectors);
        report(io, e, block, Report::Once);
    } else {
        send_vote(io, block.body.origin, idx, ballot);
    }
}

/// The origin's step for entry `ei`: count, decide, or (re-)propose. Returns whether it
/// decided.
fn origin_step<const T: bool>(node: &mut Node<'_, '_, V2Peer, T>, ei: usize) -> bool {
    let Node { state: ps, io } = node;
    let world = io.world;
    let idx = ps.mempool[ei].block;
    let Some(block) = world.bodies.get(idx) else {
        return false;
    };
    let expires = block.expires(world.params.entry_ttl);
    if world.now >= expires {
        // Its last tick: no commit now; it times out. A withholding origin that holds the
        // certificate shows it now, to half of each committee.
        if world.now == expires
            && withholds_certificate(io)
            && count(
                world.lookup,
                block,
                &ps.mempool[ei].protocol.votes,
                world.params.tolerance,
            ) == Count::Certified
        {
            reveal_late(io, BlockRef { idx, body: block });
        }
        return false;
    }
    match count(
        world.lookup,
        block,
        &ps.mempool[ei].protocol.votes,
        world.params.tolerance,
    ) {
        // A withholding origin holds the certificate and does nothing with it.
        Count::Certified if withholds_certificate(io) => false,
        Count::Certified => {
            catch_up(ps, block, world);
            ps.mempool[ei].decision = Decision::Commit;
            push_commit(io, BlockRef { idx, body: block });
            true
        }
        Count::Impossible => {
            ps.mempool[ei].decision = Decision::Reject;
            true
        }
        Count::Open => {
            let age = world.now - block.submitted;
            let every = retry_interval(world);
            if age == 0 || age.is_multiple_of(every) {
                // Collected votes: the first retry goes through the collectors again, later
                // ones ask for direct votes, in case a collector is silent.
                let route = match collecting(world.lookup) && age >= 2 * every {
                    true => VoteRoute::Direct,
                    false => VoteRoute::Collectors,
                };
                let voted = &ps.mempool[ei].protocol.votes;
                // Through collectors a part's quorum can arrive before the rest of its votes.
                let done = match collecting(world.lookup) {
                    true => certified_parts(world.lookup, block, voted, world.params.tolerance),
                    false => 0,
                };
                let block = BlockRef { idx, body: block };
                send_proposals(io, block, route, |p, part| {
                    done & (1 << part) == 0 && voted.iter().all(|v| v.voter != p)
                });
            }
            false
        }
    }
}
