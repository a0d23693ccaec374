//! The DuckDB one-liner of the README and docs/outputs.md, run for real when the duckdb Python
//! package is installed (`.ci/run` installs it): a glob over runs' `run.parquet` tables.

mod common;

use common::*;
use std::process::Command;

/// Kept in step with the one-liner in README.md and docs/outputs.md.
const QUERY: &str = "select threshold, loss, avg(messages_per_commit) as messages_per_commit, \
                     count(*) as runs from 'out/*/run.parquet' group by all order by all";

#[test]
fn duckdb_aggregates_runs_with_a_glob_as_the_docs_say() {
    if !python_has("duckdb") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut per_commit = Vec::new();
    for threshold in ["1", "2"] {
        let dir = tmp.path().join("out").join(format!("t{threshold}"));
        let res = ecrust(&[
            "--quiet",
            "--summary",
            "json",
            "--peers",
            "200",
            "--ticks",
            "80",
            "--tokens",
            "4",
            "--threshold",
            threshold,
            "--parquet",
            dir.to_str().unwrap(),
        ]);
        assert_eq!(res.status.code(), Some(0), "{}", stderr(&res));
        let s: serde_json::Value = serde_json::from_slice(&res.stdout).unwrap();
        per_commit.push(s["messages_per_commit"].as_f64().unwrap());
    }
    let script = format!("import duckdb; print(duckdb.sql(\"{QUERY}\").fetchall())");
    let py = Command::new("python3")
        .current_dir(tmp.path())
        .args(["-c", &script])
        .output()
        .unwrap();
    assert!(
        py.status.success(),
        "{}",
        String::from_utf8_lossy(&py.stderr)
    );
    let text = String::from_utf8(py.stdout).unwrap();
    let want = format!(
        "[(1.0, 0.02, {:?}, 1), (2.0, 0.02, {:?}, 1)]",
        per_commit[0], per_commit[1]
    );
    assert_eq!(text.trim(), want);
}
