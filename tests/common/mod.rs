//! Helpers shared by the sweep tests: running the binary, reading Parquet tables back.

#![allow(dead_code)] // each test file uses a different part

use arrow_array::RecordBatch;
use arrow_schema::Schema;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

pub const BIN: &str = env!("CARGO_BIN_EXE_ecrust-ecs");
pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// A sweep of 8 small scenarios that runs in a few seconds.
pub const TINY_SWEEP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/configs/sweep-tiny.toml");
/// Summary fields that measure the machine, not the run: they differ between any two runs.
pub const TIMING_COLUMNS: [&str; 3] = ["wall_seconds", "delivered_per_second", "peak_rss_bytes"];

pub fn ecrust(args: &[&str]) -> Output {
    Command::new(BIN)
        .current_dir(ROOT)
        .args(args)
        .output()
        .expect("the binary starts")
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Exit code 2 and exactly one `error: ` line on stderr containing `mention`.
pub fn assert_usage_error(out: &Output, mention: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains(mention), "must mention {mention}: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// A Parquet table as one batch, without schema metadata and without the timing columns.
pub fn deterministic_table(path: &Path) -> RecordBatch {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .expect("Parquet")
        .build()
        .expect("reader");
    let batches: Vec<RecordBatch> = reader.map(|b| b.expect("batch")).collect();
    let full = arrow_select::concat::concat_batches(&batches[0].schema(), &batches).unwrap();
    let keep: Vec<usize> = (0..full.num_columns())
        .filter(|&i| !TIMING_COLUMNS.contains(&full.schema().field(i).name().as_str()))
        .collect();
    let projected = full.project(&keep).unwrap();
    let plain = Arc::new(Schema::new(projected.schema().fields().clone()));
    RecordBatch::try_new(plain, projected.columns().to_vec()).unwrap()
}

/// Every file under `dir` with its bytes, to prove a refused command changed nothing.
pub fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                files.extend(snapshot(&path));
            } else {
                files.push((path.display().to_string(), std::fs::read(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

/// Whether python3 can import `module`. Where it cannot, a test that needs it skips, unless
/// `ECRUST_REQUIRE_PYTHON=1` (set by `.ci/run` once it has installed the modules): then a
/// missing module fails the test instead of passing it unseen.
pub fn python_has(module: &str) -> bool {
    let found = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            std::env::var("ECRUST_REQUIRE_PYTHON").as_deref() != Ok("1"),
            "python3 cannot import {module}, and ECRUST_REQUIRE_PYTHON=1 asks for it"
        );
        eprintln!("skipped: python3 with {module} is not installed (pip install {module})");
    }
    found
}

/// The JSON summary of `ecrust-ecs ARGS --quiet --summary json`, asserting the run succeeded.
pub fn json_summary(args: &[&str]) -> serde_json::Value {
    let out = ecrust(&[args, &["--quiet", "--summary", "json"]].concat());
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("a JSON summary")
}
