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
    /// v2: the origin sends the block, with its parents' certificates, to a committee member.
    Propose = 7,
    /// v2: a committee member's vote (its lock) on a proposal, to the origin.
    Vote = 8,
    /// v2: the origin pushes a commit, with its quorum certificate, to the committees.
    CommitPush = 9,
    /// v2: a member asks the origin of a block it locked for, once that block expired, for
    /// its outcome before releasing the lock.
    StatusQuery = 10,
    /// v2: the answer to a status query (with the certificate if the block committed).
    StatusReply = 11,
    /// v2 on a routed topology: a part's collector tells the origin that the part's
    /// committee reached a quorum (with the aggregate certificate) or can no longer reach one.
    PartCertificate = 12,
}

pub const KINDS: usize = 13;

/// The kinds the original protocol uses; the digest hashes only these words unless a run
/// sends one of the others (see [`KindCounts::digest_words`]).
pub const ORIGINAL_KINDS: usize = 7;

impl MessageKind {
    pub const ALL: [MessageKind; KINDS] = [
        MessageKind::VoteRequest,
        MessageKind::VoteEcho,
        MessageKind::BlockQuery,
        MessageKind::ParentQuery,
        MessageKind::BlockReply,
        MessageKind::ParentReply,
        MessageKind::Answer,
        MessageKind::Propose,
        MessageKind::Vote,
        MessageKind::CommitPush,
        MessageKind::StatusQuery,
        MessageKind::StatusReply,
        MessageKind::PartCertificate,
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
            MessageKind::Propose => "propose",
            MessageKind::Vote => "vote",
            MessageKind::CommitPush => "commit_push",
            MessageKind::StatusQuery => "status_query",
            MessageKind::StatusReply => "status_reply",
            MessageKind::PartCertificate => "part_certificate",
        }
    }

    /// Bytes on the wire, by the one size model both protocols are measured with
    /// (`docs/protocol-v2.md`, "Wire size model"): a 40-byte header (kind and flags 4,
    /// sent tick 4, sender and receiver ids 8 each, block hash 16), a 64-byte signature on
    /// every message that states something, a block body of 16 bytes plus 48 per part and a
    /// part certificate of 112 bytes (aggregate signature 96, committee bitmap 4, part index
    /// and block hash 12). Bodies and certificates are counted at 3 parts, the most the
    /// measured workloads put in a block. The largest possible (a proposal of 6 parts, the
    /// protocol's largest block: 40 + 64 + 16 + 6 * 48 + 6 * 112) is 1,080 bytes.
    pub fn wire_bytes(self) -> u64 {
        const HEADER: u64 = 40;
        const SIG: u64 = 64;
        const BODY: u64 = 16 + 3 * 48;
        const CERTS: u64 = 3 * 112;
        match self {
            MessageKind::VoteRequest | MessageKind::VoteEcho | MessageKind::Vote => HEADER + SIG,
            MessageKind::BlockQuery | MessageKind::ParentQuery | MessageKind::Answer => HEADER,
            MessageKind::StatusQuery => HEADER + SIG,
            MessageKind::BlockReply | MessageKind::ParentReply => HEADER + SIG + BODY,
            MessageKind::Propose | MessageKind::CommitPush => HEADER + SIG + BODY + CERTS,
            MessageKind::StatusReply => HEADER + SIG + CERTS,
            MessageKind::PartCertificate => HEADER + SIG + CERTS / 3,
        }
    }

    /// The original's message type.
    pub fn wire_type(self) -> WireType {
        match self {
            MessageKind::VoteRequest | MessageKind::VoteEcho => WireType::Vote,
            MessageKind::BlockQuery | MessageKind::ParentQuery => WireType::Query,
            MessageKind::BlockReply | MessageKind::ParentReply => WireType::Block,
            MessageKind::Answer | MessageKind::StatusReply | MessageKind::PartCertificate => {
                WireType::Answer
            }
            MessageKind::Propose | MessageKind::CommitPush => WireType::Block,
            MessageKind::Vote => WireType::Vote,
            MessageKind::StatusQuery => WireType::Query,
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

impl Message {
    /// A message that states nothing beyond its kind: no query target, no vote bits.
    #[inline]
    pub fn plain(
        kind: MessageKind,
        from: PeerIdx,
        to: PeerIdx,
        block: BlockIdx,
        sent: Tick,
    ) -> Self {
        Message {
            to,
            from,
            block,
            sent,
            target: ANSWER_SENDER,
            kind,
            mask: 0,
            holds: 0,
        }
    }
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

    /// Bytes sent, by [`MessageKind::wire_bytes`].
    pub fn bytes(&self) -> u64 {
        MessageKind::ALL
            .iter()
            .map(|&k| self.get(k) * k.wire_bytes())
            .sum()
    }

    /// The words the digest hashes: the original's seven kinds always, the others only
    /// when one of them is not zero, so adding kinds left the original's digests as they were.
    pub fn digest_words(&self) -> impl Iterator<Item = u64> + '_ {
        let extra = &self.0[ORIGINAL_KINDS..];
        let extra = if extra.iter().any(|&c| c != 0) {
            extra
        } else {
            &[]
        };
        self.0[..ORIGINAL_KINDS].iter().chain(extra).copied()
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
    fn no_wire_message_exceeds_1200_bytes_and_the_original_words_are_kept() {
        for k in MessageKind::ALL {
            assert!(k.wire_bytes() <= 1200, "{k:?}");
        }
        let mut c = KindCounts::default();
        c.add(MessageKind::VoteRequest);
        assert_eq!(c.digest_words().count(), ORIGINAL_KINDS);
        c.add(MessageKind::Propose);
        assert_eq!(c.digest_words().count(), KINDS);
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
