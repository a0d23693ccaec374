//! `scripts/plot.py` end to end, when python3 has pyarrow and matplotlib (`.ci/run` installs
//! them and sets ECRUST_REQUIRE_PYTHON=1, so these cannot pass unseen there): a v2 run (Arrow)
//! and an original run (Parquet) drawn from their own phases, a sweep drawn one line per
//! protocol, each checked through `--check`'s series sums against the run's own figures; and
//! bad input refused in one line with exit code 2.

mod common;

use arrow_array::{Array, Float64Array, StringArray, UInt64Array};
use common::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Output};

const PLOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/plot.py");

fn python_ready() -> bool {
    // Both, not just the first: `&&` would skip the second check.
    let (arrow, mpl) = (python_has("pyarrow"), python_has("matplotlib"));
    arrow && mpl
}

fn plot(args: &[&str]) -> Output {
    Command::new("python3")
        .arg(PLOT)
        .args(args)
        .output()
        .expect("python3 starts")
}

/// `--check`'s lines, `check CHART | SERIES | points N | sum S`, as (chart, series) -> (N, S).
fn series(out: &Output) -> BTreeMap<(String, String), (u64, f64)> {
    assert_eq!(out.status.code(), Some(0), "{}", stderr(out));
    let mut found = BTreeMap::new();
    for line in stdout(out).lines().filter(|l| l.starts_with("check ")) {
        let parts: Vec<&str> = line["check ".len()..].split(" | ").collect();
        assert_eq!(parts.len(), 4, "{line}");
        let points = parts[2].strip_prefix("points ").unwrap().parse().unwrap();
        let sum = parts[3].strip_prefix("sum ").unwrap().parse().unwrap();
        found.insert((parts[0].to_string(), parts[1].to_string()), (points, sum));
    }
    found
}

/// The phases a run sent messages in, from its JSON summary.
fn phases_sent(s: &Value) -> BTreeSet<String> {
    s["sent_by_phase"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, n)| n.as_u64().unwrap() > 0)
        .map(|(p, _)| p.clone())
        .collect()
}

fn assert_png(path: &Path) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        bytes.starts_with(b"\x89PNG"),
        "{} is no PNG",
        path.display()
    );
}

#[test]
fn plot_draws_each_protocols_run_from_its_own_phases() {
    if !python_ready() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    for (protocol, format, absent) in [
        ("v2", "--arrow", "vote_request"),
        ("original", "--parquet", "propose"),
    ] {
        let run = tmp.path().join(protocol);
        let s = json_summary(&[
            "--protocol",
            protocol,
            "--peers",
            "1000",
            "--ticks",
            "150",
            "--tokens",
            "10",
            format,
            run.to_str().unwrap(),
        ]);
        let charts = tmp.path().join(format!("{protocol}-charts"));
        let got = series(&plot(&[
            "--check",
            run.to_str().unwrap(),
            "--out",
            charts.to_str().unwrap(),
        ]));
        for chart in ["commits", "latency", "messages", "phases"] {
            assert_png(&charts.join(format!("{chart}.png")));
            let total: f64 = got
                .iter()
                .filter(|((c, _), _)| c == chart)
                .map(|(_, (_, sum))| sum)
                .sum();
            assert!(
                total > 0.0,
                "{protocol}: chart {chart} drew nothing: {got:?}"
            );
        }
        let get = |chart: &str, name: &str| {
            *got.get(&(chart.to_string(), name.to_string()))
                .unwrap_or_else(|| panic!("{protocol}: no series {chart}/{name}: {got:?}"))
        };
        let ticks = s["ticks"].as_u64().unwrap() + s["drain_ticks"].as_u64().unwrap();
        let committed = s["member_blocks"]["committed"].as_u64().unwrap();
        assert_eq!(
            get("commits", "blocks committed"),
            (ticks, committed as f64)
        );
        let delivered = s["messages_delivered"].as_u64().unwrap() as f64;
        assert_eq!(get("commits", "messages delivered"), (ticks, delivered));
        assert_eq!(get("latency", "ticks to commit").0, committed);
        // The phases drawn are exactly those the run sent messages in, with their counts:
        // the original's six are not v2's three.
        let phases = phases_sent(&s);
        assert!(!phases.contains(absent), "{protocol}: {phases:?}");
        let drawn: BTreeSet<String> = got
            .keys()
            .filter(|(c, _)| c == "phases")
            .map(|(_, n)| n.strip_prefix("sent ").unwrap().to_string())
            .collect();
        assert_eq!(drawn, phases, "{protocol}");
        for phase in &phases {
            let sent = s["sent_by_phase"][phase].as_u64().unwrap() as f64;
            assert_eq!(get("messages", &format!("sent {phase}")), (1, sent));
            assert_eq!(get("phases", &format!("sent {phase}")), (ticks, sent));
        }
    }
}

#[test]
fn plot_draws_a_sweep_one_line_per_protocol() {
    if !python_ready() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("sweep.toml");
    std::fs::write(
        &config,
        "description = \"plot test\"\n[base]\nticks = 60\ntokens = 4\n\
         [grid]\nprotocol = [\"original\", \"v2\"]\npeers = [200, 400]\nseed = [1, 2]\n",
    )
    .unwrap();
    let table = tmp.path().join("sweep.parquet");
    let res = ecrust(&[
        "sweep",
        "--config",
        config.to_str().unwrap(),
        "--out",
        table.to_str().unwrap(),
    ]);
    assert_eq!(res.status.code(), Some(0), "{}", stderr(&res));

    // What each line must hold: per protocol, the mean over seeds at each peer count.
    let t = deterministic_table(&table);
    let col = |name: &str| t.column_by_name(name).unwrap().clone();
    let (protocol, peers, per_commit) = (col("protocol"), col("peers"), col("messages_per_commit"));
    let protocol = protocol.as_any().downcast_ref::<StringArray>().unwrap();
    let peers = peers.as_any().downcast_ref::<UInt64Array>().unwrap();
    let per_commit = per_commit.as_any().downcast_ref::<Float64Array>().unwrap();
    let mut cells: BTreeMap<(String, u64), Vec<f64>> = BTreeMap::new();
    for i in 0..t.num_rows() {
        cells
            .entry((protocol.value(i).to_string(), peers.value(i)))
            .or_default()
            .push(per_commit.value(i));
    }
    let png = tmp.path().join("chart.png");
    let got = series(&plot(&[
        "--check",
        "--sweep",
        table.to_str().unwrap(),
        "--x",
        "peers",
        "--y",
        "messages_per_commit",
        "--by",
        "protocol",
        "--out",
        png.to_str().unwrap(),
    ]));
    assert_png(&png);
    for name in ["original", "v2"] {
        let want: f64 = cells
            .iter()
            .filter(|((p, _), _)| p == name)
            .map(|(_, v)| v.iter().sum::<f64>() / v.len() as f64)
            .sum();
        let (points, sum) = got[&("messages_per_commit".to_string(), name.to_string())];
        assert_eq!(points, 2, "{name}: {got:?}");
        assert!(
            want > 0.0 && (sum - want).abs() < want * 1e-5,
            "{name}: {sum} vs {want}"
        );
    }
    assert_eq!(got.len(), 2, "one line per protocol: {got:?}");
}

#[test]
fn plot_refuses_bad_input_in_one_line_with_exit_code_2() {
    if !python_ready() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nothing-here");
    let sweep = tmp.path().join("sweep.arrow");
    let res = ecrust(&[
        "sweep",
        "--config",
        TINY_SWEEP,
        "--out",
        sweep.to_str().unwrap(),
    ]);
    assert_eq!(res.status.code(), Some(0), "{}", stderr(&res));
    let s = sweep.to_str().unwrap();
    for (args, mention) in [
        (vec![missing.to_str().unwrap()], "no such directory"),
        (
            vec![tmp.path().to_str().unwrap()],
            "no ticks and blocks table",
        ),
        (
            vec![
                "--sweep",
                missing.to_str().unwrap(),
                "--x",
                "peers",
                "--y",
                "loss",
            ],
            "no such file",
        ),
        (
            vec!["--sweep", s, "--x", "peerz", "--y", "messages_per_commit"],
            "'peerz'",
        ),
        (
            vec!["--sweep", s, "--x", "peers", "--y", "digest"],
            "no numbers",
        ),
        (vec!["--sweep", s, "--x", "peers"], "--y"),
        (
            vec![
                "--sweep", s, "--x", "peers", "--y", "loss", "--where", "loss=7",
            ],
            "no run matches",
        ),
    ] {
        let out = plot(&args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.starts_with("error: ") && err.contains(mention),
            "{args:?}: {err}"
        );
    }
}
