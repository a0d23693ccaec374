//! The original ecRust rules (`docs/protocol.md`), as the original simulator runs them.
//!
//! A block commits at a peer when, for each part, the voters it knows around the token that
//! hold the token agree by a margin above the threshold, and more than `threshold` voters
//! around the block id (the witness) have spoken.

pub mod balance;
pub mod byzantine;
pub mod conflicts;
pub mod judge;
pub mod learned;
pub mod message;
pub mod neighbourhood;
pub mod promises;
pub mod receive;
pub mod state;
pub mod tally;
pub mod targets;
pub mod threshold;
pub mod vote;

use super::{BlockRef, Node, Protocol, VoteRound};
use crate::engine::lookup::Lookup;
use crate::model::blocks::Block;
use crate::model::ids::PeerIdx;
use crate::model::message::{Kind, KindInfo, Message};
use crate::model::metrics::TickMetrics;
use crate::model::tokens::TokenBook;
use crate::model::world::CurrentThreshold;
use judge::{PartView, judge_part};
use message::OriginalKind;
use state::{Entry, OriginalPeer, PeerState};

/// The original protocol's rules.
#[derive(Default)]
pub struct Original;

impl Protocol for Original {
    type Peer = OriginalPeer;
    const KINDS: &'static [KindInfo] = &message::KINDS;
    const FLOOD: Kind = Kind(OriginalKind::VoteRequest as u8);

    /// What the original was fuzzed against before: silent, flooding and equivocating peers
    /// up to a fifth of the ring. It makes no claim for double-signing owners, which the
    /// goals require all the same: the fuzzer counts their forks as failures.
    fn byzantine_bound(_: &crate::config::ProtocolConfig) -> f64 {
        0.2
    }

    fn starting_threshold(&self, params: &crate::config::ProtocolConfig) -> u32 {
        threshold::starting(params)
    }

    fn adapt_threshold(
        &self,
        params: &crate::config::ProtocolConfig,
        last: &TickMetrics,
        current: &mut CurrentThreshold,
    ) {
        threshold::adapt(params, last, current);
    }

    #[inline(always)]
    fn receive<const T: bool>(&self, node: &mut Node<'_, '_, OriginalPeer, T>, m: &Message) {
        receive::handle(node, m);
    }

    #[inline(always)]
    fn vote<const T: bool>(
        &self,
        node: &mut Node<'_, '_, OriginalPeer, T>,
        round: VoteRound,
    ) -> usize {
        conflicts::mark_suppressed_claims(node.state, node.io.world.bodies, round.arena);
        vote::vote_peer(node, round.threshold)
    }

    fn own_range(&self, lookup: Lookup, p: PeerIdx) -> (u64, u64) {
        neighbourhood::own_range(lookup, p)
    }

    /// The origin knows its views of its own block at once.
    fn on_submitted(&self, entry: &mut Entry, block: &Block, lookup: Lookup, tokens: &TokenBook) {
        entry.protocol.views = neighbourhood::views(lookup, block, tokens, block.origin);
    }

    #[inline]
    fn still_valid(&self, ps: &PeerState, block: BlockRef, tokens: &TokenBook) -> bool {
        (0..block.body.parts.len()).all(|i| judge_part(ps, block, i, tokens) != PartView::Conflict)
    }
}
