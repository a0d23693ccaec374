//! A peer's remembered verdicts, kept in nodes of one fixed size.
//!
//! A peer's verdict count swings with the blocks near it. As a `Vec`, each list moved between
//! several allocator size classes as it swung, and the allocator keeps each class at its own
//! peak, so peak RSS rose with the run's length. Nodes of one size keep every verdict list in
//! one size class, so a node freed by one peer serves the next peer's verdicts
//! (BENCHMARKS.md, "Design history").

use crate::model::ids::{BlockIdx, Tick};
use smallvec::SmallVec;

/// A verdict is gone for `get` once its tick has passed, but stays in the list up to this
/// many ticks longer: the collector removes run-out verdicts in batches, walking a peer's list
/// once per batch rather than once per verdict.
pub const FORGET_LAG: Tick = 16;

/// How a peer decided a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Committed,
    Blocked,
}

/// A decided block, remembered until `until` so later votes for it get an echo.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settled {
    pub block: BlockIdx,
    pub until: Tick,
    pub verdict: Verdict,
}

/// Records per node. A node keeps its fields in separate arrays: seven block indices, seven
/// expiry ticks, the seven verdicts as bits and the list's earliest expiry make 61 bytes, the
/// allocator's 64-byte class, one cache line, so most peers' lists fit one node.
pub const NODE: usize = 7;

/// One node of records; slot `i` of each array, and bit `i` of `blocked`, belong to the same
/// record.
#[derive(Clone, Debug)]
pub struct Node {
    blocks: [BlockIdx; NODE],
    until: [Tick; NODE],
    /// Bit i set: record i's verdict is `Blocked`.
    blocked: u8,
    /// The first node only: the earliest `until` of the whole list, so the collector learns
    /// whether anything runs out without walking it (`Verdicts::earliest`).
    earliest: Tick,
}

/// Marks a free slot: no block ever gets this index.
const FREE: BlockIdx = BlockIdx::MAX;

impl Node {
    fn empty() -> Box<Self> {
        Box::new(Node {
            blocks: [FREE; NODE],
            until: [0; NODE],
            blocked: 0,
            earliest: Tick::MAX,
        })
    }

    /// The slots holding `block`, as a bit set. Every slot is compared, with no branch per
    /// slot (the slot a verdict sits in is random); the lookup's time is the node's miss.
    #[inline]
    fn matches(&self, block: BlockIdx) -> u32 {
        let mut bits = 0;
        for (i, &b) in self.blocks.iter().enumerate() {
            bits |= ((b == block) as u32) << i;
        }
        bits
    }

    #[inline]
    fn verdict(&self, i: usize) -> Verdict {
        match self.blocked & (1 << i) != 0 {
            true => Verdict::Blocked,
            false => Verdict::Committed,
        }
    }

    fn record(&self, i: usize) -> Settled {
        Settled {
            block: self.blocks[i],
            until: self.until[i],
            verdict: self.verdict(i),
        }
    }

    fn set(&mut self, i: usize, s: Settled) {
        self.blocks[i] = s.block;
        self.until[i] = s.until;
        match s.verdict {
            Verdict::Blocked => self.blocked |= 1 << i,
            Verdict::Committed => self.blocked &= !(1 << i),
        }
    }
}

/// Remembered verdicts in no particular order. Every node is full except the last, whose free
/// slots hold `FREE`. The first two node pointers (14 verdicts) sit inline in the peer; more
/// spill to a small list of node pointers.
#[derive(Clone, Debug, Default)]
pub struct Verdicts {
    nodes: SmallVec<[Box<Node>; 2]>,
}

impl Verdicts {
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Nodes allocated (for memory accounting).
    pub fn nodes(&self) -> usize {
        self.nodes.len()
    }

    /// The verdict on `block` at tick `now`, if it is remembered and has not run out (a
    /// verdict is remembered through the tick `until`).
    #[inline]
    pub fn get(&self, block: BlockIdx, now: Tick) -> Option<Verdict> {
        debug_assert!(block != FREE);
        self.nodes.iter().find_map(|node| {
            let bits = node.matches(block);
            let i = bits.trailing_zeros() as usize;
            (bits != 0 && node.until[i] >= now).then(|| node.verdict(i))
        })
    }

    /// When the collector next has work here: `FORGET_LAG` after the earliest verdict runs
    /// out.
    #[inline]
    pub fn collect_due(&self) -> Tick {
        self.earliest().saturating_add(FORGET_LAG)
    }

    pub fn iter(&self) -> impl Iterator<Item = Settled> + '_ {
        self.nodes
            .iter()
            .flat_map(|node| (0..NODE).map(|i| node.record(i)))
            .take_while(|s| s.block != FREE)
    }

    /// The earliest `until` among the records (`Tick::MAX` when there are none).
    #[inline]
    pub fn earliest(&self) -> Tick {
        self.nodes.first().map_or(Tick::MAX, |n| n.earliest)
    }

    pub fn push(&mut self, settled: Settled) {
        debug_assert!(settled.block != FREE);
        let earliest = self.earliest().min(settled.until);
        if let Some(last) = self.nodes.last_mut()
            && let Some(slot) = last.blocks.iter().position(|&b| b == FREE)
        {
            last.set(slot, settled);
        } else {
            let mut node = Node::empty();
            node.set(0, settled);
            self.nodes.push(node);
        }
        self.nodes[0].earliest = earliest;
    }

    pub fn to_vec(&self) -> Vec<Settled> {
        self.iter().collect()
    }

    /// Keeps the verdicts for which `keep` says so, in order, and frees emptied nodes.
    pub fn retain(&mut self, mut keep: impl FnMut(&Settled) -> bool) {
        let mut kept = 0;
        let mut earliest = Tick::MAX;
        for read in 0..self.nodes.len() * NODE {
            let s = self.nodes[read / NODE].record(read % NODE);
            if s.block == FREE {
                break;
            }
            if keep(&s) {
                self.nodes[kept / NODE].set(kept % NODE, s);
                kept += 1;
                earliest = earliest.min(s.until);
            }
        }
        self.nodes.truncate(kept.div_ceil(NODE));
        if kept % NODE != 0
            && let Some(last) = self.nodes.last_mut()
        {
            last.blocks[kept % NODE..].fill(FREE);
        }
        if self.nodes.spilled() && self.nodes.len() <= self.nodes.inline_size() {
            self.nodes.shrink_to_fit();
        }
        if let Some(first) = self.nodes.first_mut() {
            first.earliest = earliest;
        }
    }

    /// The first node's address, for prefetching.
    #[inline]
    pub fn first_node(&self) -> Option<&Node> {
        self.nodes.first().map(|n| &**n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settled(block: BlockIdx) -> Settled {
        Settled {
            block,
            until: block * 2,
            verdict: if block.is_multiple_of(3) {
                Verdict::Blocked
            } else {
                Verdict::Committed
            },
        }
    }

    #[test]
    fn push_get_and_retain_across_nodes() {
        let mut v = Verdicts::default();
        assert!(v.is_empty() && v.get(5, 0).is_none());
        for b in 0..45 {
            v.push(settled(b));
        }
        assert_eq!(v.len(), 45);
        assert_eq!(v.nodes(), 45usize.div_ceil(NODE));
        assert!(v.nodes.spilled());
        for b in 0..45 {
            assert_eq!(v.get(b, 0), Some(settled(b).verdict), "block {b}");
        }
        assert_eq!(v.get(45, 0), None);
        assert_eq!(v.earliest(), 0);

        v.retain(|s| s.block % 8 == 0);
        let kept: Vec<BlockIdx> = v.iter().map(|s| s.block).collect();
        assert_eq!(kept, (0..45).step_by(8).collect::<Vec<_>>());
        assert_eq!(v.nodes(), 1);
        assert!(!v.nodes.spilled(), "back inline");
        assert_eq!(v.get(1, 0), None);
        assert_eq!(v.get(40, 0), Some(settled(40).verdict));
        assert_eq!(v.earliest(), 0);
        v.retain(|s| s.block != 0);
        assert_eq!(v.earliest(), 16, "the earliest kept: block 8's");
        v.push(settled(8));
        assert_eq!(v.earliest(), 16);
        v.push(settled(3));
        assert_eq!(v.earliest(), 6, "a push that runs out sooner");
        v.retain(|s| s.block % 8 == 0 && s.block != 0);

        // An exactly full node, then a fresh one after it.
        for b in 100..100 + NODE as BlockIdx - v.len() as BlockIdx {
            v.push(settled(b));
        }
        assert_eq!((v.len(), v.nodes()), (NODE, 1));
        v.push(settled(200));
        assert_eq!((v.len(), v.nodes()), (NODE + 1, 2));
        assert_eq!(v.get(200, 0), Some(settled(200).verdict));
        assert_eq!(v.get(100, 0), Some(settled(100).verdict));
        v.retain(|_| false);
        assert!(v.is_empty());
        assert_eq!((v.nodes(), v.earliest()), (0, Tick::MAX));
    }

    #[test]
    fn a_node_fills_one_allocator_class() {
        assert_eq!(std::mem::size_of::<Node>(), 64);
        assert_eq!(std::mem::size_of::<Verdict>(), 1);
        assert_eq!(
            std::mem::size_of::<Verdicts>(),
            std::mem::size_of::<Vec<Settled>>()
        );
    }
}
