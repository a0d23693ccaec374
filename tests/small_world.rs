//! `--topology small-world` end to end: both protocols commit on it safely, through the CLI,
//! the same on 1 and 2 threads, and routed hops show in the sent count.

mod common;

/// A small-world run's JSON summary.
fn summary(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--topology", "small-world"];
    all.extend_from_slice(args);
    common::json_summary(&all)
}

#[test]
fn both_protocols_commit_safely_on_a_small_world() {
    for protocol in ["original", "v2"] {
        let s = summary(&["--protocol", protocol, "--peers", "2000", "--ticks", "300"]);
        assert_eq!(s["topology"], "small-world", "{s}");
        assert_eq!(s["safety_violations"], 0, "{protocol}: {s}");
        assert!(
            s["commit_rate"].as_f64().unwrap() >= 0.95,
            "{protocol}: {s}"
        );
        // Messages to unknown peers take several hops, each counted: many more are sent
        // than arrive at a receiver (2 % loss alone would leave ~98 % arriving).
        let (sent, delivered) = (
            s["messages_sent"].as_f64().unwrap(),
            s["messages_delivered"].as_f64().unwrap(),
        );
        assert!(sent > 1.5 * delivered, "{protocol}: {sent} vs {delivered}");
    }
}

#[test]
fn small_world_runs_are_the_same_on_one_and_two_threads() {
    for protocol in ["original", "v2"] {
        let args = |threads| {
            summary(&[
                "--protocol",
                protocol,
                "--peers",
                "1200",
                "--ticks",
                "120",
                "--loss",
                "0.1",
                "--threads",
                threads,
            ])
        };
        let (one, two) = (args("1"), args("2"));
        assert_eq!(one["digest"], two["digest"], "{protocol}");
        assert_eq!(one["messages_sent"], two["messages_sent"], "{protocol}");
    }
}
