//! Software prefetch of peer state.
//!
//! Deliveries and votes jump from peer to peer, and each peer's entries and remembered
//! verdicts live in their own allocations, so every first touch is a cache miss. The systems
//! know which peers come next, so they ask for those peers' state a few steps ahead: the
//! misses then overlap with useful work instead of stalling it (the profile showed the
//! delivery and vote loops waiting on exactly these loads).

use crate::model::ids::BlockIdx;
use crate::model::peer::{PeerPart, PeerState};

/// How many peers ahead the vote sweep prefetches mempools.
pub const AHEAD: usize = 4;

/// At most this much of a mempool is prefetched (a few entries; pools are usually smaller).
const MAX_BYTES: usize = 640;

/// Starts loading `bytes` bytes from `p` into cache.
#[inline(always)]
fn lines<T>(p: *const T, bytes: usize) {
    let p = p as *const i8;
    #[cfg(target_arch = "x86_64")]
    for offset in (0..bytes).step_by(64) {
        // SAFETY: prefetch is a hint; it never faults, whatever the address.
        unsafe {
            use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
            _mm_prefetch(p.wrapping_add(offset), _MM_HINT_T0);
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (p, bytes);
}

/// Starts loading a slice's elements into cache.
#[inline(always)]
pub fn slice<T>(s: &[T]) {
    if !s.is_empty() {
        lines(s.as_ptr(), std::mem::size_of_val(s));
    }
}

/// Starts loading a value into cache.
#[inline(always)]
pub fn value<T>(v: &T) {
    lines(v as *const T, std::mem::size_of::<T>());
}

/// Starts loading the first entries of `ps`'s mempool into cache.
#[inline(always)]
pub fn mempool<S: PeerPart>(ps: &PeerState<S>) {
    if ps.mempool.is_empty() {
        return;
    }
    let bytes = (ps.mempool.len() * std::mem::size_of_val(&ps.mempool[0])).min(MAX_BYTES);
    lines(ps.mempool.as_ptr(), bytes);
}

/// Starts loading what a message about `block` will read at `ps`: the block's entry if the
/// peer has one, else its remembered verdicts; and what the protocol's part will read.
/// `ps` itself should already be in cache.
#[inline(always)]
pub fn state_for<S: PeerPart>(ps: &PeerState<S>, block: BlockIdx) {
    ps.protocol.prefetch();
    match ps.find(block) {
        Ok(i) => {
            // Only the address: reading the entry (to follow spilled views, say) would stall
            // on the very miss this starts.
            value(&ps.mempool[i]);
        }
        Err(_) => {
            if let Some(node) = ps.remembered.first_node() {
                value(node);
            }
        }
    }
}
