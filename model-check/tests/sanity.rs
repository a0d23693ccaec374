//! The checker must catch rules known to be bad, or its "safe" means nothing.

use ecrust_model_check::check::run;
use ecrust_model_check::{CHECKED, LockRule, OriginKind, OwnerKind, Scenario};

/// Members that vote yes for every proposal, locks ignored: a double-signing owner through
/// honest origins gets both blocks certified.
#[test]
fn voting_for_every_proposal_is_caught() {
    for committee in CHECKED {
        let report = run(Scenario::safety(
            committee,
            LockRule::VoteForEverything,
            OwnerKind::DoubleSigning,
            OriginKind::Honest,
        ));
        assert!(
            report.violation_ends_in_conflicting_certificates(),
            "{committee:?}"
        );
    }
}

/// A quorum one smaller than floor((C + b) / 2) + 1: two quorums no longer share an honest
/// member, so the owned-object rule's locks no longer suffice.
#[test]
fn a_quorum_one_too_small_is_caught() {
    for committee in CHECKED {
        let short = committee.with_quorum(committee.quorum - 1);
        let report = run(Scenario::safety(
            short,
            LockRule::OwnedObject,
            OwnerKind::DoubleSigning,
            OriginKind::Byzantine,
        ));
        assert!(
            report.violation_ends_in_conflicting_certificates(),
            "{short:?}"
        );
    }
}

/// The liveness check can fail: with a quorum larger than the honest members (the Byzantine
/// ones silent), an honest owner's block is never certified, and the check says so.
#[test]
fn an_unreachable_quorum_fails_the_liveness_check() {
    for committee in CHECKED {
        let too_big = committee.with_quorum(committee.honest() + 1);
        let report = run(Scenario::honest_owner_liveness(
            too_big,
            OriginKind::Withholding,
        ));
        assert!(report.liveness_violation.is_some(), "{too_big:?}");
    }
}
