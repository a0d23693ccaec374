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
