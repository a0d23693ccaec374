//! Prints the README's table: distinct states per committee, rule, owner and origin, and
//! whether safety (and, where checked, liveness) held.

use ecrust_model_check::check::run;
use ecrust_model_check::{CHECKED, LockRule, OriginKind, OwnerKind, Scenario};
use std::time::Instant;

fn main() {
    let rules = [
        LockRule::ReleaseOnOriginReply,
        LockRule::OwnedObject,
        LockRule::ReleaseCertificate,
    ];
    let origins = [
        OriginKind::Honest,
        OriginKind::Withholding,
        OriginKind::Byzantine,
    ];
    println!("| C, b | rule | owner | origin | states | done | safe |");
    println!("|---|---|---|---|---|---|---|");
    let started = Instant::now();
    for committee in CHECKED {
        for rule in rules {
            for owner in [OwnerKind::Honest, OwnerKind::DoubleSigning] {
                for origin in origins {
                    let report = run(Scenario::safety(committee, rule, owner, origin));
                    println!(
                        "| {}, {} | {rule:?} | {owner:?} | {origin:?} | {} | {} | {} |",
                        committee.size,
                        committee.tolerated,
                        report.unique_states,
                        report.done,
                        report.safety_violation.is_none(),
                    );
                }
            }
        }
        for origin in [OriginKind::Honest, OriginKind::Withholding] {
            let report = run(Scenario::honest_owner_liveness(committee, origin));
            println!(
                "| {}, {} | OwnedObject, liveness | Honest | {origin:?} | {} | {} | live: {} |",
                committee.size,
                committee.tolerated,
                report.unique_states,
                report.done,
                report.liveness_violation.is_none(),
            );
        }
    }
    println!("all in {:.2?}", started.elapsed());
}
