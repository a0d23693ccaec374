//! Which worker thread runs which chunk of peers.

use std::sync::atomic::{AtomicU64, Ordering};

/// Which thread runs which chunk: thread `t` of `T` owns the `t`-th of `T` equal runs of
/// chunks, takes its own from the front and, once they are done, takes others' from the back.
///
/// A chunk thus runs on the same thread pass after pass unless the load is uneven, so a
/// peer's lists are mostly freed on the thread that allocated them (under rayon's splitting
/// the allocator's per-thread heaps each kept pages for every peer). Which thread runs a
/// chunk never changes what the chunk computes, so the digest does not depend on it.
pub(crate) struct ChunkClaims {
    /// Per run: its next front and one past its back, packed as `front << 32 | back`.
    runs: Vec<AtomicU64>,
}

impl ChunkClaims {
    pub(crate) fn new(chunks: usize, threads: usize) -> Self {
        let threads = threads.clamp(1, chunks.max(1));
        let runs = (0..threads)
            .map(|t| {
                let (front, back) = (chunks * t / threads, chunks * (t + 1) / threads);
                AtomicU64::new(((front as u64) << 32) | back as u64)
            })
            .collect();
        Self { runs }
    }

    /// The next chunk for thread `thread`, or `None` when every chunk is taken.
    pub(crate) fn next(&self, thread: usize) -> Option<usize> {
        let n = self.runs.len();
        (0..n).find_map(|k| {
            let own = k == 0;
            let run = &self.runs[(thread + k) % n];
            let mut packed = run.load(Ordering::Relaxed);
            loop {
                let (front, back) = (packed >> 32, packed & 0xFFFF_FFFF);
                if front >= back {
                    return None;
                }
                let (claimed, next) = if own {
                    (front, ((front + 1) << 32) | back)
                } else {
                    (back - 1, (front << 32) | (back - 1))
                };
                match run.compare_exchange_weak(packed, next, Ordering::AcqRel, Ordering::Relaxed) {
                    Ok(_) => return Some(claimed as usize),
                    Err(now) => packed = now,
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::ChunkClaims;

    #[test]
    fn every_chunk_is_claimed_once_owners_first() {
        for (chunks, threads) in [(16, 2), (16, 3), (5, 8), (1, 1), (16, 1)] {
            let claims = ChunkClaims::new(chunks, threads);
            let first = claims.next(0);
            assert_eq!(first, Some(0), "{chunks} chunks, {threads} threads");
            let mut seen = vec![first.unwrap()];
            while let Some(i) = claims.next(0) {
                seen.push(i);
            }
            seen.sort_unstable();
            assert_eq!(seen, (0..chunks).collect::<Vec<_>>());
        }
        // Thread 1 of 2 starts at its own half, then steals from the back of the other's.
        let claims = ChunkClaims::new(16, 2);
        assert_eq!(claims.next(1), Some(8));
        assert_eq!(claims.next(0), Some(0));
        for _ in 9..16 {
            claims.next(1);
        }
        assert_eq!(claims.next(1), Some(7));
    }
}
