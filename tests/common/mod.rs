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

/// The summary's rates and means: the only numeric columns of a run or sweep table that are
/// doubles (docs/outputs.md). Every other number is a count or a configured integer.
pub const DOUBLE_COLUMNS: [&str; 20] = [
    "byzantine",
    "byzantine_bound",
    "bytes_per_commit",
    "commit_rate",
    "conflict_families.one_winner_rate",
    "degree",
    "delivered_per_commit",
    "delivered_per_second",
    "lookup_messages_per_commit",
    "loss",
    "maintenance_per_commit",
    "maintenance_per_peer_per_tick",
    "messages_per_commit",
    "offline_share_mean",
    "protocol_messages_per_commit",
    "rounds_per_commit",
    "seeded_links.mean",
    "session_churn",
    "ticks_per_commit_mean",
    "wall_seconds",
];

/// Asserts that the summary's columns in `schema` are typed as docs/outputs.md says: the
/// rates and means Float64, every other number an unsigned integer. Columns named in
/// `skip` (a sweep's grid columns, typed by the grid) are left out.
pub fn assert_summary_types(schema: &Schema, skip: &[&str]) {
    use arrow_schema::DataType::*;
    let mut counts = 0;
    for field in schema.fields() {
        let name = field.name().as_str();
        if skip.contains(&name) || !field.data_type().is_numeric() {
            continue;
        }
        if DOUBLE_COLUMNS.contains(&name) {
            assert_eq!(field.data_type(), &Float64, "{name} is a rate or a mean");
        } else {
            assert!(
                matches!(field.data_type(), UInt64 | UInt32),
                "{name} is a count, yet {}",
                field.data_type()
            );
            counts += 1;
        }
    }
    // Guards against a schema that has lost its summary: a test passing on nothing.
    for name in [
        "blocks_committed",
        "messages_sent",
        "ticks",
        "peers",
        "seed",
    ] {
        let field = schema
            .field_with_name(name)
            .unwrap_or_else(|_| panic!("no {name} column"));
        assert_eq!(field.data_type(), &UInt64, "{name}");
    }
    for name in DOUBLE_COLUMNS {
        assert!(schema.field_with_name(name).is_ok(), "no {name} column");
    }
    assert!(counts > 50, "only {counts} count columns");
}

/// The Arrow schema of a Parquet file, metadata included.
pub fn parquet_schema(path: &Path) -> arrow_schema::SchemaRef {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    ParquetRecordBatchReaderBuilder::try_new(file)
        .expect("Parquet")
        .schema()
        .clone()
}
