//! The binary end to end: bad input is a one-line usage error, good input a summary.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn ecrust(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ecrust-ecs"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("--quiet")
        .args(args)
        .output()
        .expect("the binary starts")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs and parses the JSON summary, which must be the only thing on stdout.
fn summary(args: &[&str]) -> Value {
    let out = ecrust(&[args, &["--summary", "json"]].concat());
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    let text = String::from_utf8(out.stdout).expect("utf-8 stdout");
    assert_eq!(text.trim_end().lines().count(), 1, "one line: {text}");
    let v: Value = serde_json::from_str(&text).expect("stdout is one JSON value");
    assert!(v.is_object(), "{v}");
    v
}

fn digest(args: &[&str]) -> String {
    summary(args)["digest"]
        .as_str()
        .expect("digest is a string")
        .to_owned()
}

/// Exit code 2, nothing on stdout, one line on stderr that names `field` and contains every
/// one of `mentions` (the allowed range or values), and no panic.
fn assert_usage_error(args: &[&str], field: &str, mentions: &[&str]) {
    let out = ecrust(args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(out.stdout.is_empty(), "{args:?}: stdout not empty");
    assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
    assert!(err.starts_with("error: "), "{args:?}: {err}");
    assert!(err.contains(field), "{args:?} must name {field}: {err}");
    for m in mentions {
        assert!(err.contains(m), "{args:?} must mention {m}: {err}");
    }
    assert!(!err.contains("panicked"), "{args:?}: {err}");
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("temp file");
    path.to_string_lossy().into_owned()
}

#[test]
fn out_of_range_flags_are_one_line_usage_errors() {
    assert_usage_error(&["--peers", "0"], "peers", &["allowed 16..="]);
    assert_usage_error(&["--loss", "1.5"], "loss", &["allowed 0.0..=0.5"]);
    // The default topology gives ~800 peers per node: at most 9 voters, so threshold <= 8.
    assert_usage_error(&["--threshold", "9"], "threshold", &["allowed 1..=8"]);
    assert_usage_error(
        &[
            "--peers",
            "100",
            "--topology",
            "random",
            "--degree",
            "8",
            "--threshold",
            "8",
        ],
        "threshold",
        &["allowed 1..=7"],
    );
    assert_usage_error(
        &["--topology", "moebius"],
        "topology",
        &["random", "ring-gradient", "ring-gaussian", "line-gradient"],
    );
    assert_usage_error(&["--peers", "many"], "peers", &[]);
    assert_usage_error(&["--no-such-flag"], "--no-such-flag", &[]);
    assert_usage_error(&["--delay", "5..2"], "delay", &["allowed"]);
    assert_usage_error(
        &["--protocol", "nosuch"],
        "protocol",
        &["allowed: original"],
    );
}

#[test]
fn the_protocol_is_chosen_by_flag_or_file_and_reported() {
    let v = summary(&["--peers", "200", "--ticks", "30"]);
    assert_eq!(v["protocol"], "v2", "the default");
    let v = summary(&["--peers", "200", "--ticks", "30", "--protocol", "original"]);
    assert_eq!(v["protocol"], "original", "by flag");
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(
        dir.path(),
        "p.toml",
        "protocol = \"original\"\npeers = 200\n",
    );
    let v = summary(&["--config", &file, "--ticks", "30"]);
    assert_eq!(v["protocol"], "original", "by file");
    let v = summary(&["--config", &file, "--ticks", "30", "--protocol", "v2"]);
    assert_eq!(v["protocol"], "v2", "the flag over the file");
    let bad = write(dir.path(), "bad.toml", "protocol = \"nosuch\"\n");
    assert_usage_error(&["--config", &bad], "protocol", &["allowed: original"]);
}

#[test]
fn bad_config_files_are_one_line_usage_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("missing.toml");
    let missing = missing.to_string_lossy();
    assert_usage_error(&["--config", &missing], "config", &["cannot read"]);
    let a_directory = dir.path().to_string_lossy();
    assert_usage_error(&["--config", &a_directory], "config", &["cannot read"]);

    let malformed = write(dir.path(), "malformed.toml", "peers = = 3\n[[\n");
    assert_usage_error(&["--config", &malformed], "config", &["line 1"]);
    let wrong_type = write(
        dir.path(),
        "wrong-type.toml",
        "ticks = 5\npeers = \"many\"\n",
    );
    assert_usage_error(&["--config", &wrong_type], "config", &["line 2"]);
    let unknown = write(dir.path(), "unknown.toml", "peers = 300\nbogus = 3\n");
    assert_usage_error(&["--config", &unknown], "bogus", &["line 2", "peers"]);

    let topology = write(dir.path(), "topology.toml", "topology = \"moebius\"\n");
    assert_usage_error(&["--config", &topology], "topology", &["ring-gradient"]);
    let loss = write(dir.path(), "loss.toml", "loss = 1.5\n");
    assert_usage_error(&["--config", &loss], "loss", &["allowed 0.0..=0.5"]);
}

#[test]
fn help_and_version_go_to_stdout() {
    let out = ecrust(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in ["--peers", "--config", "--summary", "--threads", "--loss"] {
        assert!(help.contains(flag), "{flag} missing from --help");
    }
    assert!(out.stderr.is_empty());
    let out = ecrust(&["--version"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("ecrust-ecs "));
}

#[test]
fn json_summary_has_every_documented_key() {
    let v = summary(&["--peers", "200", "--ticks", "60", "--tokens", "5"]);
    for key in [
        "protocol",
        "peers",
        "ticks",
        "seed",
        "threads",
        "blocks_submitted",
        "blocks_committed",
        "commit_rate",
        "messages_delivered",
        "delivered_per_commit",
        "drain_ticks",
        "conflict_families",
        "member_blocks",
        "messages_per_commit",
        "ticks_per_commit_mean",
        "ticks_per_commit_p50",
        "ticks_per_commit_p99",
        "messages_by_type",
        "safety_violations",
        "wall_seconds",
        "peak_rss_bytes",
        "digest",
    ] {
        assert!(v.get(key).is_some(), "missing key {key} in {v}");
    }
    assert!(v["messages_by_type"].is_object());
    assert_eq!(
        (v["peers"].as_u64(), v["ticks"].as_u64()),
        (Some(200), Some(60))
    );
    assert_eq!(v["seed"].as_u64(), Some(1));
    assert!(v["blocks_submitted"].as_u64().unwrap() > 0);
    assert!(v["digest"].as_str().unwrap().len() == 16);
}

#[test]
fn the_text_summary_ends_with_the_digest() {
    let out = ecrust(&["--peers", "100", "--ticks", "20"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("ecrust-ecs run"), "{text}");
    assert!(
        text.lines().any(|l| l.trim_start().starts_with("digest")),
        "{text}"
    );
}

#[test]
fn the_baseline_commits_and_stays_safe_also_at_30_percent_loss() {
    for extra in [&[][..], &["--loss", "0.3"][..]] {
        let args = [&["--config", "configs/baseline-2000.toml"][..], extra].concat();
        let v = summary(&args);
        let rate = v["commit_rate"].as_f64().expect("commit_rate");
        assert!(rate > 0.9, "{args:?}: commit rate {rate}");
        assert_eq!(v["safety_violations"].as_u64(), Some(0), "{args:?}");
        assert!(v["blocks_committed"].as_u64().unwrap() > 10, "{args:?}");
    }
}

#[test]
fn the_digest_depends_on_behaviour_not_on_threads() {
    for protocol in ["original", "v2"] {
        let base = [
            "--config",
            "configs/baseline-2000.toml",
            "--ticks",
            "600",
            "--protocol",
            protocol,
        ];
        let one = digest(&[&base[..], &["--threads", "1"]].concat());
        let two = digest(&[&base[..], &["--threads", "2"]].concat());
        assert_eq!(one, two, "{protocol}: threads must not change the run");
        let seed = digest(&[&base[..], &["--threads", "2", "--seed", "2"]].concat());
        assert_ne!(one, seed, "{protocol}: another seed is another run");
        let loss = digest(&[&base[..], &["--threads", "2", "--loss", "0.1"]].concat());
        assert_ne!(one, loss, "{protocol}: another loss rate is another run");
    }
    // The original's threshold (v2 has none: its quorum is fixed by the committee size).
    let base = ["--config", "configs/baseline-2000.toml", "--ticks", "600"];
    let original = [&base[..], &["--protocol", "original"]].concat();
    let threshold = digest(&[&original[..], &["--threshold", "3"]].concat());
    assert_ne!(
        digest(&original),
        threshold,
        "another threshold is another run"
    );
}

#[test]
fn a_closed_stdout_is_no_panic() {
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_ecrust-ecs"))
        .args(["--peers", "200", "--ticks", "20", "--quiet"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    // The reader leaves before the summary is written, as `| head -0` would.
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("the binary ends");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
}

/// `--help` and `fuzz --help` list every row of the tables of protocols and behaviours, with
/// their help text.
#[test]
fn the_help_lists_the_tables() {
    use ecrust_systems::config::{BEHAVIOURS, PROTOCOLS};
    let text = |args: &[&str]| {
        let out = ecrust(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    let help = text(&["--help"]);
    for e in PROTOCOLS {
        assert!(
            help.contains(&format!("{} ({})", e.name, e.help)),
            "{}: {help}",
            e.name
        );
    }
    for e in BEHAVIOURS {
        assert!(
            help.contains(&format!("{} ({})", e.name, e.help)),
            "{}: {help}",
            e.name
        );
    }
    let fuzz = text(&["fuzz", "--help"]);
    for e in PROTOCOLS {
        assert!(fuzz.contains(e.name), "{}: {fuzz}", e.name);
    }
}

/// `[protocol.original]` and `[protocol.v2]` take each protocol's keys with the meaning of the
/// old top-level keys: both forms give the same run; giving a key both ways is a usage error.
#[test]
fn protocol_sections_mean_the_old_top_level_keys() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    let run = "peers = 200\nticks = 60\nloss = 0.05\n";
    let pairs = [
        (
            "protocol = \"original\"\nthreshold = 3\nthreshold_policy = \"adaptive:1..3\"\n",
            "[protocol]\nname = \"original\"\n[protocol.original]\nthreshold = 3\nthreshold_policy = \"adaptive:1..3\"\n",
        ),
        (
            "protocol = \"v2\"\ntolerance = 12\n",
            "[protocol]\nname = \"v2\"\n[protocol.v2]\ntolerance = 12\n",
        ),
        // A section of a protocol that does not run still sets its keys, as the old form did.
        ("tolerance = 12\n", "[protocol.v2]\ntolerance = 12\n"),
    ];
    for (i, (old, new)) in pairs.iter().enumerate() {
        let old = write(dir, &format!("old-{i}.toml"), &format!("{run}{old}"));
        let new = write(dir, &format!("new-{i}.toml"), &format!("{run}{new}"));
        assert_eq!(
            digest(&["--config", &old]),
            digest(&["--config", &new]),
            "pair {i}"
        );
    }
    for (i, (key, text)) in [
        (
            "threshold",
            "threshold = 2\n[protocol.original]\nthreshold = 3\n",
        ),
        (
            "threshold_policy",
            "threshold_policy = \"fixed\"\n[protocol.original]\nthreshold_policy = \"fixed\"\n",
        ),
        (
            "tolerance",
            "tolerance = 12\n[protocol.v2]\ntolerance = 12\n",
        ),
    ]
    .iter()
    .enumerate()
    {
        let both = write(dir, &format!("both-{i}.toml"), &format!("{run}{text}"));
        assert_usage_error(&["--config", &both], key, &["given both"]);
    }
    let misplaced = write(dir, "misplaced.toml", "[protocol.v2]\nthreshold = 3\n");
    assert_usage_error(
        &["--config", &misplaced],
        "threshold",
        &["allowed: tolerance"],
    );
}

/// `--byzantine-placement` takes `random` or `targeted`; anything else, by flag or in a
/// scenario file, is a one-line usage error. A targeted run reports its placement and the
/// committees it captured.
#[test]
fn the_byzantine_placement_is_checked_and_reported() {
    assert_usage_error(
        &["--byzantine-placement", "nearby"],
        "byzantine_placement",
        &["random, targeted"],
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let bad = write(dir.path(), "bad.toml", "byzantine_placement = 3\n");
    assert_usage_error(&["--config", &bad], "byzantine_placement", &["line 1"]);
    let args = [
        "--peers",
        "300",
        "--ticks",
        "40",
        "--tokens",
        "5",
        "--byzantine",
        "0.2",
    ];
    let v = summary(&[&args[..], &["--byzantine-placement", "targeted"]].concat());
    assert_eq!(v["byzantine_placement"], "targeted");
    assert!(v["captured_committees"].as_u64().unwrap() >= 1, "{v}");
    let v = summary(&args);
    assert_eq!(v["byzantine_placement"], "random");
}

/// A behaviour with nothing to act on in a run says so in the report, rather than leaving an
/// honest-looking run to pass for an attacked one.
#[test]
fn the_report_says_when_a_behaviour_has_nothing_to_act_on() {
    let byzantine_row = |args: &[&str]| {
        let out = ecrust(args);
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .find(|l| l.trim_start().starts_with("byzantine"))
            .map(str::to_owned)
            .unwrap_or_default()
    };
    let base = ["--peers", "300", "--ticks", "20", "--byzantine", "0.1"];
    let collector = |topology: &str| {
        let mut args = base.to_vec();
        args.extend(["--byzantine-behaviour", "collector", "--topology", topology]);
        byzantine_row(&args)
    };
    assert!(
        collector("ring-gradient").contains("no effect"),
        "{}",
        collector("ring-gradient")
    );
    assert!(
        !collector("small-world").contains("no effect"),
        "{}",
        collector("small-world")
    );
    let mut original = base.to_vec();
    original.extend([
        "--protocol",
        "original",
        "--byzantine-behaviour",
        "withhold",
    ]);
    assert!(byzantine_row(&original).contains("only the late spend"));
}
