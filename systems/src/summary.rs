//! The figures a run reports, computed only from what the metrics recorded.

use crate::model::degrees::LinkDegrees;
use crate::model::families::Families;
use crate::model::ledger::{Ledger, Violations};
use crate::model::message::WireType;
use crate::model::metrics::Metrics;
use crate::model::ring::Ring;
use crate::model::world::Settings;
use crate::protocol::all_kinds;
use bevy_ecs::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Serialize)]
pub struct RunSummary {
    /// The protocol the peers ran (`original`).
    pub protocol: &'static str,
    pub peers: u32,
    /// Ticks with new submissions (the configured ticks, fewer if interrupted).
    pub ticks: u32,
    /// Ticks after those, until every submitted block had an outcome at its origin.
    pub drain_ticks: u32,
    pub seed: u64,
    pub threads: usize,
    pub threshold: u32,
    pub threshold_policy: String,
    /// The original's rule switches that differ from ours (`default` if none).
    pub rules: String,
    /// The threshold in force at the end (differs from `threshold` under an adaptive policy).
    pub final_threshold: u32,
    /// v2's equivocating members tolerated per committee (its quorum follows from it).
    pub tolerance: u32,
    /// The Byzantine share under which the protocol, so configured, claims safety.
    pub byzantine_bound: f64,
    pub byzantine: f64,
    pub byzantine_behaviour: &'static str,
    pub loss: f64,
    pub delay: String,
    pub topology: String,
    /// The topology's expected seeded links per peer.
    pub degree: f64,
    /// The seeded links per peer as drawn (learned links not counted).
    pub seeded_links: LinkDegrees,
    pub tokens: u32,
    /// Submissions: a block and every twin raced against it count once (a conflict family).
    /// Each ends committed (one member or more committed), rejected, timed out, or is still
    /// in flight; runs drain after their last tick, so in flight is 0 unless interrupted.
    pub blocks_submitted: u64,
    pub blocks_committed: u64,
    pub blocks_rejected: u64,
    pub blocks_timed_out: u64,
    pub blocks_in_flight: u64,
    /// committed / submitted, every submission counted.
    pub commit_rate: Option<f64>,
    /// Families with more than one member, and how they ended (forked: two members
    /// committed, a safety violation also counted in `violations`), with the one-winner share
    /// of those not frozen.
    pub conflict_families: ConflictFamilies,
    /// Individual blocks, twins included, by their outcome at their origin.
    pub member_blocks: MemberBlocks,
    /// Every message sent: the protocol's (delivered, lost, cut by a partition or churn, or
    /// in flight) and, on dht, the lookup datagrams (`lookup_sent`); never maintenance
    /// (`maintenance_sent`).
    pub messages_sent: u64,
    /// The protocol's messages delivered (lookup datagrams are not delivered to a protocol).
    pub messages_delivered: u64,
    /// The protocol's messages lost on the wire or cut by a partition or an offline peer.
    pub messages_dropped: u64,
    /// Sent messages per committed submission, lookup datagrams included.
    pub messages_per_commit: Option<f64>,
    /// The protocol's sent messages per committed submission (lookups left out).
    pub protocol_messages_per_commit: Option<f64>,
    /// Lookup datagrams (queries and replies) per committed submission; 0 off dht.
    pub lookup_messages_per_commit: Option<f64>,
    /// dht: lookups started, their datagrams sent and lost, lookups that gave up (their
    /// message not sent) and sends served by a contact cache; all 0 on the other topologies.
    pub lookups: u64,
    pub lookup_sent: u64,
    pub lookup_dropped: u64,
    pub lookups_failed: u64,
    pub lookup_cache_hits: u64,
    /// Session churn as configured: the share of peers offline at any time (0 = off), the
    /// mean session in ticks, the length distribution, and the ticks between maintenance
    /// rounds on dht (0 = none).
    pub session_churn: f64,
    pub session_mean: u32,
    pub session_lengths: String,
    pub maintenance_every: u32,
    /// Offline peers over peers, averaged over every tick run (churn or session churn).
    pub offline_share_mean: f64,
    /// dht under session churn: maintenance datagrams (pings, their replies, the queries and
    /// replies of maintenance lookups) sent and lost, counted apart from `messages_sent`;
    /// lookups made for joins and stand-ins and those that failed; contacts pinged, found
    /// dead and replaced. All 0 otherwise.
    pub maintenance_sent: u64,
    pub maintenance_dropped: u64,
    pub maintenance_lookups: u64,
    pub maintenance_lookups_failed: u64,
    pub maintenance_pings: u64,
    pub contacts_dead: u64,
    pub contacts_replaced: u64,
    /// Peers back online under session churn (any topology).
    pub session_joins: u64,
    /// Maintenance datagrams per peer per tick (every tick run), and per committed
    /// submission; neither is in `messages_per_commit`.
    pub maintenance_per_peer_per_tick: f64,
    pub maintenance_per_commit: Option<f64>,
    /// Bytes sent per committed submission, by the wire size model
    /// (each kind's declared size, one wire model for every protocol: `model::message::wire`).
    pub bytes_per_commit: Option<f64>,
    /// Delivered messages per committed submission (the original's figure).
    pub delivered_per_commit: Option<f64>,
    /// The original's figure: ticks / commits (the drain's ticks not included).
    pub rounds_per_commit: Option<f64>,
    /// Per-block latency, submission to commit at the origin.
    pub ticks_per_commit_mean: Option<f64>,
    pub ticks_per_commit_p50: Option<u32>,
    pub ticks_per_commit_p99: Option<u32>,
    /// Sent messages by protocol phase.
    pub sent_by_phase: BTreeMap<&'static str, u64>,
    /// Delivered messages by the original's four types.
    pub messages_by_type: BTreeMap<&'static str, u64>,
    /// Delivered messages by protocol phase.
    pub messages_by_phase: BTreeMap<&'static str, u64>,
    pub peer_commits: u64,
    pub safety_checked: bool,
    pub safety_violations: u64,
    pub violations: Violations,
    pub peak_mempool_entries: u64,
    pub peak_vote_records: u64,
    pub peak_in_flight: u64,
    /// Messages lost to partitions or offline peers (part of `messages_dropped`).
    pub messages_cut: u64,
    /// Per scripted partition: commit level before it and ticks to recover after the heal.
    pub partitions: Vec<crate::model::metrics::PartitionRecovery>,
    pub digest: String,
}

/// How the conflict families ended (`total` = one + none + forked), and those not ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct ConflictFamilies {
    pub total: u64,
    pub one_committed: u64,
    /// No member committed: frozen by an owner that signed twice (the locks split), or every
    /// member failed otherwise. Reported apart from the one-winner share.
    pub none_committed: u64,
    pub forked: u64,
    /// Conflict families with no end when the summary was taken: 0 once a run has drained,
    /// more only if it was interrupted. Not in `total`.
    pub in_flight: u64,
    /// one_committed / (total - none_committed): the share of ended families with a winner
    /// that have exactly one (issue 24's target), frozen ones left out; None if there is none.
    pub one_winner_rate: Option<f64>,
}

/// Individual blocks, twins included, by their outcome at their origin.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct MemberBlocks {
    pub submitted: u64,
    pub committed: u64,
    pub rejected: u64,
    pub timed_out: u64,
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

impl RunSummary {
    pub fn from_world(world: &World, threads: usize) -> Self {
        let config = &world.resource::<Settings>().0;
        let m = world.resource::<Metrics>();
        let ledger = world.resource::<Ledger>();
        let families = world.resource::<Families>().tally;
        let committed = families.committed + families.forked;
        let ticks = m.ticks_done.min(config.ticks);
        let delivered = m.delivered.total();
        let mut digest = m.digest;
        for w in [
            ledger.violations.conflicting_commits,
            ledger.violations.double_spends,
            ledger.violations.owner_disagreements,
            ledger.violations.conservation,
        ] {
            digest.absorb(w);
        }
        // Hashed only when not zero (as `KindCounts::digest_words` does for extra kinds), so
        // the digests recorded before the certificate checker existed stay as they were.
        if ledger.violations.conflicting_certificates != 0 {
            digest.absorb(ledger.violations.conflicting_certificates);
        }
        for w in m.lookups.digest_words() {
            digest.absorb(w);
        }
        let sessions = &config.faults.sessions;
        let peer_ticks = (config.peers as u64 * m.ticks_done as u64).max(1) as f64;
        let upkeep = &m.maintenance;
        Self {
            protocol: config.protocol.kind.name(),
            peers: config.peers,
            ticks,
            drain_ticks: m.ticks_done - ticks,
            seed: config.seed,
            threads,
            threshold: config.protocol.threshold,
            threshold_policy: match config.protocol.threshold_policy {
                crate::config::ThresholdPolicy::Fixed => "fixed".to_string(),
                crate::config::ThresholdPolicy::Adaptive { min, max } => {
                    format!("adaptive:{min}..{max}")
                }
            },
            rules: config.protocol.rules.describe(),
            final_threshold: world
                .resource::<crate::model::world::CurrentThreshold>()
                .value,
            tolerance: config.protocol.tolerance,
            byzantine_bound: crate::protocol::byzantine_bound(&config.protocol),
            byzantine: config.adversary.fraction,
            byzantine_behaviour: config.adversary.behaviour.name(),
            loss: config.network.loss,
            delay: config.network.delay.describe(),
            topology: config.network.topology.name().to_string(),
            degree: config.expected_degree(),
            seeded_links: LinkDegrees::measure(world.resource::<Ring>()),
            tokens: config.tokens(),
            blocks_submitted: families.submitted,
            blocks_committed: committed,
            blocks_rejected: families.blocked,
            blocks_timed_out: families.timed_out,
            blocks_in_flight: families.in_flight(),
            commit_rate: ratio(committed, families.submitted),
            conflict_families: ConflictFamilies {
                total: families.conflicts,
                one_committed: families.conflicts_one_committed,
                none_committed: families.conflicts_none_committed,
                forked: families.conflicts_forked,
                in_flight: world.resource::<Families>().open_conflicts(),
                one_winner_rate: ratio(
                    families.conflicts_one_committed,
                    families.conflicts - families.conflicts_none_committed,
                ),
            },
            member_blocks: MemberBlocks {
                submitted: m.blocks_submitted,
                committed: m.blocks_committed,
                rejected: m.blocks_rejected,
                timed_out: m.blocks_timed_out,
            },
            messages_sent: m.sent.total() + m.lookups.sent,
            messages_delivered: delivered,
            messages_dropped: m.dropped.total(),
            messages_per_commit: ratio(m.sent.total() + m.lookups.sent, committed),
            protocol_messages_per_commit: ratio(m.sent.total(), committed),
            lookup_messages_per_commit: ratio(m.lookups.sent, committed),
            lookups: m.lookups.lookups,
            lookup_sent: m.lookups.sent,
            lookup_dropped: m.lookups.dropped,
            lookups_failed: m.lookups.failed,
            lookup_cache_hits: m.lookups.cache_hits,
            session_churn: sessions.offline,
            session_mean: sessions.mean_session,
            session_lengths: sessions.lengths.describe(),
            maintenance_every: sessions.maintenance_every,
            offline_share_mean: m.offline_peer_ticks as f64 / peer_ticks,
            maintenance_sent: upkeep.wire.sent,
            maintenance_dropped: upkeep.wire.dropped,
            maintenance_lookups: upkeep.wire.lookups,
            maintenance_lookups_failed: upkeep.wire.failed,
            maintenance_pings: upkeep.pings,
            contacts_dead: upkeep.dead,
            contacts_replaced: upkeep.replaced,
            session_joins: m.session_joins,
            maintenance_per_peer_per_tick: upkeep.wire.sent as f64 / peer_ticks,
            maintenance_per_commit: ratio(upkeep.wire.sent, committed),
            bytes_per_commit: ratio(m.sent.bytes(all_kinds()), committed),
            delivered_per_commit: ratio(delivered, committed),
            rounds_per_commit: ratio(ticks as u64, committed),
            ticks_per_commit_mean: m.latency.mean(),
            ticks_per_commit_p50: m.latency.quantile(0.5),
            ticks_per_commit_p99: m.latency.quantile(0.99),
            sent_by_phase: all_kinds().map(|k| (k.name, m.sent.get(k.code))).collect(),
            messages_by_type: WireType::ALL
                .iter()
                .map(|&t| (t.name(), m.delivered.by_wire_type(t, all_kinds())))
                .collect(),
            messages_by_phase: all_kinds()
                .map(|k| (k.name, m.delivered.get(k.code)))
                .collect(),
            peer_commits: m.peer_commits,
            safety_checked: ledger.check,
            safety_violations: ledger.violations.total(),
            violations: ledger.violations,
            peak_mempool_entries: m.peak_mempool_entries,
            peak_vote_records: m.peak_vote_records,
            peak_in_flight: m.peak_in_flight,
            messages_cut: m.messages_cut,
            partitions: m.recovery.partitions.clone(),
            digest: digest.hex(),
        }
    }
}
