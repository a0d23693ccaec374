//! Conflict families: a block and every twin raced against it (conflict injection, a
//! double-spending owner) are one submission, and so are its retries (the same block
//! re-submitted after a time-out, v2). A family is committed when one member commits; two
//! members committing is a fork, a safety violation, and is counted as one.

use crate::model::blocks::Outcome;
use crate::model::ids::BlockIdx;
use bevy_ecs::prelude::Resource;
use serde::Serialize;
use smallvec::SmallVec;
use std::collections::HashMap;

/// How a family ended, once every member has an outcome at its origin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FamilyEnd {
    /// Exactly one member committed.
    Committed,
    /// Two or more members committed: the ledger forked.
    Forked,
    /// No member committed, and none timed out: every member was rejected.
    Blocked,
    /// No member committed, and at least one timed out.
    TimedOut,
}

/// Counts of families by how they ended; those not ended yet are in flight.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FamilyTally {
    pub submitted: u64,
    pub committed: u64,
    pub forked: u64,
    pub blocked: u64,
    pub timed_out: u64,
    /// Families with more than one member (a real conflict), and how those ended.
    pub conflicts: u64,
    pub conflicts_one_committed: u64,
    pub conflicts_none_committed: u64,
    pub conflicts_forked: u64,
}

impl FamilyTally {
    /// Families with no end yet.
    pub fn in_flight(&self) -> u64 {
        self.submitted - self.committed - self.forked - self.blocked - self.timed_out
    }
}

#[derive(Clone, Debug, Default)]
struct Open {
    members: u32,
    settled: u32,
    committed: u32,
    timed_out: u32,
    /// Members announced but not submitted yet (a twin submitted after the first expired).
    late: u32,
    /// Retries announced (a member timed out and its owner will submit it again), not yet
    /// submitted; each is counted in `members` already.
    retries_due: u32,
    /// Members that are retries: they make no conflict.
    retries: u32,
    /// The retries' own indices, which name this family until it ends.
    aliases: SmallVec<[BlockIdx; 1]>,
}

/// Whether the owner of a block that timed out will submit it again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retry {
    Planned,
    None,
}

/// Every open family, by its first member, and the tally of those that ended.
#[derive(Resource, Default)]
pub struct Families {
    open: HashMap<BlockIdx, Open>,
    /// A retry's index -> its family's first member.
    alias: HashMap<BlockIdx, BlockIdx>,
    pub tally: FamilyTally,
}

impl Families {
    /// A block was submitted: it starts a family, or joins the one of the block it races.
    /// Twins are submitted in their first member's tick, before any member can settle, or
    /// announced then ([`Families::expect_late_twin`]) and submitted later.
    pub fn on_submit(
        &mut self,
        idx: BlockIdx,
        twin_of: Option<BlockIdx>,
        retry_of: Option<BlockIdx>,
    ) {
        if let Some(first) = retry_of {
            let first = self.key(first);
            if let Some(f) = self.open.get_mut(&first) {
                f.retries_due -= 1;
                f.retries += 1;
                f.aliases.push(idx);
                self.alias.insert(idx, first);
            }
            return;
        }
        match twin_of.map(|t| self.key(t)) {
            None => {
                self.tally.submitted += 1;
                self.open.insert(
                    idx,
                    Open {
                        members: 1,
                        ..Open::default()
                    },
                );
            }
            Some(first) => {
                if let Some(f) = self.open.get_mut(&first) {
                    if f.late > 0 {
                        f.late -= 1;
                    } else {
                        f.members += 1;
                    }
                }
            }
        }
    }

    /// A twin of `first` will be submitted later, after `first` may have settled (a late
    /// double spend): it counts as a member now, so the family stays open until it settles.
    /// The twin must then be submitted, with `twin_of = Some(first)`.
    pub fn expect_late_twin(&mut self, first: BlockIdx) {
        if let Some(f) = self.open.get_mut(&first) {
            f.members += 1;
            f.late += 1;
        }
    }

    /// Open families that already race more than one spend (twins submitted or announced,
    /// retries not counted): conflicts with no end yet, 0 once a run has drained.
    pub fn open_conflicts(&self) -> u64 {
        self.open
            .values()
            .filter(|f| f.members - f.retries - f.retries_due > 1)
            .count() as u64
    }

    /// The family a block belongs to, by its first member.
    fn key(&self, idx: BlockIdx) -> BlockIdx {
        self.alias.get(&idx).copied().unwrap_or(idx)
    }

    /// A retry planned for `family`'s member will not come after all (the run stopped
    /// submitting); returns how the family ended if that was all it waited for.
    pub fn cancel_retry(&mut self, family: BlockIdx) -> Option<FamilyEnd> {
        let first = self.key(family);
        let f = self.open.get_mut(&first)?;
        f.retries_due -= 1;
        f.members -= 1;
        self.close_if_done(first)
    }

    /// A member got its (first) outcome at its origin; `family` names its family (its own
    /// index, or the block it is a twin or retry of). Returns how the family
    /// ended if this was its last open member; with a retry planned it stays open for it.
    pub fn on_outcome(
        &mut self,
        family: BlockIdx,
        outcome: Outcome,
        retry: Retry,
    ) -> Option<FamilyEnd> {
        let first = self.key(family);
        let f = self.open.get_mut(&first)?;
        f.settled += 1;
        match outcome {
            Outcome::Committed => f.committed += 1,
            Outcome::TimedOut => f.timed_out += 1,
            Outcome::Rejected => {}
        }
        if retry == Retry::Planned {
            f.members += 1;
            f.retries_due += 1;
        }
        self.close_if_done(first)
    }

    /// Ends family `first` if every member settled and none is still due.
    fn close_if_done(&mut self, first: BlockIdx) -> Option<FamilyEnd> {
        let f = self.open.get(&first)?;
        if f.settled < f.members {
            return None;
        }
        let f = self.open.remove(&first)?;
        for a in &f.aliases {
            self.alias.remove(a);
        }
        let end = match (f.committed, f.timed_out) {
            (0, 0) => FamilyEnd::Blocked,
            (0, _) => FamilyEnd::TimedOut,
            (1, _) => FamilyEnd::Committed,
            _ => FamilyEnd::Forked,
        };
        let t = &mut self.tally;
        match end {
            FamilyEnd::Committed => t.committed += 1,
            FamilyEnd::Forked => t.forked += 1,
            FamilyEnd::Blocked => t.blocked += 1,
            FamilyEnd::TimedOut => t.timed_out += 1,
        }
        if f.members - f.retries > 1 {
            t.conflicts += 1;
            match end {
                FamilyEnd::Committed => t.conflicts_one_committed += 1,
                FamilyEnd::Forked => t.conflicts_forked += 1,
                FamilyEnd::Blocked | FamilyEnd::TimedOut => t.conflicts_none_committed += 1,
            }
        }
        Some(end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_without_twins_is_a_family_of_one() {
        let mut f = Families::default();
        f.on_submit(0, None, None);
        assert_eq!(f.tally.in_flight(), 1);
        let end = f.on_outcome(0, Outcome::Committed, Retry::None);
        assert_eq!(end, Some(FamilyEnd::Committed));
        assert_eq!(
            (f.tally.committed, f.tally.conflicts, f.tally.in_flight()),
            (1, 0, 0)
        );
    }

    #[test]
    fn a_family_ends_when_its_last_member_settles_and_two_commits_are_a_fork() {
        let mut f = Families::default();
        f.on_submit(4, None, None);
        f.on_submit(5, Some(4), None);
        f.on_submit(6, Some(4), None);
        assert_eq!(f.tally.submitted, 1, "twins are not extra submissions");
        assert_eq!(f.on_outcome(4, Outcome::Committed, Retry::None), None);
        assert_eq!(f.on_outcome(4, Outcome::Committed, Retry::None), None);
        assert_eq!(
            f.on_outcome(4, Outcome::Rejected, Retry::None),
            Some(FamilyEnd::Forked)
        );
        let t = f.tally;
        assert_eq!(
            (t.forked, t.committed, t.conflicts, t.conflicts_forked),
            (1, 0, 1, 1)
        );
    }

    #[test]
    fn a_late_twin_keeps_its_family_open_until_it_settles() {
        let mut f = Families::default();
        f.on_submit(1, None, None);
        f.expect_late_twin(1);
        assert_eq!(
            f.on_outcome(1, Outcome::TimedOut, Retry::None),
            None,
            "the twin is due"
        );
        f.on_submit(9, Some(1), None);
        assert_eq!(
            f.on_outcome(1, Outcome::Committed, Retry::None),
            Some(FamilyEnd::Committed)
        );
        let t = f.tally;
        assert_eq!(
            (t.conflicts, t.conflicts_one_committed, t.in_flight()),
            (1, 1, 0)
        );
    }

    #[test]
    fn a_family_with_no_commit_ends_timed_out_if_any_member_did() {
        let mut f = Families::default();
        f.on_submit(1, None, None);
        f.on_submit(2, Some(1), None);
        f.on_outcome(1, Outcome::Rejected, Retry::None);
        assert_eq!(
            f.on_outcome(1, Outcome::TimedOut, Retry::None),
            Some(FamilyEnd::TimedOut)
        );
        assert_eq!(f.tally.conflicts_none_committed, 1);
    }

    #[test]
    fn a_retry_continues_its_submission_and_makes_no_conflict() {
        let mut f = Families::default();
        f.on_submit(1, None, None);
        assert_eq!(f.on_outcome(1, Outcome::TimedOut, Retry::Planned), None);
        f.on_submit(7, None, Some(1));
        // A twin of the retry joins the same family.
        f.on_submit(8, Some(7), None);
        assert_eq!(f.on_outcome(7, Outcome::Rejected, Retry::None), None);
        assert_eq!(
            f.on_outcome(1, Outcome::Committed, Retry::None),
            Some(FamilyEnd::Committed)
        );
        let t = f.tally;
        assert_eq!((t.submitted, t.committed, t.timed_out), (1, 1, 0));
        assert_eq!(
            (t.conflicts, t.conflicts_one_committed, t.in_flight()),
            (1, 1, 0)
        );
        assert!(
            f.alias.is_empty() && f.open.is_empty(),
            "nothing left behind"
        );
    }

    #[test]
    fn open_conflicts_count_twins_submitted_or_announced_but_not_retries() {
        let mut f = Families::default();
        f.on_submit(1, None, None);
        f.on_submit(2, Some(1), None);
        f.on_submit(3, None, None);
        f.expect_late_twin(3);
        f.on_submit(4, None, None);
        assert_eq!(f.on_outcome(4, Outcome::TimedOut, Retry::Planned), None);
        f.on_submit(5, None, Some(4));
        assert_eq!(
            f.open_conflicts(),
            2,
            "1 with its twin, 3 with its late one; not 4"
        );
        f.on_outcome(1, Outcome::Committed, Retry::None);
        f.on_outcome(1, Outcome::Rejected, Retry::None);
        assert_eq!((f.open_conflicts(), f.tally.conflicts), (1, 1));
    }

    #[test]
    fn a_retry_that_never_comes_ends_its_family_as_timed_out() {
        let mut f = Families::default();
        f.on_submit(1, None, None);
        assert_eq!(f.on_outcome(1, Outcome::TimedOut, Retry::Planned), None);
        assert_eq!(f.cancel_retry(1), Some(FamilyEnd::TimedOut));
        assert_eq!((f.tally.timed_out, f.tally.conflicts), (1, 0));
    }
}
