//! Sharded sweeps without a cluster: shards run by hand merge into the local sweep's table,
//! gather names what is missing, and `--slurm` talks to sbatch (a stand-in here; the real one
//! is in tests/slurm.rs). Bad input is a one-line usage error that leaves files alone.

mod common;

use common::*;
use std::path::Path;

fn local_sweep(out: &Path) {
    let res = ecrust(&[
        "sweep",
        "--config",
        TINY_SWEEP,
        "--format",
        "parquet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(res.status.code(), Some(0), "{}", stderr(&res));
}

fn shard(spec: &str, dir: &Path) -> std::process::Output {
    ecrust(&[
        "sweep",
        "--config",
        TINY_SWEEP,
        "--shard",
        spec,
        "--out",
        dir.to_str().unwrap(),
    ])
}

#[test]
fn shards_gather_into_the_local_sweep_row_for_row() {
    let tmp = tempfile::tempdir().unwrap();
    let local = tmp.path().join("local.parquet");
    local_sweep(&local);
    let dir = tmp.path().join("shards");
    // Out of order on purpose: rows are merged by scenario index, not by arrival.
    for spec in ["2/3", "0/3"] {
        let res = shard(spec, &dir);
        assert_eq!(res.status.code(), Some(0), "{}", stderr(&res));
    }
    let merged = dir.join("merged.parquet");
    let res = ecrust(&["gather", dir.to_str().unwrap()]);
    assert_eq!(res.status.code(), Some(1), "{}", stderr(&res));
    let err = stderr(&res);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(
        err.contains("1 of 3 shards") && err.contains("1 (not started)"),
        "{err}"
    );
    assert!(!merged.exists(), "nothing merged while a shard is missing");

    assert_eq!(shard("1/3", &dir).status.code(), Some(0));
    let res = ecrust(&["gather", dir.to_str().unwrap()]);
    assert_eq!(res.status.code(), Some(0), "{}", stderr(&res));
    let (want, got) = (deterministic_table(&local), deterministic_table(&merged));
    assert_eq!(want.schema(), got.schema());
    assert_eq!(want.num_rows(), 8);
    assert_eq!(want, got, "the merged shards are the local sweep");
    assert!(got.schema().field_with_name("scenario").is_ok());
    assert!(got.schema().field_with_name("digest").is_ok());
}

#[test]
fn sweep_and_gather_tables_type_counts_as_integers() {
    use arrow_schema::DataType::*;
    let tmp = tempfile::tempdir().unwrap();
    let local = tmp.path().join("local.parquet");
    local_sweep(&local);
    let dir = tmp.path().join("shards");
    for spec in ["0/2", "1/2"] {
        assert_eq!(shard(spec, &dir).status.code(), Some(0));
    }
    let res = ecrust(&["gather", dir.to_str().unwrap()]);
    assert_eq!(res.status.code(), Some(0), "{}", stderr(&res));
    for table in [local, dir.join("merged.parquet")] {
        let schema = parquet_schema(&table);
        let grid = ["grid_threshold", "grid_loss", "grid_seed"];
        assert_summary_types(&schema, &grid);
        // The grid's columns follow its values: threshold and seed are written as integers in
        // configs/sweep-tiny.toml, loss as decimals.
        let ty = |name: &str| schema.field_with_name(name).unwrap().data_type().clone();
        assert_eq!(ty("scenario"), UInt32);
        assert_eq!(
            [ty("grid_threshold"), ty("grid_loss"), ty("grid_seed")],
            [UInt64, Float64, UInt64],
            "{}",
            table.display()
        );
    }
}

#[test]
fn bad_shard_specs_are_usage_errors_that_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("shards");
    for (spec, mention) in [
        ("5/4", "allowed 0..=3"),
        ("4/4", "allowed 0..=3"),
        ("1", "expected I/N"),
        ("0/0", "at least 1"),
        ("0/9", "9 shards for 8 scenarios"),
    ] {
        assert_usage_error(&shard(spec, &dir), mention);
        assert!(!dir.exists(), "{spec}: nothing written");
    }
}

#[test]
fn an_output_folder_of_another_sweep_is_refused_and_left_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("shards");
    assert_eq!(shard("0/2", &dir).status.code(), Some(0));
    let before = snapshot(&dir);
    let other = tmp.path().join("other.toml");
    std::fs::write(
        &other,
        "[base]\npeers = 100\nticks = 20\ntokens = 2\n[grid]\nseed = [1, 2]\n",
    )
    .unwrap();
    let other = other.to_str().unwrap();
    let d = dir.to_str().unwrap();
    for args in [
        vec!["sweep", "--config", other, "--shard", "0/2", "--out", d],
        vec![
            "sweep", "--config", other, "--slurm", "--shards", "2", "--out", d,
        ],
    ] {
        assert_usage_error(&ecrust(&args), "another sweep");
    }
    // The same sweep cut into another number of shards would not merge either.
    assert_usage_error(&shard("0/4", &dir), "2 shards");
    assert_eq!(before, snapshot(&dir), "nothing overwritten");
}

/// A directory holding a stand-in `sbatch` that records its arguments and answers like the
/// real one: `--parsable` prints the job id, a refusal prints an error and exits 1.
fn fake_sbatch(dir: &Path, refuse: bool) -> String {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let body = if refuse {
        "echo 'sbatch: error: invalid partition specified: nope' >&2\nexit 1\n"
    } else {
        "echo 42\n"
    };
    let script = bin.join("sbatch");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}'\n{body}",
            dir.join("sbatch-args").display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    format!("{}:/usr/bin:/bin", bin.display())
}

fn slurm(path_env: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(BIN)
        .current_dir(ROOT)
        .env("PATH", path_env)
        .args(["sweep", "--config", TINY_SWEEP, "--slurm"])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn slurm_submits_a_job_array_of_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let path = fake_sbatch(tmp.path(), false);
    let dir = tmp.path().join("out");
    let d = dir.to_str().unwrap();
    let res = slurm(
        &path,
        &[
            "--shards",
            "4",
            "--partition",
            "short",
            "--time",
            "10",
            "--out",
            d,
        ],
    );
    assert_eq!(res.status.code(), Some(0), "{}", stderr(&res));
    let out = stdout(&res);
    assert!(out.contains("submitted job 42"), "{out}");
    assert!(out.contains("ecrust-ecs gather"), "{out}");
    let args = std::fs::read_to_string(tmp.path().join("sbatch-args")).unwrap();
    for want in [
        "--array=0-3",
        "--requeue",
        "--partition=short",
        "--time=10",
        "--parsable",
    ] {
        assert!(args.lines().any(|l| l == want), "{want} in {args}");
    }
    let script = std::fs::read_to_string(dir.join("shard.sbatch")).unwrap();
    assert!(
        script.contains("--shard \"${SLURM_ARRAY_TASK_ID}/4\""),
        "{script}"
    );
    assert!(dir.join("sweep.toml").exists() && dir.join("sweep.json").exists());
    // The same sweep again into the same folder: refused, pointing at --resume.
    assert_usage_error(&slurm(&path, &["--shards", "4", "--out", d]), "--resume");
    // Resume submits only the shards that are not complete (here: all 4, none ran).
    let res = std::process::Command::new(BIN)
        .env("PATH", &path)
        .args(["sweep", "--slurm", "--resume", d])
        .output()
        .unwrap();
    assert_eq!(res.status.code(), Some(0), "{}", stderr(&res));
    let args = std::fs::read_to_string(tmp.path().join("sbatch-args")).unwrap();
    assert!(args.lines().any(|l| l == "--array=0-3"), "{args}");
}

#[test]
fn slurm_without_sbatch_or_refused_is_a_usage_error_that_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    let d = dir.to_str().unwrap();
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    assert_usage_error(
        &slurm(empty.to_str().unwrap(), &["--shards", "4", "--out", d]),
        "sbatch not found",
    );
    assert!(!dir.exists(), "nothing written without sbatch");
    let refusing = fake_sbatch(tmp.path(), true);
    assert_usage_error(
        &slurm(
            &refusing,
            &["--shards", "4", "--partition", "nope", "--out", d],
        ),
        "invalid partition",
    );
    assert!(!dir.exists(), "a refused submission leaves nothing behind");
}
