//! The research tools end to end: partitions heal with a recovery figure, sweeps write one row
//! per run, and bad fault / adversary / policy input is a usage error.

use arrow_ipc::reader::FileReader;
use serde_json::Value;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_ecrust-ecs");

fn run(args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("--quiet")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn a_50_50_partition_heals_and_commits_resume() {
    let out = run(&[
        "--config",
        "configs/partition-50-50.toml",
        "--summary",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let s: Value = serde_json::from_slice(&out.stdout).unwrap();
    let p = &s["partitions"][0];
    assert_eq!(
        (p["at"].as_u64(), p["heal"].as_u64()),
        (Some(1000), Some(1500))
    );
    assert!(p["level_before"].as_f64().unwrap() > 0.0);
    let recovery = p["recovery_ticks"]
        .as_u64()
        .expect("commits resume after the heal");
    assert!(recovery < 500, "{recovery}");
    assert!(s["messages_cut"].as_u64().unwrap() > 0);
    assert_eq!(s["safety_violations"], 0);
}

#[test]
fn thirty_percent_loss_keeps_the_commit_rate_above_ninety_percent() {
    for peers in ["2000", "10000"] {
        let out = run(&[
            "--peers",
            peers,
            "--ticks",
            "400",
            "--loss",
            "0.3",
            "--summary",
            "json",
        ]);
        let s: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(s["commit_rate"].as_f64().unwrap() > 0.9, "{peers}: {s}");
        assert_eq!(s["safety_violations"], 0);
    }
}

#[test]
fn a_sweep_writes_one_row_per_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.toml");
    let out = dir.path().join("sweep.arrow");
    std::fs::write(
        &file,
        "[base]\npeers = 200\nticks = 100\ntokens = 5\n[grid]\nthreshold = [1, 2]\nloss = [0.0, 0.2]\n",
    )
    .unwrap();
    let res = Command::new(BIN)
        .args([
            "sweep",
            "--config",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(
        res.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&res.stderr)
    );
    let reader = FileReader::try_new(std::fs::File::open(&out).unwrap(), None).unwrap();
    let schema = reader.schema();
    for col in [
        "commit_rate",
        "messages_per_commit",
        "digest",
        "grid_threshold",
        "grid_loss",
    ] {
        assert!(schema.field_with_name(col).is_ok(), "{col}");
    }
    let rows: usize = reader.map(|b| b.unwrap().num_rows()).sum();
    assert_eq!(rows, 4);
}

#[test]
fn bad_fault_adversary_and_policy_input_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let bad_partition = dir.path().join("p.toml");
    std::fs::write(
        &bad_partition,
        "[[partition]]\nat = 10\nheal = 5\ngroups = [0.5, 0.5]\n",
    )
    .unwrap();
    for (args, field) in [
        (vec!["--byzantine", "0.9"], "byzantine"),
        (vec!["--byzantine-behaviour", "evil"], "byzantine_behaviour"),
        (
            vec!["--threshold-policy", "adaptive:3..1"],
            "threshold_policy",
        ),
        (vec!["--churn", "0.5"], "churn"),
        (vec!["--delay", "normal:0,1"], "delay"),
        (
            vec!["--config", bad_partition.to_str().unwrap()],
            "partition",
        ),
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.contains(field), "{args:?}: {err}");
    }
}
