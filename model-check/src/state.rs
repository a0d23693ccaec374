//! The model's state: the honest members, the submissions, and what follows from them
//! (who holds a certificate, what an origin replies).

use crate::committee::Committee;
use crate::scenario::OriginKind;

/// The two conflicting blocks: both spend the one (token, owner).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Block {
    X,
    Y,
}

impl Block {
    /// The block's bit in a member's sets of blocks.
    pub const fn bit(self) -> u8 {
        match self {
            Block::X => 1,
            Block::Y => 2,
        }
    }
}

/// The bit of submission `index` in a member's sets of submissions.
pub const fn submission_bit(index: usize) -> u8 {
    1 << index
}

/// A block proposed through one origin. Its proposal stays in the network for good (a member
/// may receive it any number of times, in any order), until the origin's window expires.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Submission {
    pub block: Block,
    pub origin: OriginKind,
    pub expired: bool,
    /// An honest owner's re-submission never expires: the model's one synchrony assumption
    /// (after the first time-out, the window outlasts the network's delay).
    pub may_expire: bool,
    /// Byzantine members' yes votes that reached this (honest) origin before expiry.
    pub byzantine_votes: u8,
}

/// One honest member's view of the token. Sets are bitsets (`Block::bit`, `submission_bit`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Member {
    /// The block whose certificate it saw: its new stored owner, after which it votes no on
    /// every other spend of the old (token, owner).
    pub moved_to: Option<Block>,
    /// The submission it locked (token, owner) for; the lock is on that submission's block,
    /// and a status query about it goes to that submission's origin.
    pub lock: Option<u8>,
    /// Blocks it signed a yes vote for (what certificates are made of).
    pub signed_yes: u8,
    /// Blocks it signed "I did not and will not vote for" (`LockRule::ReleaseCertificate`).
    pub renounced: u8,
    /// Submissions whose origin its yes vote was sent to.
    pub votes_sent: u8,
    /// Submissions whose honest origin received its vote before expiry.
    pub votes_received: u8,
}

/// The whole model state. Members are kept sorted (`canonical`): honest members are
/// interchangeable, so the sort is a symmetry reduction done inside the model, which keeps
/// breadth-first search (which has no symmetry option) exhaustive and its paths replayable.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct State {
    pub members: Vec<Member>,
    pub submissions: Vec<Submission>,
}

impl State {
    /// Sorts the members, the representative of the state's symmetry class.
    pub fn canonical(mut self) -> Self {
        self.members.sort_unstable();
        self
    }

    /// Honest members that signed a yes vote for `block`.
    pub fn honest_yes(&self, block: Block) -> u8 {
        self.members
            .iter()
            .filter(|m| m.signed_yes & block.bit() != 0)
            .count() as u8
    }

    /// Whether Q distinct members' yes votes for `block` exist: the honest ones as cast, the
    /// Byzantine ones freely. Whoever sees those votes on the network can assemble it.
    pub fn valid_certificate(&self, committee: Committee, block: Block) -> bool {
        self.honest_yes(block) + committee.byzantine >= committee.quorum
    }

    /// Whether honest origin of submission `index` counted a quorum before expiry.
    pub fn honest_origin_certified(&self, committee: Committee, index: usize) -> bool {
        let received = self
            .members
            .iter()
            .filter(|m| m.votes_received & submission_bit(index) != 0)
            .count() as u8;
        received + self.submissions[index].byzantine_votes >= committee.quorum
    }

    /// Whether some party that passes certificates on holds one for `block`: an honest origin
    /// that counted a quorum pushes it to every member; a Byzantine origin may reveal any that
    /// the votes cast allow; a withholding origin never does.
    pub fn certificate_pushed(&self, committee: Committee, block: Block) -> bool {
        self.submissions.iter().enumerate().any(|(i, s)| {
            s.block == block
                && match s.origin {
                    OriginKind::Honest => self.honest_origin_certified(committee, i),
                    OriginKind::Withholding => false,
                    OriginKind::Byzantine => self.valid_certificate(committee, block),
                }
        })
    }

    /// Whether submission `index`'s origin answers a status query with "timed out": only after
    /// expiry; an honest origin only if it counted no quorum, a dishonest one always (a lie).
    pub fn origin_replies_timed_out(&self, committee: Committee, index: usize) -> bool {
        let s = self.submissions[index];
        s.expired
            && match s.origin {
                OriginKind::Honest => !self.honest_origin_certified(committee, index),
                OriginKind::Withholding | OriginKind::Byzantine => true,
            }
    }

    /// Honest members that signed "I did not and will not vote for `block`".
    pub fn honest_renouncers(&self, block: Block) -> u8 {
        self.members
            .iter()
            .filter(|m| m.renounced & block.bit() != 0)
            .count() as u8
    }

    /// Whether an honest party (an honest origin, or a member that stored it as the owner)
    /// holds a certificate for `block`: what an honest owner waits for.
    pub fn certified_for_honest_parties(&self, committee: Committee, block: Block) -> bool {
        self.members.iter().any(|m| m.moved_to == Some(block))
            || self.submissions.iter().enumerate().any(|(i, s)| {
                s.block == block
                    && s.origin == OriginKind::Honest
                    && self.honest_origin_certified(committee, i)
            })
    }
}
