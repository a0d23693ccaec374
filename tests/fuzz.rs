//! Deterministic simulation testing, the fast CI slice: a few dozen random small scenarios
//! (partitions, churn, Byzantine peers below tolerance) must end with no safety violation.
//! `scripts/fuzz.sh` runs the long version (10,000 scenarios).

use std::process::Command;

#[test]
fn random_scenarios_keep_honest_peers_safe() {
    let out = Command::new(env!("CARGO_BIN_EXE_ecrust-ecs"))
        .args(["fuzz", "--scenarios", "40", "--seed", "9001"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.trim_end()
            .ends_with("fuzz: 40 scenarios (seeds 9001..9040), 0 failures"),
        "{text}"
    );
}

#[test]
fn a_scenario_replays_identically() {
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_ecrust-ecs"))
            .args(["fuzz", "--only", "17"])
            .output()
            .unwrap()
            .stdout
    };
    assert_eq!(run(), run());
}
