//! The node context: the one door through which protocol code sees the world. It shows a
//! peer its own state, the clock, its outbox, its random stream and the engine's services;
//! never another peer's state, the block book's outcomes or the driver's view. The checker,
//! the driver and the metrics keep their global view outside it.

use super::Services;
use crate::config::Behaviour;
use crate::engine::outbox::Outbox;
use crate::model::blocks::Block;
use crate::model::ids::{BlockIdx, PeerIdx, Tick};
use crate::model::message::Message;
use crate::model::peer::{PeerPart, PeerState};
use crate::model::signatures::{SignedVote, Word};
use rand_pcg::Pcg64Mcg;

/// One peer as its protocol sees it while it handles a message or votes.
pub struct Node<'a, 'o, S: PeerPart, const T: bool> {
    /// All this peer remembers.
    pub state: &'a mut PeerState<S>,
    /// Everything else it has: see [`Io`].
    pub io: Io<'a, 'o, T>,
}

/// A peer's means apart from its state: who and when it is, how it sends, what it may look
/// up. Kept apart from the state so that a rule can hold one of its entries while it sends.
pub struct Io<'a, 'o, const T: bool> {
    pub me: PeerIdx,
    pub now: Tick,
    pub out: &'a mut Outbox<'o, T>,
    pub rng: &'a mut Pcg64Mcg,
    pub world: &'a Services<'a>,
}

impl<const T: bool> Io<'_, '_, T> {
    /// Sends `msg` from this peer's stream.
    #[inline(always)]
    pub fn send(&mut self, msg: Message) {
        self.out.send(msg, self.rng);
    }

    /// Charges `n` messages to block `idx`.
    #[inline]
    pub fn charge(&mut self, idx: BlockIdx, n: u64) {
        self.out.charge(idx, n);
    }

    /// Whether this peer is Byzantine with behaviour `b` (a peer knows its own role).
    #[inline]
    pub fn acts(&self, b: Behaviour) -> bool {
        self.world.adversary.acts(self.me, b)
    }

    /// Signs this peer's `word` on part `part` of block `idx`, as committee slot `slot` of the
    /// part's token: a statement anyone holding it can show (the registry keeps every one cast).
    #[inline]
    pub fn sign(&mut self, idx: BlockIdx, part: usize, slot: u32, word: Word) {
        self.out.signed.push(SignedVote {
            block: idx,
            part: part as u8,
            slot: slot as u8,
            word,
        });
    }
}

/// A block named by its index, with the body a message carried.
#[derive(Clone, Copy)]
pub struct BlockRef<'b> {
    pub idx: BlockIdx,
    pub body: &'b Block,
}
