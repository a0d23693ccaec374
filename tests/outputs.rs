//! Outputs end to end: Arrow files that read back and agree with the summary, SIGINT leaving
//! a partial-marked file, flamegraphs, and bad output paths refused before the run.

mod common;

use arrow_array::{Array, Float64Array, RecordBatch, StringArray, UInt64Array};
use arrow_ipc::reader::FileReader;
use common::assert_summary_types;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value;
use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_ecrust-ecs");

fn run_json(args: &[&str]) -> Value {
    let out = Command::new(BIN)
        .args(["--quiet", "--summary", "json"])
        .args(args)
        .output()
        .expect("the binary starts");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON summary")
}

fn read(
    path: &Path,
) -> (
    Vec<arrow_array::RecordBatch>,
    std::collections::HashMap<String, String>,
) {
    let reader =
        FileReader::try_new(File::open(path).expect("file exists"), None).expect("Arrow IPC");
    let meta = reader.custom_metadata().clone();
    let batches = reader.map(|b| b.expect("batch")).collect();
    (batches, meta)
}

fn read_parquet(path: &Path) -> (Vec<RecordBatch>, std::collections::HashMap<String, String>) {
    let builder = ParquetRecordBatchReaderBuilder::try_new(File::open(path).expect("file exists"))
        .expect("Parquet");
    let meta = builder.schema().metadata().clone().into();
    let batches = builder
        .build()
        .unwrap()
        .map(|b| b.expect("batch"))
        .collect();
    (batches, meta)
}

/// One table as a single batch, without schema metadata, for comparing contents.
fn contents(batches: &[RecordBatch]) -> RecordBatch {
    let schema = std::sync::Arc::new(arrow_schema::Schema::new(
        batches[0].schema().fields().clone(),
    ));
    let plain: Vec<RecordBatch> = batches
        .iter()
        .map(|b| RecordBatch::try_new(schema.clone(), b.columns().to_vec()).unwrap())
        .collect();
    arrow_select::concat::concat_batches(&schema, &plain).unwrap()
}

fn rows(batches: &[arrow_array::RecordBatch]) -> usize {
    batches.iter().map(|b| b.num_rows()).sum()
}

#[test]
fn arrow_files_read_back_and_agree_with_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let s = run_json(&[
        "--peers",
        "400",
        "--ticks",
        "250",
        "--tokens",
        "20",
        "--arrow",
        out.to_str().unwrap(),
    ]);

    let (ticks, meta) = read(&out.join("ticks.arrow"));
    let drain = s["drain_ticks"].as_u64().unwrap() as usize;
    assert_eq!(
        rows(&ticks),
        250 + drain,
        "one row per tick, the drain's too"
    );
    assert_eq!(meta["ecrust.status"], "complete");
    let committed_per_tick: u64 = ticks
        .iter()
        .map(|b| {
            let col = b.column_by_name("blocks_committed").unwrap();
            let col = col.as_any().downcast_ref::<UInt64Array>().unwrap();
            col.values().iter().sum::<u64>()
        })
        .sum();
    assert_eq!(
        committed_per_tick,
        s["member_blocks"]["committed"].as_u64().unwrap()
    );

    let (blocks, _) = read(&out.join("blocks.arrow"));
    assert_eq!(
        rows(&blocks) as u64,
        s["blocks_submitted"].as_u64().unwrap()
    );
    let committed_rows: usize = blocks
        .iter()
        .map(|b| {
            let col = b.column_by_name("outcome").unwrap();
            let col = col.as_any().downcast_ref::<StringArray>().unwrap();
            col.iter().filter(|v| *v == Some("committed")).count()
        })
        .sum();
    assert_eq!(
        committed_rows as u64,
        s["blocks_committed"].as_u64().unwrap()
    );

    // The run table is one row, a typed column per summary field.
    let (run, _) = read(&out.join("run.arrow"));
    assert_eq!(rows(&run), 1);
    let text = |name: &str| {
        let col = run[0]
            .column_by_name(name)
            .unwrap_or_else(|| panic!("{name}"));
        col.as_any()
            .downcast_ref::<StringArray>()
            .unwrap()
            .value(0)
            .to_string()
    };
    assert_eq!(text("status"), "complete");
    assert_eq!(text("digest"), s["digest"].as_str().unwrap());
    let committed = run[0].column_by_name("blocks_committed").unwrap();
    let committed = committed.as_any().downcast_ref::<UInt64Array>().unwrap();
    assert_eq!(committed.value(0), s["blocks_committed"].as_u64().unwrap());
    assert!(run[0].column_by_name("messages_by_type.vote").is_some());
    // The derived conflict figures are columns too (docs/outputs.md lists them).
    for name in [
        "conflict_families.one_winner_rate",
        "conflict_families.in_flight",
    ] {
        assert!(run[0].column_by_name(name).is_some(), "{name}");
    }
    // No temporary file is left behind.
    let names: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".partial")), "{names:?}");
}

/// Counts are unsigned integers and rates doubles in both protocols' run tables, and the two
/// schemas agree, so one glob stacks runs of either (a null count stays an integer).
#[test]
fn run_tables_type_counts_as_unsigned_integers_for_every_protocol() {
    let dir = tempfile::tempdir().unwrap();
    let mut schemas = Vec::new();
    for protocol in ["v2", "original"] {
        let out = dir.path().join(protocol);
        let s = run_json(&[
            "--protocol",
            protocol,
            "--peers",
            "300",
            "--ticks",
            "100",
            "--tokens",
            "10",
            "--parquet",
            out.to_str().unwrap(),
        ]);
        let (run, _) = read_parquet(&out.join("run.parquet"));
        let schema = run[0].schema();
        assert_summary_types(&schema, &[]);
        let count = |name: &str| {
            let col = run[0].column_by_name(name).unwrap();
            col.as_any().downcast_ref::<UInt64Array>().unwrap().value(0)
        };
        assert_eq!(count("messages_sent"), s["messages_sent"].as_u64().unwrap());
        assert_eq!(count("seed"), 1);
        let rate = run[0].column_by_name("messages_per_commit").unwrap();
        let rate = rate.as_any().downcast_ref::<Float64Array>().unwrap();
        assert_eq!(rate.value(0), s["messages_per_commit"].as_f64().unwrap());
        // The original has no committees: a null count, still typed as one.
        let captured = schema.field_with_name("captured_committees").unwrap();
        assert_eq!(captured.data_type(), &arrow_schema::DataType::UInt64);
        schemas.push(arrow_schema::Schema::new(schema.fields().clone()));
    }
    assert_eq!(schemas[0], schemas[1]);
}

#[test]
fn parquet_files_hold_what_the_arrow_files_hold() {
    let dir = tempfile::tempdir().unwrap();
    let run = ["--peers", "300", "--ticks", "150", "--tokens", "10"];
    let arrow = dir.path().join("arrow");
    let parquet = dir.path().join("parquet");
    let a = run_json(&[&run[..], &["--arrow", arrow.to_str().unwrap()]].concat());
    let p = run_json(&[&run[..], &["--parquet", parquet.to_str().unwrap()]].concat());
    assert_eq!(a["digest"], p["digest"]);
    for table in ["ticks", "blocks"] {
        let (ab, am) = read(&arrow.join(format!("{table}.arrow")));
        let (pb, pm) = read_parquet(&parquet.join(format!("{table}.parquet")));
        assert_eq!(contents(&ab), contents(&pb), "{table}");
        for key in [
            "ecrust.config",
            "ecrust.seed",
            "ecrust.version",
            "ecrust.status",
        ] {
            assert_eq!(
                am.get(key).or(ab[0].schema().metadata().get(key)),
                pm.get(key),
                "{table} {key}"
            );
        }
        assert_eq!(pm["ecrust.status"], "complete");
        // The run's ticks and then its drain.
        let done = 150 + p["drain_ticks"].as_u64().unwrap();
        assert_eq!(pm["ecrust.ticks_done"], done.to_string());
    }
    let (run_table, _) = read_parquet(&parquet.join("run.parquet"));
    assert_eq!(rows(&run_table), 1);
    let status = run_table[0].column_by_name("status").unwrap();
    let status = status.as_any().downcast_ref::<StringArray>().unwrap();
    assert_eq!(status.value(0), "complete");
    // One format per run: both at once is a one-line usage error.
    let both = Command::new(BIN)
        .args(["--quiet", "--arrow", "a", "--parquet", "b"])
        .output()
        .unwrap();
    assert_eq!(both.status.code(), Some(2));
    let err = String::from_utf8_lossy(&both.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("--parquet"), "{err}");
    let names: Vec<_> = std::fs::read_dir(&parquet)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".partial")), "{names:?}");
}

/// The one-line pyarrow example of docs/outputs.md, run for real when pyarrow is installed.
#[test]
fn pyarrow_reads_the_files_as_the_docs_say() {
    if !common::python_has("pyarrow") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let s = run_json(&[
        "--peers",
        "300",
        "--ticks",
        "120",
        "--tokens",
        "10",
        "--arrow",
        out.to_str().unwrap(),
    ]);
    // Kept in step with the one-liner in docs/outputs.md.
    let script = "import pyarrow.ipc as ipc, pyarrow.compute as pc, sys; d = sys.argv[1]; \
                  t = ipc.open_file(d + '/ticks.arrow').read_all(); \
                  b = ipc.open_file(d + '/blocks.arrow').read_all(); \
                  print(t.num_rows, pc.sum(pc.equal(b['outcome'], 'committed')).as_py())";
    let py = Command::new("python3")
        .args(["-c", script, out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        py.status.success(),
        "{}",
        String::from_utf8_lossy(&py.stderr)
    );
    let text = String::from_utf8(py.stdout).unwrap();
    assert_eq!(
        text.trim(),
        format!(
            "{} {}",
            120 + s["drain_ticks"].as_u64().unwrap(),
            s["member_blocks"]["committed"].as_u64().unwrap()
        )
    );
}

#[test]
fn sigint_leaves_a_readable_partial_file_and_exit_code_130() {
    for format in ["arrow", "parquet"] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let child = Command::new(BIN)
            .args([
                "--quiet",
                "--summary",
                "json",
                "--peers",
                "2000",
                "--ticks",
                "10000000",
            ])
            .arg(format!("--{format}"))
            .arg(&out)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        // Let it run some ticks (the temporary file appears at start-up).
        let temp = out.join(format!(".ticks.{format}.partial"));
        let started = Instant::now();
        while !temp.exists() && started.elapsed() < Duration::from_secs(20) {
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(700));
        let kill = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(kill.success());
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(130), "{format}");
        let s: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(s["interrupted"], true);
        let path = out.join(format!("ticks.{format}"));
        let (ticks, meta) = match format {
            "arrow" => read(&path),
            _ => read_parquet(&path),
        };
        assert_eq!(meta["ecrust.status"], "partial", "{format}");
        assert_eq!(rows(&ticks) as u64, s["ticks"].as_u64().unwrap());
        assert!(rows(&ticks) > 0);
    }
}

#[test]
fn an_unwritable_output_is_refused_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "not a directory").unwrap();
    for args in [
        vec!["--arrow", file.to_str().unwrap()],
        vec!["--parquet", file.to_str().unwrap()],
        vec!["--flamegraph", "/nonexistent-dir/f.svg"],
    ] {
        let started = Instant::now();
        let out = Command::new(BIN)
            .args(["--quiet", "--ticks", "100000"])
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "refused before running"
        );
    }
}

#[cfg(feature = "flamegraph")]
#[test]
fn flamegraph_names_the_systems() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("f.svg");
    run_json(&[
        "--peers",
        "5000",
        "--ticks",
        "600",
        "--flamegraph",
        svg.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<?xml") || text.contains("<svg"));
    // Any one system will do: a loaded machine may leave a short run few samples of each.
    assert!(
        text.contains("ecrust_systems::systems::"),
        "frames name the systems"
    );
}
