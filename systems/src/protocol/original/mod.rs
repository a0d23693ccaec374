//! The original ecRust rules (`docs/protocol.md`), as the original simulator runs them.
//!
//! A block commits at a peer when, for each part, the voters it knows around the token that
//! hold the token agree by a margin above the threshold, and more than `threshold` voters
//! around the block id (the witness) have spoken.

pub mod byzantine;
pub mod conflicts;
pub mod judge;
pub mod receive;
pub mod tally;
pub mod vote;

use super::{Protocol, RuleContext, VoteRound};
use crate::engine::outbox::Outbox;
use crate::model::blocks::Block;
use crate::model::ids::{BlockIdx, PeerIdx};
use crate::model::message::Message;
use crate::model::peer::PeerState;
use crate::model::tokens::TokenBook;
use judge::{PartView, judge_part};
use rand_pcg::Pcg64Mcg;

/// The original protocol's rules.
pub struct Original;

impl Protocol for Original {
    /// What the original was fuzzed against before: silent, flooding and equivocating peers
    /// up to a fifth of the ring. It makes no claim for double-signing owners, which the
    /// goals require all the same: the fuzzer counts their forks as failures.
    fn byzantine_bound(_: &crate::config::ProtocolConfig) -> f64 {
        0.2
    }

    #[inline(always)]
    fn receive<const T: bool>(
        &self,
        me: PeerIdx,
        ps: &mut PeerState,
        m: &Message,
        cx: &RuleContext,
        out: &mut Outbox<'_, T>,
        rng: &mut Pcg64Mcg,
    ) {
        receive::handle(me, ps, m, cx, out, rng);
    }

    #[inline(always)]
    fn vote<const T: bool>(
        &self,
        me: PeerIdx,
        ps: &mut PeerState,
        cx: &RuleContext,
        round: VoteRound,
        out: &mut Outbox<'_, T>,
        rng: &mut Pcg64Mcg,
    ) -> usize {
        conflicts::mark_suppressed_claims(ps, cx, round.arena);
        vote::vote_peer(me, ps, cx, round.threshold, out, rng)
    }

    #[inline]
    fn still_valid(
        &self,
        ps: &PeerState,
        block: &Block,
        idx: BlockIdx,
        tokens: &TokenBook,
    ) -> bool {
        (0..block.parts.len()).all(|i| judge_part(ps, block, idx, i, tokens) != PartView::Conflict)
    }
}
