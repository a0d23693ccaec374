//! Peers a node learned from their votes, without a seeded link: the original trusts their
//! word (`receive.rs::trusted`), bounded by `learned_peers`.

use crate::model::ids::PeerIdx;

/// The most room a learned-peer list takes at its first allocation.
///
/// Every peer's list fills to its cap in a long enough run (at 50k peers, 1.1 M of the 1.6 M
/// slots are taken by tick 500 and all by tick ~3,000), so growing it step by step only
/// spread the same bytes over more ticks and left freed blocks behind: peak RSS crept up with
/// the run's length. Caps up to this size are allocated whole at the first learned peer;
/// larger ones grow as usual from there.
pub const LEARNED_RESERVE_MAX: usize = 64;

/// Learned peers, oldest first.
#[derive(Clone, Debug, Default)]
pub struct Learned(Vec<PeerIdx>);

impl Learned {
    #[inline]
    pub fn knows(&self, p: PeerIdx) -> bool {
        self.0.contains(&p)
    }

    /// Adds a peer learned from a vote, forgetting the oldest beyond `cap`.
    pub fn learn(&mut self, p: PeerIdx, cap: usize) {
        if cap == 0 || self.0.contains(&p) {
            return;
        }
        if self.0.len() >= cap {
            self.0.remove(0);
        } else if self.0.capacity() == 0 {
            self.0.reserve_exact(cap.min(LEARNED_RESERVE_MAX));
        }
        self.0.push(p);
    }

    pub fn as_slice(&self) -> &[PeerIdx] {
        &self.0
    }

    /// Bytes the list holds on the heap.
    pub fn heap_bytes(&self) -> usize {
        self.0.capacity() * std::mem::size_of::<PeerIdx>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learned_peers_are_bounded() {
        let mut l = Learned::default();
        for i in 0..10 {
            l.learn(i, 4);
        }
        assert_eq!(l.as_slice(), &[6, 7, 8, 9]);
    }

    #[test]
    fn a_learned_list_is_allocated_once() {
        let mut l = Learned::default();
        assert_eq!(l.0.capacity(), 0);
        for i in 0..32 {
            l.learn(i, 32);
            assert_eq!(l.0.capacity(), 32, "after {} peers", i + 1);
        }
        l.learn(99, 32);
        assert_eq!((l.0.len(), l.0.capacity()), (32, 32));
        assert_eq!((l.0[0], l.0[31]), (1, 99));

        let mut wide = Learned::default();
        wide.learn(0, 1000);
        assert_eq!(wide.0.capacity(), LEARNED_RESERVE_MAX);
    }
}
