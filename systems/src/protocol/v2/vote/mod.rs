//! One peer's vote pass: as a member, it votes on the proposals whose waiting window ended;
//! as an origin, it counts its blocks' votes, commits on a certificate (and pushes it) or
//! rejects when a quorum became impossible, and re-sends proposals that got no vote.

pub mod lock;

use super::byzantine::equivocates;
use super::certificate::catch_up;
use super::collect::{collecting, report, send_member_vote, send_vote};
use super::propose::{push_commit, send_proposals};
use super::quorum::{Count, certified_parts, count};
use crate::engine::outbox::Outbox;
use crate::model::ids::{PeerIdx, Tick};
use crate::model::peer::{Decision, EntryState, PeerState, Role};
use crate::protocol::RuleContext;
use lock::{PartVote, judge_part, prune_locks};
use rand_pcg::Pcg64Mcg;

/// A member waits this many ticks after first hearing of a proposal before it locks, so
/// twins submitted in the same tick reach it and it locks the smallest id among them.
pub const WINDOW: Tick = 2;

/// The origin re-sends its proposal to members whose vote has not arrived, every this many
/// ticks, times the ring's round-trip stretch (`Ring::round_trip_stretch`: 1 unless messages
/// are routed hop by hop, where a fixed 4 re-sent each proposal several times before its vote
/// could be back: docs/topology.md).
pub const RETRY: Tick = 4;

/// Ticks between the origin's re-sends: `RETRY` times the round-trip stretch. Through a
/// collector a round trip also takes the spreading hops, the window and the collecting hop,
/// about three hop pairs more (the choice measured in docs/topology.md).
#[inline]
pub fn retry_interval(cx: &RuleContext) -> Tick {
    let stretch = cx.ring.round_trip_stretch();
    RETRY
        * if collecting(cx.ring) {
            stretch + 3
        } else {
            stretch
        }
}

/// Member entries keep their own vote in `votes[0]` (voter = the member, `sent` = the tick
/// it first heard of the proposal, `mask`/`holds` = its vote); `undecided` is 0 once it voted.
pub const NOT_VOTED: u8 = 0x7F;

/// Votes on every pending entry of one peer; returns how many entries hold a decision.
pub fn vote_peer<const T: bool>(
    me: PeerIdx,
    ps: &mut PeerState,
    cx: &RuleContext,
    out: &mut Outbox<'_, T>,
    rng: &mut Pcg64Mcg,
) -> usize {
    prune_locks(ps, cx);
    let mut decided = 0;
    for ei in 0..ps.mempool.len() {
        let e = &ps.mempool[ei];
        if e.state != EntryState::Pending {
            continue;
        }
        if e.decision != Decision::Undecided {
            decided += 1;
            continue;
        }
        match e.role {
            Role::Relay => member_vote(me, ps, ei, cx, out, rng),
            Role::Origin => {
                if origin_step(me, ps, ei, cx, out, rng) {
                    decided += 1;
                }
            }
        }
    }
    decided
}

/// A member's vote on entry `ei`, once its window has passed.
fn member_vote<const T: bool>(
    me: PeerIdx,
    ps: &mut PeerState,
    ei: usize,
    cx: &RuleContext,
    out: &mut Outbox<'_, T>,
    rng: &mut Pcg64Mcg,
) {
    let e = &ps.mempool[ei];
    let idx = e.block;
    if e.undecided != NOT_VOTED || e.votes.first().is_none_or(|v| cx.now < v.sent + WINDOW) {
        return;
    }
    let Some(block) = cx.book.get(idx) else {
        return;
    };
    let (mut mask, mut holds) = (0u8, 0u8);
    let equivocating = equivocates(cx.adversary, me);
    if !equivocating {
        catch_up(ps, block, cx.book, cx.tokens);
    }
    for (i, part) in block.parts.iter().enumerate() {
        if !ps.in_range(cx.tokens.id(part.token)) {
            continue;
        }
        let bit = 1u8 << i;
        let vote = if equivocating {
            PartVote::Yes
        } else {
            judge_part(me, ps, idx, block, i, cx, out, rng)
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
    let e = &mut ps.mempool[ei];
    e.undecided = 0;
    e.votes[0].mask = mask;
    e.votes[0].holds = holds;
    if collecting(cx.ring) {
        send_member_vote(me, idx, block, mask, holds, false, cx, out, rng);
        report(me, e, idx, block, false, cx, out, rng);
    } else {
        send_vote(me, block.origin, idx, mask, holds, cx.now, out, rng);
    }
}

/// The origin's step for entry `ei`: count, decide, or (re-)propose. Returns whether it
/// decided.
fn origin_step<const T: bool>(
    me: PeerIdx,
    ps: &mut PeerState,
    ei: usize,
    cx: &RuleContext,
    out: &mut Outbox<'_, T>,
    rng: &mut Pcg64Mcg,
) -> bool {
    let idx = ps.mempool[ei].block;
    let Some(block) = cx.book.get(idx) else {
        return false;
    };
    if cx.now >= block.expires(cx.params.entry_ttl) {
        // Its last tick: no commit now, so a member that sees the block expired and
        // uncertified may release its lock (`lock.rs`). It times out.
        return false;
    }
    match count(cx.ring, block, &ps.mempool[ei].votes, cx.params.tolerance) {
        Count::Certified => {
            catch_up(ps, block, cx.book, cx.tokens);
            ps.mempool[ei].decision = Decision::Commit;
            push_commit(me, idx, block, cx, out, rng);
            true
        }
        Count::Impossible => {
            ps.mempool[ei].decision = Decision::Reject;
            true
        }
        Count::Open => {
            let age = cx.now - block.submitted;
            let every = retry_interval(cx);
            if age == 0 || age.is_multiple_of(every) {
                // Collected votes: the first retry goes through the collectors again, later
                // ones ask for direct votes, in case a collector is silent.
                let direct = collecting(cx.ring) && age >= 2 * every;
                let voted = &ps.mempool[ei].votes;
                // Through collectors a part's quorum can arrive before the rest of its votes.
                let done = match collecting(cx.ring) {
                    true => certified_parts(cx.ring, block, voted, cx.params.tolerance),
                    false => 0,
                };
                send_proposals(me, idx, block, direct, cx, out, rng, |p, part| {
                    done & (1 << part) == 0 && voted.iter().all(|v| v.voter != p)
                });
            }
            false
        }
    }
}
