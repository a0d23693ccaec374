//! Vote = lock, the "owned object" rule (FastPay, Sui). A member that stores `last` as a
//! token's owner locks (token, last) for one block and votes yes for that block only, ever.
//! Locks (`V2Peer::locks`) have no expiry of their own: a lock is
//! dropped only once the member's stored owner moved on through a valid certificate (a commit
//! push or a catch-up, `prune_locks`), which makes it moot. It is never released because its
//! block expired: a certificate for it may exist unseen (a withholding origin, votes that
//! arrived late), so a second block could otherwise be certified too.
//!
//! What it costs: an honest owner whose block timed out re-submits the same block (same id and
//! parts: the driver, `Workload::resubmit`), which the members locked for it vote for again;
//! an owner that signed two spends of one owner may freeze its token (no block reaches `Q`),
//! until a reconfiguration the simulator does not model.

use crate::model::peer::{EntryState, Role, stored_mapping};
use crate::protocol::v2::state::{Lock, PeerState, V2Peer};
use crate::protocol::{BlockRef, Node, Services};

/// A member's word on one part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartVote {
    /// Locked for this block (or already committed it).
    Yes,
    /// Locked for another block, or the part spends an owner already replaced.
    No,
    /// Behind on the token without a certificate to catch up: no word.
    Abstain,
}

/// Drops the locks made moot: the member's mapping of the token moved past the locked owner.
pub fn prune_locks(ps: &mut PeerState, world: &Services) {
    let PeerState {
        store, protocol, ..
    } = ps;
    protocol.locks.retain(|p| {
        let mine = stored_mapping(store, p.token);
        mine.block == p.last
            || world
                .bodies
                .owner_time(p.last)
                .is_some_and(|t| t >= mine.time)
    });
}

/// The member judges part `i` of `block`, taking the lock if it is free: of every pending
/// proposal it holds that spends the same (token, owner), the smallest block id gets it, so
/// twins heard within the waiting window converge on one. Ids hash the block's content
/// (`BlockIds::ContentHash`): only a signer of a spend can grind its id, by its nonce.
pub fn judge_part<const T: bool>(
    node: &mut Node<'_, '_, V2Peer, T>,
    block: BlockRef,
    i: usize,
) -> PartVote {
    let Node { state: ps, io } = node;
    let world = io.world;
    let (idx, block) = (block.idx, block.body);
    let part = block.parts[i];
    let mine = ps.mapping(part.token);
    if same_content(world, mine.block, idx) {
        return PartVote::Yes;
    }
    if !same_content(world, mine.block, part.last) {
        return if part.last_time > mine.time {
            PartVote::Abstain
        } else {
            PartVote::No
        };
    }
    if let Some(l) = ps
        .protocol
        .locks
        .iter_mut()
        .find(|p| p.token == part.token && p.last == part.last)
    {
        if l.block == idx {
            return PartVote::Yes;
        }
        if same_block(world, l, block) {
            // Its owner re-submitted the block the lock is for: the lock follows the new entry.
            l.block = idx;
            return PartVote::Yes;
        }
        return PartVote::No;
    }
    // The smallest id among the pending proposals spending (token, last) gets the lock.
    let mut best = (block.id, idx);
    for e in &ps.mempool {
        if e.block == idx || e.state != EntryState::Pending || e.role != Role::Relay {
            continue;
        }
        let Some(other) = world.bodies.get(e.block) else {
            continue;
        };
        if other.id < best.0
            && world.now < other.expires(world.params.entry_ttl)
            && other
                .parts
                .iter()
                .any(|q| q.token == part.token && q.last == part.last)
        {
            best = (other.id, e.block);
        }
    }
    ps.protocol.locks.push(Lock {
        token: part.token,
        last: part.last,
        block: best.1,
        id: best.0,
    });
    if best.1 == idx {
        PartVote::Yes
    } else {
        PartVote::No
    }
}

/// Whether blocks `a` and `b` are one block: the same entry, or one the other's re-submission
/// (same id and parts, while both bodies are held). A member that took a late-revealed
/// certificate for a block stores it under its first entry, the owner's next spend names the
/// re-submission: one block, as its hash would say.
#[inline]
fn same_content(
    world: &Services,
    a: crate::model::ids::BlockIdx,
    b: crate::model::ids::BlockIdx,
) -> bool {
    a == b
        || match (world.bodies.get(a), world.bodies.get(b)) {
            (Some(x), Some(y)) => x.id == y.id && x.parts == y.parts,
            _ => false,
        }
}

/// Whether `block` is the block lock `l` is for, re-submitted: the same id (the hash of its
/// parts and nonce) and, while the locked entry's body is held, the same parts (against a
/// collision of the 64-bit hash).
fn same_block(world: &Services, l: &Lock, block: &crate::model::blocks::Block) -> bool {
    l.id == block.id
        && world
            .bodies
            .get(l.block)
            .is_none_or(|locked| locked.parts == block.parts)
}
