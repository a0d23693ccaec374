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

crate::wire_kinds!(EchoKind);

pub const KINDS: [KindInfo; 2] = [
    KindInfo::new(
        EchoKind::Ping as u8,
        "ping",
        HEADER + SIG + BODY,
        WireType::Block,
    ),
    KindInfo::new(EchoKind::Pong as u8, "pong", HEADER + SIG, WireType::Vote),
];
