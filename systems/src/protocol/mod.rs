//! The protocol's rules, behind one seam.
//!
//! The systems own the passes (which peers, in which order, on which thread); a protocol owns
//! what one peer does with one message, with its pending blocks at the vote, and whether a
//! decision still holds when it is applied. Each pass picks the rules once, through
//! [`with_protocol!`], and runs code specialised for them: nothing is dispatched per message.
//!
//! A protocol owns its types: its message kinds, and its part of a peer's state and of each
//! entry (`Protocol::Peer`); the engine carries them without naming any.
//!
//! Adding a protocol: a folder beside `original/` with a type implementing [`Protocol`], its
//! name in `config::ProtocolKind`, and its arm in [`with_protocol!`].

pub mod echo;
mod node;
pub mod original;
mod services;
pub mod v2;

pub use node::{BlockRef, Io, Node};
pub use services::{RuleInputs, Services};

use crate::engine::lookup::Lookup;
use crate::model::blocks::Block;
use crate::model::blocks::BlockIds;
use crate::model::ids::PeerIdx;
use crate::model::message::{Kind, KindInfo, Message};
use crate::model::metrics::TickMetrics;
use crate::model::peer::{Entry, PeerPart, PeerState};
use crate::model::submission::OriginSetup;
use crate::model::tokens::TokenBook;
use crate::model::world::CurrentThreshold;

/// What a protocol decides for one peer. Implementations are stateless: the state is the
/// peer's, the world's and the network's.
///
/// `T` says whether the pass traces blocks (see `engine::trace`): the rules only hand it on
/// with the outbox, so an untraced pass compiles to code with no trace in it.
pub trait Protocol: Default + Sync + Send + 'static {
    /// What its rules keep per peer and per entry, beside the engine's part of the state.
    type Peer: PeerPart;

    /// The kinds of message this protocol sends, in code order: names, wire sizes, types.
    const KINDS: &'static [KindInfo];

    /// What a flooding Byzantine peer sends under this protocol.
    const FLOOD: Kind;

    /// How blocks are named: drawn freely (the original's), or a hash of their content.
    const BLOCK_IDS: BlockIds = BlockIds::Drawn;

    /// The largest Byzantine share of peers under which the protocol, with `params`, claims
    /// safety (no conflicting commits), double-signing owners included. The fuzzer attacks
    /// up to and past it; violations past it are reported, not counted as failures.
    fn byzantine_bound(params: &crate::config::ProtocolConfig) -> f64;

    /// One message, delivered to `node`; replies leave through its outbox.
    fn receive<const T: bool>(&self, node: &mut Node<'_, '_, Self::Peer, T>, m: &Message);

    /// The node's vote pass over its pending blocks; returns how many entries it left with a
    /// decision for the commit pass.
    fn vote<const T: bool>(
        &self,
        node: &mut Node<'_, '_, Self::Peer, T>,
        round: VoteRound,
    ) -> usize;

    /// Whether a block decided at this peer may still be applied now: another block decided
    /// in the same tick may have moved one of its tokens first.
    fn still_valid(&self, ps: &PeerState<Self::Peer>, block: BlockRef, tokens: &TokenBook) -> bool;

    /// Sets up the origin's entry for a block just submitted there (`block.origin`), before
    /// the origin first votes on it.
    fn on_submitted(
        &self,
        _entry: &mut Entry<<Self::Peer as PeerPart>::Entry>,
        _block: &Block,
        _lookup: Lookup,
        _tokens: &TokenBook,
    ) {
    }

    /// The vote threshold a run starts with (`CurrentThreshold`; only the original reads it).
    fn starting_threshold(&self, params: &crate::config::ProtocolConfig) -> u32 {
        params.threshold
    }

    /// The protocol's threshold policy, run once a tick from the last tick's metrics (the
    /// original's; the default keeps the threshold as it is).
    fn adapt_threshold(
        &self,
        _params: &crate::config::ProtocolConfig,
        _last: &TickMetrics,
        _current: &mut CurrentThreshold,
    ) {
    }

    /// The ring ids whose tokens peer `p` stores (`PeerState::range_lo..=range_hi`), set once
    /// when the world is built.
    fn own_range(&self, lookup: Lookup, p: PeerIdx) -> (u64, u64);

    /// Whether the peers that guard key `key` (its committee) hold more Byzantine members
    /// than the claim with `params` tolerates: the run is then beyond the claimed bound. `None`
    /// for a protocol without committees, whose claim does not count members per key.
    fn captured(
        &self,
        _lookup: Lookup,
        _params: &crate::config::ProtocolConfig,
        _key: u64,
        _byzantine: &dyn Fn(PeerIdx) -> bool,
    ) -> Option<bool> {
        None
    }
}

/// Protocol `P`'s set-up of a submitted block's origin entry (see
/// [`Protocol::on_submitted`]), in the form the submitter takes.
pub fn origin_setup<P: Protocol>() -> OriginSetup<P::Peer> {
    |entry, block, ring, tokens| P::default().on_submitted(entry, block, Lookup::new(ring), tokens)
}

/// Work to run with one protocol's types, for code outside this crate (which cannot use
/// `with_protocol!`): tools that read peers' state, for example.
pub trait WithProtocol {
    type Output;
    fn run<P: Protocol>(self, protocol: &P) -> Self::Output;
}

/// Runs `work` with the rules and types of protocol `kind`.
pub fn run_with<W: WithProtocol>(kind: crate::config::ProtocolKind, work: W) -> W::Output {
    with_protocol!(kind, |p| work.run(p))
}

/// The threshold in force when a run starts, under the protocol of `params` (see
/// [`Protocol::starting_threshold`]).
pub fn starting_threshold(params: &crate::config::ProtocolConfig) -> CurrentThreshold {
    CurrentThreshold {
        value: with_protocol!(params.kind, |p| p.starting_threshold(params)),
        observed_loss: 0.0,
    }
}

/// The Byzantine share under which the protocol of `params` claims safety (see
/// [`Protocol::byzantine_bound`]).
pub fn byzantine_bound(params: &crate::config::ProtocolConfig) -> f64 {
    fn bound<P: Protocol>(_: &P, params: &crate::config::ProtocolConfig) -> f64 {
        P::byzantine_bound(params)
    }
    with_protocol!(params.kind, |p| bound(p, params))
}

/// Every protocol's kinds, in code order: what summaries and tables name, whichever protocol
/// ran (a kind another protocol owns counts 0).
pub fn all_kinds() -> impl Iterator<Item = &'static KindInfo> {
    fn kinds<P: Protocol>(_: &P) -> &'static [KindInfo] {
        P::KINDS
    }
    crate::config::PROTOCOLS
        .iter()
        .flat_map(|e| with_protocol!(e.kind, |p| kinds(p)).iter())
}

/// The name of a message code, as the protocol that owns it declares it.
pub fn kind_name(code: Kind) -> &'static str {
    all_kinds()
        .find(|k| k.code == code)
        .map_or("unknown", |k| k.name)
}

/// How protocol `kind` names its blocks (see [`Protocol::BLOCK_IDS`]).
pub fn block_ids(kind: crate::config::ProtocolKind) -> BlockIds {
    fn ids<P: Protocol>(_: &P) -> BlockIds {
        P::BLOCK_IDS
    }
    with_protocol!(kind, |p| ids(p))
}

/// What a vote pass adds to the rule context: the threshold in force this tick, and the
/// chunk's scratch arena (reset by the caller).
#[derive(Clone, Copy)]
pub struct VoteRound<'a> {
    pub threshold: u32,
    pub arena: &'a bumpalo::Bump,
}

/// Runs `$body` with `$p` bound to the rules of protocol `$kind`: the one place where a
/// protocol name meets its code.
macro_rules! with_protocol {
    ($kind:expr, |$p:ident| $body:expr) => {
        match $kind {
            $crate::config::ProtocolKind::Original => {
                let $p = &$crate::protocol::original::Original;
                $body
            }
            $crate::config::ProtocolKind::V2 => {
                let $p = &$crate::protocol::v2::V2;
                $body
            }
            $crate::config::ProtocolKind::Echo => {
                let $p = &$crate::protocol::echo::Echo;
                $body
            }
        }
    };
}
pub(crate) use with_protocol;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::message::DIGEST_BLOCKS;

    /// Each protocol's kinds take codes of one digest block of their own, so a protocol's
    /// digest never hashes another's words and adding one moves no digest.
    #[test]
    fn each_protocol_owns_one_digest_block_of_codes() {
        fn kinds<P: Protocol>(_: &P) -> &'static [KindInfo] {
            P::KINDS
        }
        let block_of = |k: &KindInfo| {
            DIGEST_BLOCKS
                .iter()
                .position(|b| b.contains(&(k.code.0 as usize)))
        };
        let mut taken = Vec::new();
        for e in crate::config::PROTOCOLS {
            let ks = with_protocol!(e.kind, |p| kinds(p));
            let block = block_of(&ks[0]).expect("a code inside the counted range");
            assert!(ks.iter().all(|k| block_of(k) == Some(block)), "{}", e.name);
            assert!(!taken.contains(&block), "{} shares a code block", e.name);
            taken.push(block);
        }
        assert!(
            block_of(&KindInfo::new(
                40,
                "x",
                0,
                crate::model::message::WireType::Vote
            ))
            .is_none()
        );
    }
}
