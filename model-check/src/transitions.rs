//! The actions and what each does to the state. An action that would change nothing is not
//! enabled (`step` returns `None`), so a state with no enabled action is terminal.

use crate::scenario::{LockRule, OriginKind, OwnerKind, Scenario};
use crate::state::{Block, Member, State, Submission, submission_bit};

/// One step of the system. Member indices are positions in the (sorted) state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// The network hands a member a submission's proposal (again, possibly): it judges it.
    DeliverProposal { submission: u8, member: u8 },
    /// A member's yes vote reaches the submission's honest origin.
    DeliverVote { submission: u8, member: u8 },
    /// One more Byzantine member's yes vote reaches the submission's honest origin.
    ByzantineVote { submission: u8 },
    /// The submission's window runs out.
    Expire { submission: u8 },
    /// A member gives up its lock as its rule allows (status query and reply, or a release
    /// certificate, folded into the one step).
    ReleaseLock { member: u8 },
    /// Asked (by anyone, at any time), a member that never voted yes for `block` signs
    /// "I did not and will not vote for it" (`LockRule::ReleaseCertificate` only).
    Renounce { member: u8, block: Block },
    /// A certificate for `block` reaches a member, which stores `block` as the new owner.
    DeliverCertificate { block: Block, member: u8 },
    /// The honest owner, told "timed out" by its first origin, submits once more through an
    /// honest one.
    OwnerResubmits,
}

/// The state after `action`, or `None` if the action is not enabled or changes nothing.
pub fn step(scenario: &Scenario, state: &State, action: Action) -> Option<State> {
    let committee = scenario.committee;
    let mut next = state.clone();
    match action {
        Action::DeliverProposal { submission, member } => {
            let index = usize::from(submission);
            let proposed = *state.submissions.get(index)?;
            if proposed.expired {
                return None;
            }
            let m = next.members.get_mut(usize::from(member))?;
            if judge(scenario.rule, &state.submissions, m, index) {
                m.signed_yes |= proposed.block.bit();
                m.votes_sent |= submission_bit(index);
            }
        }
        Action::DeliverVote { submission, member } => {
            let index = usize::from(submission);
            let s = state.submissions.get(index)?;
            if s.expired || s.origin != OriginKind::Honest {
                return None;
            }
            let m = next.members.get_mut(usize::from(member))?;
            if m.votes_sent & submission_bit(index) != 0 {
                m.votes_received |= submission_bit(index);
            }
        }
        Action::ByzantineVote { submission } => {
            let s = next.submissions.get_mut(usize::from(submission))?;
            let counted = scenario.byzantine_members_vote
                && !s.expired
                && s.origin == OriginKind::Honest
                && s.byzantine_votes < committee.byzantine;
            if !counted {
                return None;
            }
            s.byzantine_votes += 1;
        }
        Action::Expire { submission } => {
            let s = next.submissions.get_mut(usize::from(submission))?;
            if !s.may_expire || s.expired {
                return None;
            }
            s.expired = true;
        }
        Action::ReleaseLock { member } => {
            let m = next.members.get_mut(usize::from(member))?;
            let locked = usize::from(m.lock?);
            let released = match scenario.rule {
                LockRule::ReleaseOnOriginReply => state.origin_replies_timed_out(committee, locked),
                LockRule::ReleaseCertificate => {
                    let block = state.submissions[locked].block;
                    state.honest_renouncers(block) >= committee.honest_renouncers_to_release()
                }
                LockRule::OwnedObject | LockRule::VoteForEverything => false,
            };
            if !released {
                return None;
            }
            m.lock = None;
        }
        Action::Renounce { member, block } => {
            let submitted = state.submissions.iter().any(|s| s.block == block);
            let m = next.members.get_mut(usize::from(member))?;
            if scenario.rule != LockRule::ReleaseCertificate
                || !submitted
                || m.signed_yes & block.bit() != 0
            {
                return None;
            }
            m.renounced |= block.bit();
        }
        Action::DeliverCertificate { block, member } => {
            if !state.certificate_pushed(committee, block) {
                return None;
            }
            let m = next.members.get_mut(usize::from(member))?;
            if m.moved_to.is_some() {
                return None;
            }
            m.moved_to = Some(block);
            // The lock was on the old owner, which is gone: it no longer matters.
            m.lock = None;
        }
        Action::OwnerResubmits => {
            let waiting = scenario.owner == OwnerKind::Honest
                && state.submissions.len() == 1
                && state.origin_replies_timed_out(committee, 0);
            if !waiting {
                return None;
            }
            let block = if scenario.rule.resubmits_same_block() {
                Block::X
            } else {
                Block::Y
            };
            next.submissions.push(Submission {
                block,
                origin: OriginKind::Honest,
                expired: false,
                may_expire: false,
                byzantine_votes: 0,
            });
        }
    }
    let next = next.canonical();
    (next != *state).then_some(next)
}

/// Whether honest member `m` votes yes for submission `index`, taking the lock if it is free.
fn judge(rule: LockRule, submissions: &[Submission], m: &mut Member, index: usize) -> bool {
    let block = submissions[index].block;
    if rule == LockRule::VoteForEverything {
        return true;
    }
    if m.renounced & block.bit() != 0 {
        return false;
    }
    if let Some(owner) = m.moved_to {
        // v2 answers a proposal of the block it already stores as the owner with yes.
        return owner == block;
    }
    match m.lock {
        Some(locked) => submissions[usize::from(locked)].block == block,
        None => {
            m.lock = Some(index as u8);
            true
        }
    }
}
