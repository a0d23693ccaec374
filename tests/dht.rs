//! `--topology dht` end to end: both protocols commit on it safely through the CLI, the same
//! on 1 and 2 threads, and lookup traffic is counted apart from the protocol's and inside the
//! sent totals.

mod common;

/// A dht run's JSON summary.
fn summary(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--topology", "dht"];
    all.extend_from_slice(args);
    common::json_summary(&all)
}

fn int(s: &serde_json::Value, key: &str) -> u64 {
    s[key].as_u64().unwrap_or_else(|| panic!("{key} in {s}"))
}

#[test]
fn both_protocols_commit_safely_on_a_dht_and_lookups_are_counted_apart() {
    for protocol in ["original", "v2"] {
        let s = summary(&["--protocol", protocol, "--peers", "2000", "--ticks", "200"]);
        assert_eq!(s["topology"], "dht", "{s}");
        assert_eq!(s["safety_violations"], 0, "{protocol}: {s}");
        assert!(
            s["commit_rate"].as_f64().unwrap() >= 0.95,
            "{protocol}: {s}"
        );
        let lookup_sent = int(&s, "lookup_sent");
        assert!(int(&s, "lookups") > 0 && lookup_sent > 0, "{protocol}: {s}");
        // The totals hold both: per kind, only the protocol's messages.
        let by_phase: u64 = s["sent_by_phase"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum();
        assert_eq!(int(&s, "messages_sent"), by_phase + lookup_sent, "{s}");
        let (all, protocol_only, lookups) = (
            s["messages_per_commit"].as_f64().unwrap(),
            s["protocol_messages_per_commit"].as_f64().unwrap(),
            s["lookup_messages_per_commit"].as_f64().unwrap(),
        );
        assert!((all - protocol_only - lookups).abs() < 1e-6, "{s}");
    }
}

#[test]
fn dht_runs_are_the_same_on_one_and_two_threads() {
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
                "--churn",
                "0.001",
                "--threads",
                threads,
            ])
        };
        let (one, two) = (args("1"), args("2"));
        assert_eq!(one["digest"], two["digest"], "{protocol}");
        for key in [
            "messages_sent",
            "lookups",
            "lookup_sent",
            "lookup_cache_hits",
        ] {
            assert_eq!(one[key], two[key], "{protocol}: {key}");
        }
    }
}

#[test]
fn the_other_topologies_count_no_lookups() {
    let s = common::json_summary(&["--protocol", "v2", "--peers", "1000", "--ticks", "60"]);
    for key in ["lookups", "lookup_sent", "lookup_cache_hits"] {
        assert_eq!(int(&s, key), 0, "{key}");
    }
}
