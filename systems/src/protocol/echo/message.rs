//! Echo's messages. Codes 13..15, the third block of `model::message::DIGEST_BLOCKS`.

use crate::model::message::wire::{BODY, HEADER, SIG};
use crate::model::message::{Kind, KindInfo, WireType};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum EchoKind {
    /// The origin shows a neighbour its block.
    Ping = 13,
    /// The neighbour says it saw it.
    Pong = 14,
}

impl EchoKind {
    pub fn of(kind: Kind) -> Option<Self> {
        match kind.0 {
            13 => Some(EchoKind::Ping),
            14 => Some(EchoKind::Pong),
            _ => None,
        }
    }
}

impl From<EchoKind> for Kind {
    fn from(k: EchoKind) -> Kind {
        Kind(k as u8)
    }
}

pub const KINDS: [KindInfo; 2] = [
    KindInfo {
        code: Kind(EchoKind::Ping as u8),
        name: "ping",
        wire_bytes: HEADER + SIG + BODY,
        wire_type: WireType::Block,
    },
    KindInfo {
        code: Kind(EchoKind::Pong as u8),
        name: "pong",
        wire_bytes: HEADER + SIG,
        wire_type: WireType::Vote,
    },
];
