//! Echo: the smallest protocol the seam takes, a baseline that checks nothing. The origin
//! shows its block to the 8 peers of its own neighbourhood and commits once more than half of
//! them answered; nobody judges a spend, and peers store no tokens. It exists to show that a
//! protocol is its folder plus a row in `config::protocols!` and an arm in `with_protocol!`
//! (`systems/tests/echo.rs`), and as a floor for messages and ticks per commit.

pub mod message;

use super::{BlockRef, Node, Protocol, VoteRound};
use crate::engine::lookup::Lookup;
use crate::model::ids::PeerIdx;
use crate::model::message::{Kind, KindInfo, Message};
use crate::model::peer::{Decision, EntryPart, EntryState, PeerPart, PeerState, Role};
use crate::model::tokens::TokenBook;
use message::EchoKind;
use smallvec::SmallVec;

/// The origin pings again, to those that have not answered, every this many ticks.
const RETRY: u32 = 4;

#[derive(Default)]
pub struct Echo;

/// Echo keeps nothing per peer beside the engine's state.
#[derive(Clone, Debug, Default)]
pub struct EchoPeer;

impl PeerPart for EchoPeer {
    type Entry = EchoEntry;
}

/// An origin's entry: the neighbours that answered its ping.
#[derive(Clone, Debug, Default)]
pub struct EchoEntry {
    pub answered: SmallVec<[PeerIdx; 8]>,
}

impl EntryPart for EchoEntry {
    fn settle(&mut self) {
        self.answered = SmallVec::new();
    }
    fn vote_records(&self) -> usize {
        self.answered.len()
    }
}

impl Protocol for Echo {
    type Peer = EchoPeer;
    const KINDS: &'static [KindInfo] = &message::KINDS;
    /// A flooder pings: every ping is answered, so a flood doubles its own traffic.
    const FLOOD: Kind = Kind(EchoKind::Ping as u8);

    /// Echo claims nothing.
    fn byzantine_bound(_: &crate::config::ProtocolConfig) -> f64 {
        0.0
    }

    fn receive<const T: bool>(&self, node: &mut Node<'_, '_, EchoPeer, T>, m: &Message) {
        match EchoKind::of(m.kind) {
            Some(EchoKind::Ping) => {
                node.io.charge(m.block, 1);
                let pong = Message::plain(EchoKind::Pong, node.io.me, m.from, m.block, node.io.now);
                node.io.send(pong);
            }
            Some(EchoKind::Pong) => {
                if let Some(e) = node.state.entry_mut(m.block)
                    && e.role == Role::Origin
                    && e.state == EntryState::Pending
                    && !e.protocol.answered.contains(&m.from)
                {
                    e.protocol.answered.push(m.from);
                }
            }
            None => {}
        }
    }

    fn vote<const T: bool>(
        &self,
        node: &mut Node<'_, '_, EchoPeer, T>,
        _round: VoteRound,
    ) -> usize {
        let Node { state, io } = node;
        let world = io.world;
        // Its neighbours: the 4 known peers either side of its own id.
        let nb = world
            .lookup
            .nearest_known::<4>(io.me, world.lookup.id(io.me));
        let mut neighbours: SmallVec<[PeerIdx; 8]> =
            nb.below.iter().chain(&nb.above).copied().collect();
        neighbours.sort_unstable();
        neighbours.dedup();
        neighbours.retain(|p| *p != io.me);
        let mut decided = 0;
        for e in &mut state.mempool {
            if e.role != Role::Origin || e.state != EntryState::Pending {
                continue;
            }
            if e.decision != Decision::Undecided {
                decided += 1;
                continue;
            }
            if 2 * e.protocol.answered.len() > neighbours.len() {
                e.decision = Decision::Commit;
                decided += 1;
                continue;
            }
            let Some(block) = world.bodies.get(e.block) else {
                continue;
            };
            if (world.now - block.submitted).is_multiple_of(RETRY) {
                for &to in &neighbours {
                    if !e.protocol.answered.contains(&to) {
                        io.charge(e.block, 1);
                        io.send(Message::plain(
                            EchoKind::Ping,
                            io.me,
                            to,
                            e.block,
                            world.now,
                        ));
                    }
                }
            }
        }
        decided
    }

    /// Nothing to check: echo judges no spend.
    fn still_valid(&self, _: &PeerState<EchoPeer>, _: BlockRef, _: &TokenBook) -> bool {
        true
    }

    /// Echo peers store no tokens: a range holding only the peer's own id, which is no
    /// token's key.
    fn own_range(&self, lookup: Lookup, p: PeerIdx) -> (u64, u64) {
        (lookup.id(p), lookup.id(p))
    }
}
