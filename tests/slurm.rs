//! A sweep through a real Slurm: `scripts/slurm-local.sh` starts a one-node cluster on
//! loopback (installing it when missing), the tiny sweep runs as 4 array tasks with shard 2
//! failing on purpose (`ECRUST_FAIL_SHARD`), gather names it, `--resume` reruns only it, and
//! the merged table equals the local sweep's. Skips only where Slurm cannot be installed.

mod common;

use common::*;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Past this the cluster is considered stuck; the script is stopped (it cleans up on SIGTERM).
const DEADLINE: Duration = Duration::from_secs(170);

/// Each step's stdout, stderr and exit code land in `results/NAME.{out,err,rc}`, so one
/// cluster start serves every step and the assertions run afterwards, here.
fn steps_script(dir: &Path) -> String {
    let out = dir.join("slurm");
    format!(
        r#"set -u
R='{results}'
mkdir -p "$R"
step() {{ name=$1; shift; "$@" >"$R/$name.out" 2>"$R/$name.err"; echo $? >"$R/$name.rc"; }}
step submit env ECRUST_FAIL_SHARD=2 '{bin}' sweep --config '{config}' --slurm --shards 4 --wait --out '{out}'
step gather_missing '{bin}' gather '{out}' --out '{out}/merged.parquet'
step resume '{bin}' sweep --slurm --resume '{out}' --wait
step gather '{bin}' gather '{out}' --out '{out}/merged.parquet'
"#,
        results = dir.join("results").display(),
        bin = BIN,
        config = TINY_SWEEP,
        out = out.display(),
    )
}

struct Step {
    code: i32,
    out: String,
    err: String,
}

fn step(dir: &Path, name: &str) -> Step {
    let read = |ext: &str| {
        std::fs::read_to_string(dir.join("results").join(format!("{name}.{ext}")))
            .unwrap_or_else(|e| panic!("step {name} did not run: {e}"))
    };
    Step {
        code: read("rc").trim().parse().expect("an exit code"),
        out: read("out"),
        err: read("err"),
    }
}

#[test]
fn a_slurm_sweep_survives_a_failed_shard_and_equals_the_local_sweep() {
    let tmp = tempfile::tempdir().unwrap();
    let local = tmp.path().join("local.parquet");
    let res = ecrust(&[
        "sweep",
        "--config",
        TINY_SWEEP,
        "--out",
        local.to_str().unwrap(),
    ]);
    assert_eq!(res.status.code(), Some(0), "{}", stderr(&res));

    let steps = tmp.path().join("steps.sh");
    std::fs::write(&steps, steps_script(tmp.path())).unwrap();
    let started = Instant::now();
    let mut cluster = Command::new("bash")
        .current_dir(ROOT)
        .arg("scripts/slurm-local.sh")
        .arg("--")
        .arg("bash")
        .arg(&steps)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bash starts");
    while cluster.try_wait().unwrap().is_none() {
        if started.elapsed() > DEADLINE {
            let _ = Command::new("kill")
                .args(["-TERM", &cluster.id().to_string()])
                .status();
            let out = cluster.wait_with_output().unwrap();
            panic!(
                "Slurm sweep still running after {DEADLINE:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let cluster = cluster.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&cluster.stderr);
    if cluster.status.code() == Some(77) {
        eprintln!("skipped: {}", log.trim());
        return;
    }
    assert_eq!(cluster.status.code(), Some(0), "slurm-local.sh: {log}");
    eprintln!("slurm test: {:.0?} including start-up", started.elapsed());

    let submit = step(tmp.path(), "submit");
    assert!(submit.out.contains("submitted job"), "{}", submit.out);
    assert_eq!(
        submit.code, 1,
        "a failed task fails the wait: {}",
        submit.err
    );
    assert!(submit.err.contains("failed tasks"), "{}", submit.err);

    let missing = step(tmp.path(), "gather_missing");
    assert_eq!(missing.code, 1, "{}", missing.err);
    assert_eq!(missing.err.trim_end().lines().count(), 1, "{}", missing.err);
    assert!(
        missing.err.contains("1 of 4 shards") && missing.err.contains("2 (failed"),
        "gather names shard 2: {}",
        missing.err
    );

    let resume = step(tmp.path(), "resume");
    assert_eq!(resume.code, 0, "{}", resume.err);
    assert!(
        resume.out.contains("shards 2 of 4"),
        "only shard 2: {}",
        resume.out
    );

    let gather = step(tmp.path(), "gather");
    assert_eq!(gather.code, 0, "{}", gather.err);
    let merged = tmp.path().join("slurm").join("merged.parquet");
    let local = tmp.path().join("local.parquet");
    let (want, got) = (deterministic_table(&local), deterministic_table(&merged));
    assert_eq!(want.num_rows(), 8);
    assert_eq!(want, got, "the Slurm sweep is the local sweep, row for row");
}
