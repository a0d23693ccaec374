//! The fuzzer attacks safety: on the original protocol, which forks when owners sign twice,
//! it must find failures, print commands that replay them, and shrink one to a smaller
//! command that still fails. `scripts/fuzz.sh` runs the long version.

use std::process::{Command, Output};

fn ecrust(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ecrust-ecs"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The arguments of the replay command in `line` (after "ecrust-ecs ").
fn replay_args(line: &str, marker: &str) -> Vec<String> {
    let at = line.find(marker).expect("the line has a command") + marker.len();
    line[at..]
        .trim()
        .strip_prefix("ecrust-ecs ")
        .expect("the command starts with the binary")
        .split_whitespace()
        .map(String::from)
        .collect()
}

fn run_replay(args: &[String]) -> Output {
    let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
    all.extend(["--quiet", "--summary", "json"]);
    ecrust(&all)
}

#[test]
fn the_fuzzer_finds_the_original_forking_and_its_replay_fails() {
    let out = ecrust(&[
        "fuzz",
        "--protocol",
        "original",
        "--scenarios",
        "40",
        "--seed",
        "1",
    ]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "failures exit with 1: {text}");
    let summary = text.lines().last().expect("a summary line");
    assert!(
        summary.starts_with("fuzz: 40 scenarios (seeds 1..40), protocol original, "),
        "{summary}"
    );
    let fails: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("FAIL scenario"))
        .collect();
    assert!(!fails.is_empty(), "{text}");
    assert!(
        summary.contains(&format!(", {} failures", fails.len())),
        "{summary}"
    );
    assert!(
        fails
            .iter()
            .any(|l| l.contains("conflicting commits") && !l.contains(": 0 conflicting"))
    );
    let replay = run_replay(&replay_args(fails[0], "replay: "));
    assert_eq!(
        replay.status.code(),
        Some(1),
        "the replay fails too: {}",
        stdout(&replay)
    );
    let v: serde_json::Value = serde_json::from_slice(&replay.stdout).expect("a JSON summary");
    assert!(v["safety_violations"].as_u64().unwrap() > 0, "{v}");
}

#[test]
fn shrinking_prints_a_smaller_command_that_still_fails() {
    let out = ecrust(&["fuzz", "--protocol", "original", "--only", "94", "--shrink"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    let fail = text
        .lines()
        .find(|l| l.starts_with("FAIL"))
        .expect("scenario 94 fails");
    let shrunk = text
        .lines()
        .find(|l| l.starts_with("shrunk"))
        .expect("a shrunk line");
    let before = replay_args(fail, "replay: ");
    let after = replay_args(shrunk, "smallest failing: ");
    let value = |args: &[String], flag: &str| -> u64 {
        let i = args.iter().position(|a| a == flag).expect("flag present");
        args[i + 1].parse().expect("a number")
    };
    assert!(
        value(&after, "--peers") < value(&before, "--peers"),
        "{shrunk}"
    );
    assert!(
        value(&after, "--ticks") < value(&before, "--ticks"),
        "{shrunk}"
    );
    let replay = run_replay(&after);
    assert_eq!(
        replay.status.code(),
        Some(1),
        "the smallest command fails: {shrunk}"
    );
}

#[test]
fn a_scenario_replays_identically() {
    let run = || {
        let out = ecrust(&["fuzz", "--only", "17"]);
        assert!(out.status.code().is_some_and(|c| c <= 1), "{out:?}");
        assert!(stdout(&out).contains("fuzz: 1 scenarios (seeds 17..17)"));
        out.stdout
    };
    assert_eq!(run(), run());
}

#[test]
fn an_unknown_protocol_is_a_usage_error() {
    let out = ecrust(&["fuzz", "--protocol", "nosuch"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("allowed: original"), "{err}");
}

/// Up to its Byzantine bound, with owned-object locks, v2 gives no violation of any kind,
/// conflicting certificates included, under every behaviour the fuzzer draws (withholding
/// origins and late twins among them) (`scripts/targets.sh --protocol v2` runs 10,000 by
/// default).
#[test]
fn the_fuzzer_finds_no_failure_in_v2() {
    let out = ecrust(&[
        "fuzz",
        "--protocol",
        "v2",
        "--scenarios",
        "60",
        "--seed",
        "1",
    ]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let summary = text.lines().last().expect("a summary line");
    assert!(
        summary.starts_with("fuzz: 60 scenarios (seeds 1..60), protocol v2, 0 failures"),
        "{summary}"
    );
}
