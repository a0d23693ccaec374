//! How peers are cut into fixed chunks of work (independent of the thread count).

use crate::model::ids::PeerIdx;

/// How peers are cut into chunks of work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkPlan {
    pub peers: u32,
    pub size: u32,
    pub count: u32,
    /// `u64::MAX / size + 1`: turns `p / size` into a multiply on the send path (Lemire's
    /// exact division for 32-bit operands), where a hardware divide was a visible cost.
    reciprocal: u64,
}

impl ChunkPlan {
    /// Chunks of at least 256 peers, at most 16 of them: enough to balance the 2..8 threads
    /// of the machines this runs on; few enough that the chunks x chunks x wheel-slot message
    /// buffers stay large and few (their slack is what costs memory).
    pub fn new(peers: u32) -> Self {
        let size = peers.div_ceil(16).max(256).min(peers.max(1));
        Self {
            peers,
            size,
            count: peers.div_ceil(size),
            reciprocal: (u64::MAX / size as u64).wrapping_add(1),
        }
    }

    #[inline]
    pub fn chunk_of(&self, p: PeerIdx) -> usize {
        if self.size == 1 {
            // The reciprocal of 1 wraps to 0.
            return p as usize;
        }
        ((self.reciprocal as u128 * p as u128) >> 64) as usize
    }

    pub fn first(&self, chunk: usize) -> PeerIdx {
        chunk as u32 * self.size
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_plan_covers_all_peers() {
        for n in [16, 255, 256, 1000, 50_000, 1_000_000] {
            let plan = ChunkPlan::new(n);
            assert!(plan.count <= 16 && plan.count >= 1);
            assert_eq!(plan.chunk_of(n - 1), plan.count as usize - 1);
            for p in (0..n).step_by(97).chain([n - 1]) {
                assert_eq!(plan.chunk_of(p), (p / plan.size) as usize);
            }
        }
        let one = ChunkPlan::new(1);
        assert_eq!(one.chunk_of(0), 0);
    }
}
