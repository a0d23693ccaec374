//! The alternative rule: a lock on X is released only on C - Q + b + 1 signed "I did not and
//! will not vote for X", which cannot coexist with a certificate for X.

use ecrust_model_check::check::{reachable, run};
use ecrust_model_check::state::{Block, State};
use ecrust_model_check::{CHECKED, LockRule, OriginKind, OwnerKind, Scenario};

#[test]
fn release_certificate_rule_never_certifies_two_conflicting_blocks() {
    for committee in CHECKED {
        for owner in [OwnerKind::Honest, OwnerKind::DoubleSigning] {
            for origin in [
                OriginKind::Honest,
                OriginKind::Withholding,
                OriginKind::Byzantine,
            ] {
                let scenario =
                    Scenario::safety(committee, LockRule::ReleaseCertificate, owner, origin);
                let report = run(scenario);
                assert!(
                    report.exhaustively_safe(),
                    "{scenario:?}: done {}, violation {:?}",
                    report.done,
                    report.safety_violation
                );
            }
        }
    }
}

/// The rule does release locks: after a time-out, the honest owner's new block Y can be
/// certified with a member that had signed for X among its voters (else its safety would be
/// the owned-object rule's by another name).
#[test]
fn release_certificate_rule_lets_a_new_block_through() {
    for committee in CHECKED {
        let scenario = Scenario::safety(
            committee,
            LockRule::ReleaseCertificate,
            OwnerKind::Honest,
            OriginKind::Withholding,
        );
        let y_certified_by_a_released_member = |state: &State| {
            state.valid_certificate(committee, Block::Y)
                && state
                    .members
                    .iter()
                    .any(|m| m.signed_yes == Block::X.bit() | Block::Y.bit())
        };
        assert!(
            reachable(scenario, y_certified_by_a_released_member),
            "{committee:?}"
        );
    }
}
