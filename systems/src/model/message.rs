//! Messages in flight and per-kind counters.

use crate::model::ids::{BlockIdx, PeerIdx, Tick};

/// A message's kind as the engine carries it: a wire code. Each protocol declares its own
/// kinds (an enum in its folder, e.g. `protocol::v2::message::V2Kind`) and the codes they
/// take; the engine counts messages by code and never names a kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Kind(pub u8);

/// What a code means, as the protocol that owns it declares it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KindInfo {
    pub code: Kind,
    /// The phase's name in summaries and tables (`vote_request`, `propose`, ...).
    pub name: &'static str,
    /// Bytes on the wire, by [`wire`]'s size model.
    pub wire_bytes: u64,
    /// The original's message type it falls under.
    pub wire_type: WireType,
}

/// Makes a protocol's kind enum (`#[repr(u8)]`, its discriminants the codes) carry as a
/// [`Kind`] and compare with one.
#[macro_export]
macro_rules! wire_kinds {
    ($kinds:ty) => {
        impl From<$kinds> for $crate::model::message::Kind {
            #[inline]
            fn from(k: $kinds) -> Self {
                $crate::model::message::Kind(k as u8)
            }
        }

        impl PartialEq<$kinds> for $crate::model::message::Kind {
            #[inline]
            fn eq(&self, k: &$kinds) -> bool {
                self.0 == *k as u8
            }
        }
    };
}

impl KindInfo {
    pub const fn new(code: u8, name: &'static str, wire_bytes: u64, wire_type: WireType) -> Self {
        KindInfo {
            code: Kind(code),
            name,
            wire_bytes,
            wire_type,
        }
    }
}

/// Codes a run can count: room for two protocols more than there are.
pub const KINDS: usize = 32;

/// The code blocks, one per protocol, in the order the digest hashes them: the first always,
/// each later one only if it counted something, so a protocol added later changes no other
/// protocol's digest (`KindCounts::digest_words`).
pub const DIGEST_BLOCKS: [std::ops::Range<usize>; 5] = [0..7, 7..13, 13..16, 16..24, 24..KINDS];

/// The one wire size model every protocol is measured with (`docs/protocol-v2.md`, "Wire size
/// model"): a 40-byte header (kind and flags 4, sent tick 4, sender and receiver ids 8 each,
/// block hash 16), a 64-byte signature on every message that states something, a block body
/// of 16 bytes plus 48 per part and a part certificate of 112 bytes (aggregate signature 96,
/// committee bitmap 4, part index and block hash 12). Bodies and certificates are counted at
/// 3 parts, the most the measured workloads put in a block. The largest possible message (a
/// proposal of 6 parts, the largest block: 40 + 64 + 16 + 6 * 48 + 6 * 112) is 1,080 bytes.
pub mod wire {
    pub const HEADER: u64 = 40;
    pub const SIG: u64 = 64;
    pub const BODY: u64 = 16 + 3 * 48;
    pub const CERTS: u64 = 3 * 112;
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
    pub kind: Kind,
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
        kind: impl Into<Kind>,
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
            kind: kind.into(),
            mask: 0,
            holds: 0,
        }
    }
}

/// Votes with this mask come from a node that committed the block.
pub const COMMITTED_MASK: u8 = 0xFF;

/// Echoes speak for every part.
pub const ALL_PARTS: u8 = 0xFF;

/// Counts per message code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KindCounts(pub [u64; KINDS]);

impl KindCounts {
    #[inline]
    pub fn add(&mut self, kind: Kind) {
        self.0[kind.0 as usize] += 1;
    }

    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }

    pub fn get(&self, kind: impl Into<Kind>) -> u64 {
        self.0[kind.into().0 as usize]
    }

    /// Counts of the kinds in `table` that fall under wire type `t`.
    pub fn by_wire_type<'a>(
        &self,
        t: WireType,
        table: impl IntoIterator<Item = &'a KindInfo>,
    ) -> u64 {
        table
            .into_iter()
            .filter(|k| k.wire_type == t)
            .map(|k| self.get(k.code))
            .sum()
    }

    /// Bytes sent, by the wire sizes of the kinds in `table`.
    pub fn bytes<'a>(&self, table: impl IntoIterator<Item = &'a KindInfo>) -> u64 {
        table
            .into_iter()
            .map(|k| self.get(k.code) * k.wire_bytes)
            .sum()
    }

    /// The words the digest hashes: the first code block always, each later one (see
    /// [`DIGEST_BLOCKS`]) only when one of its counts is not zero.
    pub fn digest_words(&self) -> impl Iterator<Item = u64> + '_ {
        DIGEST_BLOCKS
            .iter()
            .enumerate()
            .filter(|(i, block)| *i == 0 || self.0[(*block).clone()].iter().any(|&c| c != 0))
            .flat_map(|(_, block)| self.0[block.clone()].iter().copied())
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
    fn the_digest_hashes_a_later_code_block_only_when_it_counted_something() {
        let mut c = KindCounts::default();
        c.add(Kind(0));
        assert_eq!(c.digest_words().count(), 7);
        c.add(Kind(8));
        assert_eq!(c.digest_words().count(), 13);
        c.add(Kind(14));
        assert_eq!(c.digest_words().count(), 16);
        c.add(Kind(31));
        assert_eq!(c.digest_words().count(), 24);
    }

    #[test]
    fn counts_fold_into_wire_types_and_bytes() {
        let info = |code, wire_type, wire_bytes| KindInfo {
            code: Kind(code),
            name: "x",
            wire_bytes,
            wire_type,
        };
        let table = [info(0, WireType::Vote, 10), info(1, WireType::Query, 1)];
        let mut c = KindCounts::default();
        c.add(Kind(0));
        c.add(Kind(0));
        c.add(Kind(1));
        assert_eq!(c.by_wire_type(WireType::Vote, &table), 2);
        assert_eq!(c.by_wire_type(WireType::Query, &table), 1);
        assert_eq!((c.total(), c.bytes(&table)), (3, 21));
    }
}
