//! The owned-object rule (a lock is released only when the owner moves on): safe for every
//! committee, owner and origin, and an honest owner's block is always certified.

use ecrust_model_check::check::run;
use ecrust_model_check::{CHECKED, LockRule, OriginKind, OwnerKind, Scenario};

const ORIGINS: [OriginKind; 3] = [
    OriginKind::Honest,
    OriginKind::Withholding,
    OriginKind::Byzantine,
];

#[test]
fn owned_object_rule_never_certifies_two_conflicting_blocks() {
    for committee in CHECKED {
        for owner in [OwnerKind::Honest, OwnerKind::DoubleSigning] {
            for origin in ORIGINS {
                let scenario = Scenario::safety(committee, LockRule::OwnedObject, owner, origin);
                let report = run(scenario);
                assert!(
                    report.exhaustively_safe(),
                    "{scenario:?}: done {}, violation {:?}, certificate formed {}",
                    report.done,
                    report.safety_violation,
                    report.certificate_formed
                );
            }
        }
    }
}

/// Same block, re-submitted: whether the first origin is honest or withholds forever, every
/// run that ends (lossless, after the re-submission's window outlasts delays) has X certified.
#[test]
fn owned_object_rule_certifies_an_honest_owners_block() {
    for committee in CHECKED {
        for origin in [OriginKind::Honest, OriginKind::Withholding] {
            let scenario = Scenario::honest_owner_liveness(committee, origin);
            assert!(scenario.checks_liveness());
            let report = run(scenario);
            assert!(report.done, "{scenario:?}: search incomplete");
            assert!(
                report.liveness_violation.is_none(),
                "{scenario:?}: stuck run {:?}",
                report.liveness_violation
            );
            assert!(report.safety_violation.is_none(), "{scenario:?}: unsafe");
        }
    }
}
