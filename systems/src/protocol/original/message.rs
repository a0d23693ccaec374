//! The original's messages: its four types (Query, Vote, Block, Answer), each split by the
//! phase that sends it so every step's traffic shows. Codes 0..7, the first block of
//! `model::message::DIGEST_BLOCKS`.

use crate::model::message::wire::{BODY, HEADER, SIG};
use crate::model::message::{Kind, KindInfo, WireType};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum OriginalKind {
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

impl OriginalKind {
    pub const ALL: [OriginalKind; 7] = [
        OriginalKind::VoteRequest,
        OriginalKind::VoteEcho,
        OriginalKind::BlockQuery,
        OriginalKind::ParentQuery,
        OriginalKind::BlockReply,
        OriginalKind::ParentReply,
        OriginalKind::Answer,
    ];

    /// The original's kind a code stands for, if it is one.
    #[inline]
    pub fn of(kind: Kind) -> Option<Self> {
        Self::ALL.get(kind.0 as usize).copied()
    }
}

crate::wire_kinds!(OriginalKind);

/// Names, wire sizes and types of the original's kinds, in code order.
pub const KINDS: [KindInfo; 7] = [
    KindInfo::new(
        OriginalKind::VoteRequest as u8,
        "vote_request",
        HEADER + SIG,
        WireType::Vote,
    ),
    KindInfo::new(
        OriginalKind::VoteEcho as u8,
        "vote_echo",
        HEADER + SIG,
        WireType::Vote,
    ),
    KindInfo::new(
        OriginalKind::BlockQuery as u8,
        "block_query",
        HEADER,
        WireType::Query,
    ),
    KindInfo::new(
        OriginalKind::ParentQuery as u8,
        "parent_query",
        HEADER,
        WireType::Query,
    ),
    KindInfo::new(
        OriginalKind::BlockReply as u8,
        "block_reply",
        HEADER + SIG + BODY,
        WireType::Block,
    ),
    KindInfo::new(
        OriginalKind::ParentReply as u8,
        "parent_reply",
        HEADER + SIG + BODY,
        WireType::Block,
    ),
    KindInfo::new(
        OriginalKind::Answer as u8,
        "answer",
        HEADER,
        WireType::Answer,
    ),
];
