//! `--protocol v2` end to end: the baseline commits everything, within the targets.

mod common;

use common::json_summary as summary;

#[test]
fn v2_commits_the_whole_baseline_within_the_targets() {
    let s = summary(&["--protocol", "v2", "--config", "configs/baseline-2000.toml"]);
    assert_eq!(s["protocol"], "v2");
    assert_eq!(s["commit_rate"].as_f64(), Some(1.0), "{s}");
    assert_eq!(s["blocks_in_flight"], 0);
    assert_eq!(s["safety_violations"], 0);
    assert!(s["messages_per_commit"].as_f64().unwrap() < 500.0, "{s}");
    assert!(s["ticks_per_commit_mean"].as_f64().unwrap() < 20.0, "{s}");
    assert!(s["bytes_per_commit"].as_f64().unwrap() > 0.0);
}

/// Issue 18, item 4: a 50/50 partition of 600 ticks, longer than a block's life plus the
/// book's horizon (`entry_ttl` + `gc_after` = 400), so members come back behind on tokens whose
/// parent bodies are gone and holding locks for blocks that are gone too. The commit rate is
/// back within 100 ticks of the heal, and nothing is rejected.
#[test]
fn v2_heals_within_100_ticks_after_a_partition_longer_than_the_books_horizon() {
    let s = summary(&[
        "--protocol",
        "v2",
        "--peers",
        "300",
        "--tokens",
        "20",
        "--ticks",
        "1100",
        "--partition",
        "100..700:0.5,0.5",
    ]);
    assert_eq!(s["safety_violations"], 0, "{s}");
    assert_eq!(s["blocks_rejected"], 0, "{s}");
    let healed = &s["partitions"][0];
    assert_eq!(healed["heal"], 700, "{s}");
    let ticks = healed["recovery_ticks"].as_u64();
    assert!(ticks.is_some_and(|t| t < 100), "{healed}");
}
