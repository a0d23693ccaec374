//! Session churn end to end (`--session-churn`): the offline share holds, v2 stays safe, dht
//! maintenance is counted apart from the protocol's messages and from `messages_per_commit`,
//! runs are the same on 1 and 2 threads, and bad values are one-line usage errors.

mod common;

fn int(s: &serde_json::Value, key: &str) -> u64 {
    s[key].as_u64().unwrap_or_else(|| panic!("{key} in {s}"))
}

fn float(s: &serde_json::Value, key: &str) -> f64 {
    s[key].as_f64().unwrap_or_else(|| panic!("{key} in {s}"))
}

/// v2 on a dht of 2,000 peers, a tenth of them offline at any time.
fn dht_run(extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "--protocol",
        "v2",
        "--topology",
        "dht",
        "--peers",
        "2000",
        "--ticks",
        "300",
        "--session-churn",
        "0.1",
        "--session-mean",
        "100",
        "--check",
    ];
    args.extend_from_slice(extra);
    common::json_summary(&args)
}

#[test]
fn v2_stays_safe_under_session_churn_and_maintenance_is_counted_apart() {
    let s = dht_run(&[]);
    assert_eq!(s["safety_checked"], true);
    assert_eq!(s["safety_violations"], 0, "{s}");
    assert!(float(&s, "commit_rate") >= 0.9, "{s}");
    let share = float(&s, "offline_share_mean");
    assert!((share - 0.1).abs() < 0.02, "offline share {share}");
    assert!(
        int(&s, "session_joins") > 0 && int(&s, "maintenance_pings") > 0,
        "{s}"
    );
    assert!(
        int(&s, "contacts_dead") > 0 && int(&s, "contacts_replaced") > 0,
        "{s}"
    );
    let upkeep = int(&s, "maintenance_sent");
    assert!(upkeep > 0, "{s}");
    // messages_sent holds the protocol's messages and the sends' lookups, not maintenance.
    let by_phase: u64 = s["sent_by_phase"]
        .as_object()
        .expect("sent_by_phase")
        .values()
        .map(|v| v.as_u64().expect("a count"))
        .sum();
    let sent = int(&s, "messages_sent");
    assert_eq!(sent, by_phase + int(&s, "lookup_sent"), "{s}");
    let committed = int(&s, "blocks_committed") as f64;
    assert!((float(&s, "messages_per_commit") - sent as f64 / committed).abs() < 1e-6);
    assert!((float(&s, "maintenance_per_commit") - upkeep as f64 / committed).abs() < 1e-6);
    let peer_ticks = 2000.0 * (int(&s, "ticks") + int(&s, "drain_ticks")) as f64;
    let rate = float(&s, "maintenance_per_peer_per_tick");
    assert!((rate - upkeep as f64 / peer_ticks).abs() < 1e-9, "{s}");
}

#[test]
fn session_churn_runs_are_the_same_on_one_and_two_threads() {
    let extra = ["--loss", "0.05", "--session-shape", "0.7"];
    let one = dht_run(&[&extra[..], &["--threads", "1"]].concat());
    let two = dht_run(&[&extra[..], &["--threads", "2"]].concat());
    assert_eq!(one["digest"], two["digest"]);
    for key in [
        "messages_sent",
        "lookup_sent",
        "maintenance_sent",
        "maintenance_lookups",
        "contacts_replaced",
        "session_joins",
        "offline_share_mean",
    ] {
        assert_eq!(one[key], two[key], "{key}");
    }
}

#[test]
fn without_maintenance_no_contact_is_replaced_and_no_datagram_counted() {
    let s = dht_run(&["--maintenance-every", "0"]);
    for key in ["maintenance_sent", "maintenance_pings", "contacts_replaced"] {
        assert_eq!(int(&s, key), 0, "{key}");
    }
    assert!(int(&s, "session_joins") > 0, "peers still come back: {s}");
    assert_eq!(s["safety_violations"], 0);
}

#[test]
fn on_a_one_hop_topology_peers_only_go_offline() {
    let s = common::json_summary(&[
        "--protocol",
        "v2",
        "--peers",
        "1500",
        "--ticks",
        "200",
        "--session-churn",
        "0.2",
        "--session-mean",
        "50",
    ]);
    let share = float(&s, "offline_share_mean");
    assert!((share - 0.2).abs() < 0.03, "offline share {share}");
    assert_eq!(int(&s, "maintenance_sent"), 0);
    assert!(int(&s, "session_joins") > 0);
    assert_eq!(s["safety_violations"], 0);
}

#[test]
fn bad_session_churn_values_are_one_line_usage_errors() {
    for (args, field) in [
        (vec!["--session-churn", "0.95"], "session_churn"),
        (
            vec!["--session-churn", "0.1", "--churn", "0.01"],
            "session_churn",
        ),
        (
            vec!["--session-churn", "0.1", "--session-mean", "0"],
            "session_mean",
        ),
        (
            vec!["--session-churn", "0.1", "--session-shape", "0"],
            "session_shape",
        ),
        (vec!["--maintenance-every", "1000000"], "maintenance_every"),
    ] {
        let out = common::ecrust(&[&args[..], &["--ticks", "5"]].concat());
        let err = common::stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(field), "{args:?}: {err}");
    }
}
