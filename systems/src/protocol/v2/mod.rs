//! v2: committees, locks and quorum certificates (`docs/protocol-v2.md`).
//!
//! The committee of a token is the `COMMITTEE` peers nearest it on the ring. The origin
//! sends the block once to every member of each part's committee; a member that stores the
//! part's owner locks (token, owner) for one block (the smallest id among the proposals it
//! heard within a short window) and votes once; the origin commits when every part holds
//! votes from a quorum `Q = floor((C + b) / 2) + 1` of its committee, then pushes the commit
//! with its certificate. Two quorums of one committee share more than `b` members, so while
//! a committee holds at most `b` equivocators two spends of one (token, owner) never both
//! commit.

pub mod byzantine;
pub mod certificate;
pub mod collect;
pub mod committee;
pub mod message;
pub mod propose;
pub mod quorum;
pub mod receive;
pub mod state;
pub mod vote;

use super::{BlockRef, Node, Protocol, VoteRound};
use crate::engine::lookup::Lookup;
use crate::model::ids::PeerIdx;
use crate::model::message::{Kind, KindInfo, Message};
use crate::model::tokens::TokenBook;
use crate::protocol::original::message::OriginalKind;
use state::{PeerState, V2Peer};

/// The v2 protocol's rules.
#[derive(Default)]
pub struct V2;

impl Protocol for V2 {
    type Peer = V2Peer;
    const KINDS: &'static [KindInfo] = &message::KINDS;
    /// A flooder sends the original's vote requests, which v2 ignores (still counted as sent).
    const FLOOD: Kind = Kind(OriginalKind::VoteRequest as u8);
    /// The lock goes to the smallest id among competing proposals, so ids must not be
    /// chosen: they hash the content, and an owner can only grind its own spend's nonce.
    const BLOCK_IDS: crate::model::blocks::BlockIds = crate::model::blocks::BlockIds::ContentHash;

    /// With a Byzantine share f of the peers, a committee of C = 32 holds more than b (the
    /// tolerance) equivocators with probability P[Bin(32, f) > b]; up to b no fork is possible
    /// at all (`quorum.rs`). The bound claimed is the largest share (in hundredths) at which
    /// a captured committee is at most a 1-in-5,000 event: 0.1 at b = 10, 0.2 at b = 15.
    /// A committee holds more than `tolerated(C, b)` Byzantine members.
    fn captured(
        &self,
        lookup: Lookup,
        params: &crate::config::ProtocolConfig,
        key: u64,
        byzantine: &dyn Fn(PeerIdx) -> bool,
    ) -> Option<bool> {
        let c = committee::size(lookup.len());
        let inside = committee::members(lookup, key)
            .filter(|&p| byzantine(p))
            .count() as u32;
        Some(inside > committee::tolerated(c, params.tolerance))
    }

    fn byzantine_bound(params: &crate::config::ProtocolConfig) -> f64 {
        committee::claimed_bound(params.tolerance)
    }

    #[inline(always)]
    fn receive<const T: bool>(&self, node: &mut Node<'_, '_, V2Peer, T>, m: &Message) {
        receive::handle(node, m);
    }

    #[inline(always)]
    fn vote<const T: bool>(&self, node: &mut Node<'_, '_, V2Peer, T>, _round: VoteRound) -> usize {
        vote::vote_peer(node)
    }

    /// Every part whose token this peer stores still spends the owner it stores (or this
    /// block is already written).
    #[inline]
    fn still_valid(&self, ps: &PeerState, block: BlockRef, tokens: &TokenBook) -> bool {
        block.body.parts.iter().all(|p| {
            !ps.in_range(tokens.id(p.token)) || {
                // Already applied counts too: this block, or its first entry (a re-submission
                // is the same block, whose certificate may have been revealed late).
                let mine = ps.mapping(p.token);
                mine.block == p.last
                    || mine.block == block.idx
                    || Some(mine.block) == block.body.retry_of
            }
        })
    }

    fn own_range(&self, lookup: Lookup, p: PeerIdx) -> (u64, u64) {
        committee::own_range(lookup, p)
    }
}
