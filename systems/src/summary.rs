//! The figures a run reports, computed only from what the metrics recorded.

use crate::model::blocks::BlockBook;
use crate::model::ledger::{Ledger, Violations};
use crate::model::message::{MessageKind, WireType};
use crate::model::metrics::Metrics;
use crate::model::workload::Workload;
use crate::model::world::Settings;
use bevy_ecs::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Serialize)]
pub struct RunSummary {
    /// The protocol the peers ran (`original`).
    pub protocol: &'static str,
    pub peers: u32,
    pub ticks: u32,
    pub seed: u64,
    pub threads: usize,
    pub threshold: u32,
    pub threshold_policy: String,
    /// The threshold in force at the end (differs from `threshold` under an adaptive policy).
    pub final_threshold: u32,
    pub byzantine: f64,
    pub byzantine_behaviour: &'static str,
    pub loss: f64,
    pub delay: String,
    pub topology: String,
    pub degree: f64,
    pub tokens: u32,
    pub blocks_submitted: u64,
    pub blocks_committed: u64,
    pub blocks_rejected: u64,
    pub blocks_timed_out: u64,
    pub blocks_in_flight: u64,
    /// committed / (submitted - still in flight at the end) (D6).
    pub commit_rate: Option<f64>,
    /// Delivered messages (the original counts delivered, not lost, messages).
    pub messages_total: u64,
    pub messages_sent: u64,
    pub messages_dropped: u64,
    pub messages_per_commit: Option<f64>,
    /// The original's figure: ticks / commits.
    pub rounds_per_commit: Option<f64>,
    /// Per-block latency, submission to commit at the origin.
    pub ticks_per_commit_mean: Option<f64>,
    pub ticks_per_commit_p50: Option<u32>,
    pub ticks_per_commit_p99: Option<u32>,
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

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

impl RunSummary {
    pub fn from_world(world: &World, threads: usize) -> Self {
        let config = &world.resource::<Settings>().0;
        let m = world.resource::<Metrics>();
        let ledger = world.resource::<Ledger>();
        let workload = world.resource::<Workload>();
        let _ = world.resource::<BlockBook>();
        let finished = m.blocks_submitted - workload.active;
        let delivered = m.delivered.total();
        let mut digest = m.digest;
        for w in [
            ledger.violations.conflicting_commits,
            ledger.violations.double_spends,
            ledger.violations.owner_disagreements,
        ] {
            digest.absorb(w);
        }
        Self {
            protocol: config.protocol.kind.name(),
            peers: config.peers,
            ticks: m.ticks_done,
            seed: config.seed,
            threads,
            threshold: config.protocol.threshold,
            threshold_policy: match config.protocol.threshold_policy {
                crate::config::ThresholdPolicy::Fixed => "fixed".to_string(),
                crate::config::ThresholdPolicy::Adaptive { min, max } => {
                    format!("adaptive:{min}..{max}")
                }
            },
            final_threshold: world
                .resource::<crate::model::world::CurrentThreshold>()
                .value,
            byzantine: config.adversary.fraction,
            byzantine_behaviour: config.adversary.behaviour.name(),
            loss: config.network.loss,
            delay: config.network.delay.describe(),
            topology: config.network.topology.name().to_string(),
            degree: config.expected_degree(),
            tokens: config.tokens(),
            blocks_submitted: m.blocks_submitted,
            blocks_committed: m.blocks_committed,
            blocks_rejected: m.blocks_rejected,
            blocks_timed_out: m.blocks_timed_out,
            blocks_in_flight: workload.active,
            commit_rate: ratio(m.blocks_committed, finished),
            messages_total: delivered,
            messages_sent: m.sent.total(),
            messages_dropped: m.dropped.total(),
            messages_per_commit: ratio(delivered, m.blocks_committed),
            rounds_per_commit: ratio(m.ticks_done as u64, m.blocks_committed),
            ticks_per_commit_mean: m.latency.mean(),
            ticks_per_commit_p50: m.latency.quantile(0.5),
            ticks_per_commit_p99: m.latency.quantile(0.99),
            messages_by_type: WireType::ALL
                .iter()
                .map(|&t| (t.name(), m.delivered.by_wire_type(t)))
                .collect(),
            messages_by_phase: MessageKind::ALL
                .iter()
                .map(|&k| (k.name(), m.delivered.get(k)))
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
