//! v2's messages. Codes 7..13, the second block of `model::message::DIGEST_BLOCKS`.

use crate::model::message::wire::{BODY, CERTS, HEADER, SIG};
use crate::model::message::{Kind, KindInfo, WireType};

/// The first code of v2's block.
const FIRST: u8 = 7;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum V2Kind {
    /// The origin sends the block, with its parents' certificates, to a committee member.
    Propose = FIRST,
    /// A committee member's vote (its lock) on a proposal, to the origin or a collector.
    Vote = FIRST + 1,
    /// The origin pushes a commit, with its quorum certificate, to the committees.
    CommitPush = FIRST + 2,
    /// A member asks the origin of a block it locked for, once that block expired, for its
    /// outcome before releasing the lock.
    StatusQuery = FIRST + 3,
    /// The answer to a status query (with the certificate if the block committed).
    StatusReply = FIRST + 4,
    /// On a routed topology: a part's collector tells the origin that the part's committee
    /// reached a quorum (with the aggregate certificate) or can no longer reach one.
    PartCertificate = FIRST + 5,
}

impl V2Kind {
    pub const ALL: [V2Kind; 6] = [
        V2Kind::Propose,
        V2Kind::Vote,
        V2Kind::CommitPush,
        V2Kind::StatusQuery,
        V2Kind::StatusReply,
        V2Kind::PartCertificate,
    ];

    /// The v2 kind a code stands for, if it is one (anything else, a flood's vote requests
    /// among them, means nothing to v2).
    #[inline]
    pub fn of(kind: Kind) -> Option<Self> {
        Self::ALL.get(kind.0.checked_sub(FIRST)? as usize).copied()
    }
}

crate::wire_kinds!(V2Kind);

/// Names, wire sizes and types of v2's kinds, in code order.
pub const KINDS: [KindInfo; 6] = [
    KindInfo::new(
        V2Kind::Propose as u8,
        "propose",
        HEADER + SIG + BODY + CERTS,
        WireType::Block,
    ),
    KindInfo::new(V2Kind::Vote as u8, "vote", HEADER + SIG, WireType::Vote),
    KindInfo::new(
        V2Kind::CommitPush as u8,
        "commit_push",
        HEADER + SIG + BODY + CERTS,
        WireType::Block,
    ),
    KindInfo::new(
        V2Kind::StatusQuery as u8,
        "status_query",
        HEADER + SIG,
        WireType::Query,
    ),
    KindInfo::new(
        V2Kind::StatusReply as u8,
        "status_reply",
        HEADER + SIG + CERTS,
        WireType::Answer,
    ),
    KindInfo::new(
        V2Kind::PartCertificate as u8,
        "part_certificate",
        HEADER + SIG + CERTS / 3,
        WireType::Answer,
    ),
];
