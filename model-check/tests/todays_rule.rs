//! Today's v2 rule (release a lock once the locked block's origin replies "timed out") is
//! unsafe on a real network: the checker must find two conflicting certificates.

use ecrust_model_check::check::{Report, run};
use ecrust_model_check::transitions::Action;
use ecrust_model_check::{CHECKED, Committee, LockRule, OriginKind, OwnerKind, Scenario};

fn todays_rule(committee: Committee, owner: OwnerKind, origin: OriginKind) -> Report {
    run(Scenario::safety(
        committee,
        LockRule::ReleaseOnOriginReply,
        owner,
        origin,
    ))
}

/// Asserts the attack's shape: a counterexample ending in certificates for both X and Y,
/// reached through a lock released on the origin's word.
fn assert_attack_found(report: &Report) {
    assert!(
        report.safety_violation.is_some(),
        "no counterexample for {:?}",
        report.scenario
    );
    assert!(
        report.violation_ends_in_conflicting_certificates(),
        "{:?}: the counterexample does not end in two conflicting certificates",
        report.scenario
    );
    let released = report
        .violation_actions()
        .iter()
        .any(|a| matches!(a, Action::ReleaseLock { .. }));
    assert!(released, "{:?}: no lock released", report.scenario);
}

/// The attack of issue 24: an honest owner, an origin that withholds X's certificate and
/// says "timed out"; the owner spends again with Y and the members, released, certify it.
#[test]
fn todays_rule_with_a_withholding_origin_certifies_two_conflicting_blocks() {
    for committee in CHECKED {
        assert_attack_found(&todays_rule(
            committee,
            OwnerKind::Honest,
            OriginKind::Withholding,
        ));
    }
}

/// The same attack needs no Byzantine committee member at all (C = 5, b = 1, Q = 4 in the
/// issue): every member follows today's rule.
#[test]
fn todays_rule_fails_with_every_committee_member_honest() {
    for committee in CHECKED {
        let report = todays_rule(
            committee.all_honest(),
            OwnerKind::Honest,
            OriginKind::Withholding,
        );
        assert_attack_found(&report);
    }
}

/// A double-signing owner that is its own (lying) origin gets both of its blocks certified.
#[test]
fn todays_rule_lets_a_double_signing_owner_certify_both_blocks() {
    for committee in CHECKED {
        assert_attack_found(&todays_rule(
            committee,
            OwnerKind::DoubleSigning,
            OriginKind::Byzantine,
        ));
    }
}

/// Even an honest origin does not save today's rule on an asynchronous network: votes still
/// in flight at expiry are signed (a certificate for whoever reads them off the network)
/// though the origin, which truthfully replies "timed out", never counts them.
#[test]
fn todays_rule_fails_with_an_honest_origin_whose_votes_arrive_late() {
    for committee in CHECKED {
        assert_attack_found(&todays_rule(
            committee,
            OwnerKind::Honest,
            OriginKind::Honest,
        ));
    }
}
