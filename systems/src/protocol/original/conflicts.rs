//! D3, the conflict rule: of two pending blocks spending the same (token, owner), a peer
//! votes 0 on the one with the larger block id for as long as both are pending.

use super::state::PeerState;
use crate::engine::bodies::Bodies;
use crate::model::ids::{BlockIdx, TokenIdx};
use crate::model::peer::{Body, EntryState, PendingSet};
use crate::protocol::BlockRef;

/// D3: of two pending blocks spending the same (token, owner), this peer votes 0 on the one
/// with the larger block id for as long as both are pending. Recomputed only when the set of
/// pending blocks with known bodies changed.
pub fn mark_suppressed_claims(ps: &mut PeerState, bodies: Bodies, arena: &bumpalo::Bump) {
    if ps.pending_set == PendingSet::Seen {
        return;
    }
    ps.pending_set = PendingSet::Seen;
    let mut claims: bumpalo::collections::Vec<'_, (TokenIdx, BlockIdx, u64, u32, u8)> =
        bumpalo::collections::Vec::new_in(arena);
    for (ei, e) in ps.mempool.iter_mut().enumerate() {
        e.protocol.suppressed = 0;
        if e.state != EntryState::Pending || e.body != Body::Known {
            continue;
        }
        let Some(b) = bodies.get(e.block) else {
            continue;
        };
        for (i, p) in b.parts.iter().enumerate() {
            claims.push((p.token, p.last, b.id, ei as u32, i as u8));
        }
    }
    if claims.len() < 2 {
        return;
    }
    claims.sort_unstable();
    for w in claims.windows(2) {
        let (a, b) = (w[0], w[1]);
        if a.0 == b.0 && a.1 == b.1 && a.2 != b.2 {
            ps.mempool[b.3 as usize].protocol.suppressed |= 1 << b.4;
        }
    }
}

/// D3 for a single block: the parts of `block` that another pending block with a smaller id,
/// whose body this peer holds, spends from the same owner. The same rule as
/// [`mark_suppressed_claims`], for answering one vote request without sorting the whole mempool.
pub fn outvoted_parts(ps: &PeerState, block: BlockRef, bodies: Bodies) -> u8 {
    let (idx, block) = (block.idx, block.body);
    let mut bits = 0u8;
    for e in &ps.mempool {
        if e.block == idx || e.state != EntryState::Pending || e.body != Body::Known {
            continue;
        }
        let Some(other) = bodies.get(e.block) else {
            continue;
        };
        if other.id >= block.id {
            continue;
        }
        for (i, p) in block.parts.iter().enumerate() {
            if other
                .parts
                .iter()
                .any(|q| q.token == p.token && q.last == p.last)
            {
                bits |= 1 << i;
            }
        }
    }
    bits
}
