//! The DuckDB one-liners of the README and docs/outputs.md, run for real when the duckdb Python
//! package is installed (`.ci/run` installs it): a glob over runs' `run.parquet` tables, grouped
//! by knobs the default protocol has, and `describe` showing integer counts.

mod common;

use common::*;
use std::process::Command;

/// The README's and docs/outputs.md's one-liner; the test checks both still print it.
const QUERY: &str = "select protocol, loss, tolerance, peers, avg(messages_per_commit) as \
                     messages_per_commit, count(*) as runs from 'out/*/run.parquet' group by \
                     all order by all";

fn duckdb(dir: &std::path::Path, script: &str) -> String {
    let py = Command::new("python3")
        .current_dir(dir)
        .args(["-c", script])
        .output()
        .unwrap();
    assert!(
        py.status.success(),
        "{}",
        String::from_utf8_lossy(&py.stderr)
    );
    String::from_utf8(py.stdout).unwrap().trim().to_string()
}

#[test]
fn duckdb_aggregates_runs_with_a_glob_as_the_docs_say() {
    for doc in ["README.md", "docs/outputs.md"] {
        let text = std::fs::read_to_string(format!("{ROOT}/{doc}")).unwrap();
        assert!(text.contains(QUERY), "{doc} no longer shows the query");
    }
    if !python_has("duckdb") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut want = Vec::new();
    // Directory names sort as the query's order does: original first, then v2 by loss.
    for (name, protocol, loss) in [
        ("a", "original", "0.1"),
        ("b", "v2", "0.0"),
        ("c", "v2", "0.1"),
    ] {
        let dir = tmp.path().join("out").join(name);
        let s = json_summary(&[
            "--protocol",
            protocol,
            "--loss",
            loss,
            "--peers",
            "200",
            "--ticks",
            "80",
            "--tokens",
            "4",
            "--parquet",
            dir.to_str().unwrap(),
        ]);
        // Python prints the integer columns without a fraction, the doubles with one.
        want.push(format!(
            "('{protocol}', {loss}, 10, 200, {:?}, 1)",
            s["messages_per_commit"].as_f64().unwrap()
        ));
    }
    let script = format!("import duckdb; print(duckdb.sql(\"{QUERY}\").fetchall())");
    assert_eq!(
        duckdb(tmp.path(), &script),
        format!("[{}]", want.join(", "))
    );

    // DuckDB's describe: counts are unsigned integers, rates doubles (docs/outputs.md).
    let describe = "import duckdb; print({r[0]: r[1] for r in duckdb.sql(\"describe select * \
                    from 'out/b/run.parquet'\").fetchall()})";
    let types = duckdb(tmp.path(), describe);
    for (column, ty) in [
        ("blocks_committed", "UBIGINT"),
        ("messages_sent", "UBIGINT"),
        ("ticks", "UBIGINT"),
        ("peers", "UBIGINT"),
        ("seed", "UBIGINT"),
        ("tolerance", "UBIGINT"),
        ("messages_per_commit", "DOUBLE"),
        ("loss", "DOUBLE"),
        ("ticks_done", "UINTEGER"),
    ] {
        assert!(
            types.contains(&format!("'{column}': '{ty}'")),
            "{column} should be {ty}: {types}"
        );
    }
}
