//! Messages in flight and per-kind counters.

use crate::model::ids::{BlockIdx, PeerIdx, Tick};

/// What a message is, split by protocol phase.
///
/// The original counts four types (Query, Vote, Block, Answer); each of those is split here by
/// the phase that sent it, so the traffic of each protocol step is visible.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum MessageKind {
    /// A pending node asks a neighbourhood for its vote (Vote, reply = true).
    VoteRequest = 0,
    /// A node that already decided answers with 0xFF (committed) or 0 (blocked) (Vote, reply = false).
    VoteEcho = 1,
    /// A node that learned of a block by a vote asks for its body (Query).
    BlockQuery = 2,
    /// A node behind on a token asks for the parent block to catch up (Query).
    ParentQuery = 3,
    /// The body, answering a BlockQuery (Block).
    BlockReply = 4,
    /// The body, answering a ParentQuery (Block).
    ParentReply = 5,
    /// Defined by the protocol, never sent (proof-of-storage answers are not modelled).
    Answer = 6,
}

pub const KINDS: usize = 7;

impl MessageKind {
    pub const ALL: [MessageKind; KINDS] = [
        MessageKind::VoteRequest,
        MessageKind::VoteEcho,
        MessageKind::BlockQuery,
        MessageKind::ParentQuery,
        MessageKind::BlockReply,
        MessageKind::ParentReply,
        MessageKind::Answer,
    ];

    pub fn name(self) -> &'static str {
        match self {
            MessageKind::VoteRequest => "vote_request",
            MessageKind::VoteEcho => "vote_echo",
            MessageKind::BlockQuery => "block_query",
            MessageKind::ParentQuery => "parent_query",
            MessageKind::BlockReply => "block_reply",
            MessageKind::ParentReply => "parent_reply",
            MessageKind::Answer => "answer",
        }
    }

    /// The original's message type.
    pub fn wire_type(self) -> WireType {
        match self {
            MessageKind::VoteRequest | MessageKind::VoteEcho => WireType::Vote,
            MessageKind::BlockQuery | MessageKind::ParentQuery => WireType::Query,
            MessageKind::BlockReply | MessageKind::ParentReply => WireType::Block,
            MessageKind::Answer => WireType::Answer,
        }
    }
}

/// The four message types of the original, in its reporting order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WireType {
    Query,
    Vote,
    Block,
    Answer,
}

impl WireType {
    pub const ALL: [WireType; 4] = [
        WireType::Query,
        WireType::Vote,
        WireType::Block,
        WireType::Answer,
    ];

    pub fn name(self) -> &'static str {
        match self {
            WireType::Query => "query",
            WireType::Vote => "vote",
            WireType::Block => "block",
            WireType::Answer => "answer",
        }
    }
}

/// Query target meaning "answer the sender".
pub const ANSWER_SENDER: PeerIdx = PeerIdx::MAX;

/// A message in flight: 24 bytes, plain data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Message {
    pub to: PeerIdx,
    pub from: PeerIdx,
    pub block: BlockIdx,
    /// Sender's clock when sent; a newer vote replaces an older one.
    pub sent: Tick,
    /// Queries: who gets the block ([`ANSWER_SENDER`] = the sender). Unused otherwise.
    pub target: PeerIdx,
    pub kind: MessageKind,
    /// Votes: bit i set = "part i spends the owner I store"; 0xFF = committed.
    pub mask: u8,
    /// Votes: bit i set = "I hold token i's mapping", so a 0 in `mask` is an objection, not
    /// a lack of information. Echoes hold every part.
    pub holds: u8,
}

/// Votes with this mask come from a node that committed the block.
pub const COMMITTED_MASK: u8 = 0xFF;

/// Echoes speak for every part.
pub const ALL_PARTS: u8 = 0xFF;

/// Counts per message kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KindCounts(pub [u64; KINDS]);

impl KindCounts {
    #[inline]
    pub fn add(&mut self, kind: MessageKind) {
        self.0[kind as usize] += 1;
    }

    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }

    pub fn get(&self, kind: MessageKind) -> u64 {
        self.0[kind as usize]
    }

    pub fn by_wire_type(&self, t: WireType) -> u64 {
        MessageKind::ALL
            .iter()
            .filter(|k| k.wire_type() == t)
            .map(|&k| self.get(k))
            .sum()
    }

    pub fn merge(&mut self, other: &KindCounts) {
        for (a, b) in self.0.iter_mut().zip(other.0.iter()) {
            *a += b;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_stays_small() {
        assert_eq!(std::mem::size_of::<Message>(), 24);
    }

    #[test]
    fn counts_fold_into_wire_types() {
        let mut c = KindCounts::default();
        c.add(MessageKind::VoteRequest);
        c.add(MessageKind::VoteEcho);
        c.add(MessageKind::ParentQuery);
        assert_eq!(c.by_wire_type(WireType::Vote), 2);
        assert_eq!(c.by_wire_type(WireType::Query), 1);
        assert_eq!(c.total(), 3);
    }
}
