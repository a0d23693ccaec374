//! Software prefetch of a peer's mempool.
//!
//! Systems walk peers in order, but each peer's entries live in their own allocation, so
//! every first touch is a cache miss; asking for the entries a few peers ahead hides most of
//! that latency (the profile showed the vote and delivery loops stalled on exactly these loads).

use crate::peer::PeerState;

/// How many peers ahead to prefetch.
pub const AHEAD: usize = 4;

/// At most this much of a mempool is prefetched (a few entries; pools are usually smaller).
const MAX_BYTES: usize = 640;

/// Starts loading the first entries of `ps`'s mempool into cache.
#[inline(always)]
pub fn mempool(ps: &PeerState) {
    if ps.mempool.is_empty() {
        return;
    }
    let p = ps.mempool.as_ptr() as *const i8;
    let bytes = (ps.mempool.len() * std::mem::size_of_val(&ps.mempool[0])).min(MAX_BYTES);
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
