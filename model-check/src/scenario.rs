//! What one model run assumes: the lock rule the honest members follow, and who is Byzantine
//! besides the committee's `b` members.

use crate::committee::Committee;

/// When an honest member gives up its lock on (token, owner).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LockRule {
    /// Today's v2 (`vote/lock.rs`): once the locked block expired and its origin replies
    /// "timed out" to a status query. A dishonest origin's reply is a lie.
    ReleaseOnOriginReply,
    /// FastPay / Sui owned objects: never, except when the owner moves on (the member sees a
    /// certificate for a block spending (token, owner)).
    OwnedObject,
    /// A lock on X is released on C - Q + b + 1 signed "I did not and will not vote for X".
    ReleaseCertificate,
    /// A known-bad rule for the sanity check: vote yes for every proposal, locks ignored.
    VoteForEverything,
}

impl LockRule {
    /// An honest owner whose block timed out re-submits the same block under the owned-object
    /// rule; under the others it spends (token, owner) again with a new block Y, as a v2 wallet
    /// told "timed out" does today.
    pub const fn resubmits_same_block(self) -> bool {
        matches!(self, LockRule::OwnedObject)
    }
}

/// The token's owner.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OwnerKind {
    /// Submits X; on a "timed out" reply submits once more (X or Y, `resubmits_same_block`)
    /// through a second, honest origin.
    Honest,
    /// Signs X and Y, both spending (token, owner), and submits both from the start.
    DoubleSigning,
}

/// The origin of the owner's first submission (a double-signing owner's both).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OriginKind {
    /// Counts the votes that reach it before expiry, pushes a certificate it holds to every
    /// member, and tells the truth in status replies.
    Honest,
    /// Keeps every certificate to itself forever and replies "timed out" after expiry.
    Withholding,
    /// Withholds, replies "timed out" after expiry, and reveals a certificate that the votes
    /// cast allow to any members it likes, at any time (late included).
    Byzantine,
}

/// One model configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Scenario {
    pub committee: Committee,
    pub rule: LockRule,
    pub owner: OwnerKind,
    pub origin: OriginKind,
    /// Whether the Byzantine members send yes votes to honest origins. The liveness check sets
    /// it false (silent, the worst case for liveness): see `model::LIVENESS`.
    pub byzantine_members_vote: bool,
}

impl Scenario {
    /// A safety scenario: the Byzantine members vote whenever it suits them.
    pub const fn safety(
        committee: Committee,
        rule: LockRule,
        owner: OwnerKind,
        origin: OriginKind,
    ) -> Self {
        Self {
            committee,
            rule,
            owner,
            origin,
            byzantine_members_vote: true,
        }
    }

    /// The liveness scenario: an honest owner, owned-object locks, silent Byzantine members, and
    /// a first origin that is honest or withholds forever (one that reveals would only help).
    pub const fn honest_owner_liveness(committee: Committee, origin: OriginKind) -> Self {
        Self {
            committee,
            rule: LockRule::OwnedObject,
            owner: OwnerKind::Honest,
            origin,
            byzantine_members_vote: false,
        }
    }

    /// Whether the model checks liveness: only in `honest_owner_liveness`'s set-up, where every
    /// action left is one a fair, lossless run eventually takes.
    pub fn checks_liveness(&self) -> bool {
        self.rule == LockRule::OwnedObject
            && self.owner == OwnerKind::Honest
            && self.origin != OriginKind::Byzantine
            && !self.byzantine_members_vote
    }
}
