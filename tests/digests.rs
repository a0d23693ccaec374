//! Each protocol keeps its behaviour: on every scenario of `tests/data/original-digests.txt`
//! and `tests/data/v2-digests.txt` the run's digest equals the recorded one, on one thread
//! and on two. A change meant to alter a protocol's behaviour must record new digests
//! (`scripts/digests.sh --update`) in a commit of its own that says why.

use std::process::Command;

struct Scenario {
    name: String,
    digest: String,
    args: Vec<String>,
}

fn scenarios(file: &str) -> Vec<Scenario> {
    let path = format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).expect("the digest file is in the repository");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let fields: Vec<&str> = l.splitn(3, '|').map(str::trim).collect();
            assert_eq!(fields.len(), 3, "malformed line: {l}");
            Scenario {
                name: fields[0].to_string(),
                digest: fields[1].to_string(),
                args: fields[2].split_whitespace().map(String::from).collect(),
            }
        })
        .collect()
}

fn digest_of(args: &[String], threads: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_ecrust-ecs"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .args(["--threads", threads, "--quiet", "--summary", "json"])
        .output()
        .expect("the binary runs");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("the summary is JSON");
    summary["digest"]
        .as_str()
        .expect("the summary has a digest")
        .to_string()
}

#[test]
fn the_original_protocol_keeps_its_digests_on_one_and_two_threads() {
    keeps_its_digests("original-digests.txt", 10);
}

#[test]
fn v2_keeps_its_digests_on_one_and_two_threads() {
    keeps_its_digests("v2-digests.txt", 7);
}

fn keeps_its_digests(file: &str, at_least: usize) {
    let scenarios = scenarios(file);
    assert!(
        scenarios.len() >= at_least,
        "{file}: the scenario set has shrunk"
    );
    let mut differ = Vec::new();
    for s in &scenarios {
        for threads in ["1", "2"] {
            let got = digest_of(&s.args, threads);
            if got != s.digest {
                differ.push(format!(
                    "{} on {threads} thread(s): {got}, recorded {}",
                    s.name, s.digest
                ));
            }
        }
    }
    assert!(differ.is_empty(), "digests changed:\n{}", differ.join("\n"));
}
