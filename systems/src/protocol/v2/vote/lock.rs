//! Vote = lock. A member that stores `last` as a token's owner locks (token, last) for one
//! block and votes yes for that block only; the lock is never given to a second block while
//! the first can still commit. Locks are `PeerState::promises` with no expiry of their own
//! (`until` = never): v2 drops a lock only once the member's mapping moved past its owner, or
//! replaces it once its block expired uncommitted (asking that block's origin first).

use super::super::certificate::certified;
use crate::model::ids::Tick;
use crate::model::message::Message;
use crate::model::peer::{EntryState, Mapping, PeerState, Promise, Role, stored_mapping};
use crate::protocol::v2::message::V2Kind;
use crate::protocol::{BlockRef, Node, Services};

/// A lock that `collect_garbage` never drops: v2 manages its locks itself.
pub const LOCK_HELD: Tick = Tick::MAX;

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
        store, promises, ..
    } = ps;
    promises.retain(|p| {
        let mine = stored_mapping(store, p.token);
        mine.block == p.last
            || world
                .bodies
                .owner_time(p.last)
                .is_some_and(|t| t >= mine.time)
    });
}

/// Whether the block a lock is held for may still commit (or did): its lifetime has not run
/// out, or it is certified. Once the book no longer holds it, it expired long ago, and it can
/// have committed only if the token's certified head moved past the locked owner (`mine`, the
/// member's mapping, which the lock is on).
fn may_commit(world: &Services, lock: &Promise, mine: Mapping) -> bool {
    match world.bodies.get(lock.block) {
        None => world.oracle.certified_head(lock.token).time > mine.time,
        Some(block) => {
            world.now < block.expires(world.params.entry_ttl) || certified(world, lock.block)
        }
    }
}

/// The member judges part `i` of `block`, taking the lock if it is free: of every pending
/// proposal it holds that spends the same (token, owner), the smallest block id gets it, so
/// twins heard within the waiting window converge on one.
pub fn judge_part<const T: bool>(
    node: &mut Node<'_, '_, T>,
    block: BlockRef,
    i: usize,
) -> PartVote {
    let Node { state: ps, io } = node;
    let (me, world) = (io.me, io.world);
    let (idx, block) = (block.idx, block.body);
    let part = block.parts[i];
    let mine = ps.mapping(part.token);
    if mine.block == idx {
        return PartVote::Yes;
    }
    if mine.block != part.last {
        return if part.last_time > mine.time {
            PartVote::Abstain
        } else {
            PartVote::No
        };
    }
    let lock = ps
        .promises
        .iter()
        .find(|p| p.token == part.token && p.last == part.last)
        .copied();
    match lock {
        Some(l) if l.block == idx => return PartVote::Yes,
        Some(l) if may_commit(world, &l, mine) => return PartVote::No,
        Some(l) => {
            // The locked block expired uncommitted: ask its origin for its outcome (the
            // answer is final, the simulator reads it now) and release the lock.
            // Charged to the locked block while the book holds it, else to the one judged.
            io.charge(world.bodies.get(l.block).map_or(idx, |_| l.block), 1);
            let query = Message::plain(V2Kind::StatusQuery, me, l.origin, l.block, world.now);
            io.send(query);
            ps.promises
                .retain(|p| !(p.token == part.token && p.last == part.last));
        }
        None => {}
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
    ps.promises.push(Promise {
        token: part.token,
        last: part.last,
        block: best.1,
        origin: world.bodies.get(best.1).map_or(block.origin, |b| b.origin),
        until: LOCK_HELD,
    });
    if best.1 == idx {
        PartVote::Yes
    } else {
        PartVote::No
    }
}
