//! The run summary on stdout: a readable table, or one JSON object.

use crate::export::json_columns::ColumnType;
use ecrust_systems::RunSummary;
use ecrust_systems::config::{Behaviour, PROTOCOLS, Placement, ProtocolKind, Topology};
use serde_json::{Value, json};

/// The summary's optional integer fields: null in some runs (no commit, no committee, no RSS
/// figure), yet counts, so the tables type them as integers even then.
pub const OPTIONAL_COUNTS: [(&str, ColumnType); 4] = [
    ("ticks_per_commit_p50", ColumnType::Unsigned),
    ("ticks_per_commit_p99", ColumnType::Unsigned),
    ("peak_rss_bytes", ColumnType::Unsigned),
    ("captured_committees", ColumnType::Unsigned),
];

/// Front-end facts the core does not know.
pub struct RunFacts {
    pub wall_seconds: f64,
    pub peak_rss_bytes: Option<u64>,
    pub interrupted: bool,
    /// Where the Byzantine peers sat (`--byzantine-placement`), reported so a replay can
    /// rebuild a targeted run.
    pub placement: Placement,
    /// Tokens whose committee held more Byzantine peers than the protocol tolerates
    /// (`Simulation::captured_committees`): beyond the claimed bound when above 0; `None`
    /// for a protocol without committees.
    pub captured_committees: Option<u32>,
}

pub fn to_json(s: &RunSummary, facts: &RunFacts) -> Value {
    let mut v = serde_json::to_value(s).unwrap_or_else(|_| json!({}));
    if let Value::Object(map) = &mut v {
        map.insert("wall_seconds".into(), json!(facts.wall_seconds));
        map.insert("peak_rss_bytes".into(), json!(facts.peak_rss_bytes));
        map.insert("interrupted".into(), json!(facts.interrupted));
        map.insert("byzantine_placement".into(), json!(facts.placement.name()));
        map.insert(
            "captured_committees".into(),
            json!(facts.captured_committees),
        );
        let delivered_per_s = if facts.wall_seconds > 0.0 {
            s.messages_delivered as f64 / facts.wall_seconds
        } else {
            0.0
        };
        map.insert("delivered_per_second".into(), json!(delivered_per_s));
    }
    v
}

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map(|x| format!("{x:.digits$}"))
        .unwrap_or_else(|| "-".into())
}

pub fn to_text(s: &RunSummary, facts: &RunFacts) -> String {
    let mut out = String::new();
    let mut row = |k: &str, v: String| out.push_str(&format!("  {k:<24} {v}\n"));
    row(
        "scenario",
        format!(
            "protocol {} ({}), {} peers, {} ticks, seed {}, loss {}, delay {}, {} (degree {:.0}), {} tokens",
            s.protocol,
            // Each protocol's own knobs, as its row of the table describes them.
            PROTOCOLS.iter().find(|e| e.name == s.protocol).map_or(
                String::new(),
                |e| (e.describe)(s.threshold, s.tolerance, s.byzantine_bound)
            ),
            s.peers,
            s.ticks,
            s.seed,
            s.loss,
            s.delay,
            s.topology,
            s.degree,
            s.tokens
        ) + &if s.rules == "default" {
            String::new()
        } else {
            format!(", rules {}", s.rules)
        },
    );
    let links = &s.seeded_links;
    row(
        "seeded links",
        format!(
            "mean {:.1}, min {}, max {} per peer ({})",
            links.mean,
            links.min,
            links.max,
            if links.peers_measured == s.peers as u64 {
                format!("all {} peers", s.peers)
            } else {
                format!("a sample of {} peers", links.peers_measured)
            }
        ),
    );
    row(
        "blocks",
        format!(
            "{} submitted, {} committed, {} rejected, {} timed out, {} in flight (a block, its twins and its retries count once)",
            s.blocks_submitted,
            s.blocks_committed,
            s.blocks_rejected,
            s.blocks_timed_out,
            s.blocks_in_flight
        ),
    );
    if s.conflict_families.total + s.conflict_families.in_flight > 0 {
        let c = &s.conflict_families;
        row(
            "conflict families",
            format!(
                "{}: {} one member committed, {} none (frozen or stalled), {} forked; exactly one winner in {} % (none left out){}",
                c.total,
                c.one_committed,
                c.none_committed,
                c.forked,
                opt(c.one_winner_rate.map(|r| r * 100.0), 1),
                if c.in_flight > 0 {
                    format!("; {} more in flight", c.in_flight)
                } else {
                    String::new()
                }
            ),
        );
    }
    if s.byzantine > 0.0 {
        let inert = match (
            Behaviour::parse(s.byzantine_behaviour),
            ProtocolKind::parse(s.protocol),
            Topology::parse(&s.topology),
        ) {
            (Some(b), Some(p), Some(t)) => b.inert_in(p, t).map(|why| format!(" ({why})")),
            _ => None,
        };
        row(
            "byzantine",
            format!(
                "{} of the peers ({}{}), {} placement; {}",
                s.byzantine,
                s.byzantine_behaviour,
                inert.unwrap_or_default(),
                facts.placement.name(),
                match facts.captured_committees {
                    Some(n) =>
                        format!("{n} tokens' committees hold more than the protocol tolerates"),
                    None => "the protocol has no committees to capture".into(),
                }
            ),
        );
    }
    row(
        "ticks",
        format!(
            "{} with submissions, then {} draining",
            s.ticks, s.drain_ticks
        ),
    );
    row(
        "commit rate",
        opt(s.commit_rate.map(|r| r * 100.0), 1) + " %",
    );
    row(
        "messages",
        format!(
            "{} sent, {} delivered, {} lost or cut",
            s.messages_sent, s.messages_delivered, s.messages_dropped
        ),
    );
    row(
        "messages per commit",
        format!(
            "{} sent, {} delivered, {} bytes sent",
            opt(s.messages_per_commit, 1),
            opt(s.delivered_per_commit, 1),
            opt(s.bytes_per_commit, 0)
        ),
    );
    if s.lookups > 0 {
        row(
            "lookups",
            format!(
                "{} started, {} failed; {} datagrams sent ({} per commit, in the totals above), {} lost; {} sends served by a contact cache; protocol alone: {} sent per commit",
                s.lookups,
                s.lookups_failed,
                s.lookup_sent,
                opt(s.lookup_messages_per_commit, 1),
                s.lookup_dropped,
                s.lookup_cache_hits,
                opt(s.protocol_messages_per_commit, 1)
            ),
        );
    }
    if s.session_churn > 0.0 {
        row(
            "session churn",
            format!(
                "{:.3} offline on average (target {}), sessions {} with mean {} ticks; {} joins",
                s.offline_share_mean,
                s.session_churn,
                s.session_lengths,
                s.session_mean,
                s.session_joins
            ),
        );
    }
    if s.maintenance_sent > 0 {
        row(
            "maintenance",
            format!(
                "{} datagrams sent ({:.3} per peer per tick, {} per commit, not in the totals above), {} lost; {} pings, {} contacts found dead, {} replaced; {} lookups, {} failed",
                s.maintenance_sent,
                s.maintenance_per_peer_per_tick,
                opt(s.maintenance_per_commit, 1),
                s.maintenance_dropped,
                s.maintenance_pings,
                s.contacts_dead,
                s.contacts_replaced,
                s.maintenance_lookups,
                s.maintenance_lookups_failed
            ),
        );
    }
    row(
        "rounds per commit",
        opt(s.rounds_per_commit, 2) + "  (ticks / commits, as the original)",
    );
    row(
        "ticks to commit",
        format!(
            "mean {}, p50 {}, p99 {}",
            opt(s.ticks_per_commit_mean, 1),
            s.ticks_per_commit_p50.map_or("-".into(), |v| v.to_string()),
            s.ticks_per_commit_p99.map_or("-".into(), |v| v.to_string())
        ),
    );
    let by = |m: &std::collections::BTreeMap<&str, u64>| {
        m.iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    row("sent by phase", by(&s.sent_by_phase));
    row("delivered by type", by(&s.messages_by_type));
    row("delivered by phase", by(&s.messages_by_phase));
    row(
        "safety",
        if s.safety_checked {
            format!(
                "{} violations ({} conflicting commits, {} double spends, {} owner disagreements, {} conservation, {} conflicting certificates)",
                s.safety_violations,
                s.violations.conflicting_commits,
                s.violations.double_spends,
                s.violations.owner_disagreements,
                s.violations.conservation,
                s.violations.conflicting_certificates
            )
        } else {
            "not checked (--no-check)".into()
        },
    );
    row(
        "cost",
        format!(
            "{:.2} s wall on {} threads, peak RSS {}",
            facts.wall_seconds,
            s.threads,
            facts
                .peak_rss_bytes
                .map_or("-".into(), |b| format!("{:.1} MiB", b as f64 / 1048576.0))
        ),
    );
    row("digest", s.digest.clone());
    if facts.interrupted {
        row("note", "interrupted: figures cover the ticks done".into());
    }
    format!("ecrust-ecs run\n{out}")
}
