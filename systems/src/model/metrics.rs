//! What happened, per tick and in total, and the digest over it.

use crate::model::dht::lookup_counts::LookupCounts;
use crate::model::dht::maintenance_counts::MaintenanceCounts;
use crate::model::ids::Tick;
use crate::model::message::KindCounts;
use bevy_ecs::prelude::Resource;

/// Everything counted in one tick. Counts are of events in that tick; gauges (`active_blocks`,
/// `in_flight`, ...) are read at its end, except `mempool_entries` and `vote_records`, which
/// the vote system counts as it walks the pools anyway (after deliveries, before commits and
/// garbage collection) rather than paying a second pass over every peer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TickMetrics {
    pub tick: Tick,
    pub sent: KindCounts,
    pub delivered: KindCounts,
    pub dropped: KindCounts,
    pub blocks_submitted: u64,
    pub blocks_committed: u64,
    pub blocks_rejected: u64,
    pub blocks_timed_out: u64,
    /// Commits at any peer (a block commits at many peers).
    pub peer_commits: u64,
    pub active_blocks: u64,
    pub mempool_entries: u64,
    pub vote_records: u64,
    pub in_flight: u64,
    pub blocks_held: u64,
    pub peers_partitioned: u64,
    /// Messages lost to partitions or offline peers (also counted in `dropped`).
    pub messages_cut: u64,
    pub violations: u64,
    /// Lookup traffic on the dht topology (none elsewhere), apart from `sent`.
    pub lookups: LookupCounts,
    /// Maintenance traffic on dht under session churn, apart from `sent` and `lookups`.
    pub maintenance: MaintenanceCounts,
}

impl TickMetrics {
    /// Every field as a word, in a fixed order: what the digest hashes.
    pub fn words(&self) -> impl Iterator<Item = u64> + '_ {
        std::iter::once(self.tick as u64)
            .chain(self.sent.digest_words())
            .chain(self.delivered.digest_words())
            .chain(self.dropped.digest_words())
            .chain([
                self.blocks_submitted,
                self.blocks_committed,
                self.blocks_rejected,
                self.blocks_timed_out,
                self.peer_commits,
                self.active_blocks,
                self.mempool_entries,
                self.vote_records,
                self.in_flight,
                self.blocks_held,
                self.peers_partitioned,
                self.messages_cut,
                self.violations,
            ])
            .chain(self.lookups.digest_words())
            .chain(self.maintenance.digest_words())
    }
}

/// FNV-1a over little-endian words: stable across platforms and Rust versions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Digest(pub u64);

impl Default for Digest {
    fn default() -> Self {
        Digest(0xcbf2_9ce4_8422_2325)
    }
}

impl Digest {
    pub fn absorb(&mut self, word: u64) {
        for b in word.to_le_bytes() {
            self.0 ^= b as u64;
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    pub fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }
}

/// Ticks from submission to commit at the origin, one bucket per tick.
#[derive(Clone, Debug, Default)]
pub struct LatencyHistogram {
    pub counts: Vec<u64>,
}

impl LatencyHistogram {
    pub fn record(&mut self, ticks: u32) {
        let i = ticks as usize;
        if self.counts.len() <= i {
            self.counts.resize(i + 1, 0);
        }
        self.counts[i] += 1;
    }

    pub fn len(&self) -> u64 {
        self.counts.iter().sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn mean(&self) -> Option<f64> {
        let n = self.len();
        (n > 0).then(|| {
            self.counts
                .iter()
                .enumerate()
                .map(|(t, &c)| t as f64 * c as f64)
                .sum::<f64>()
                / n as f64
        })
    }

    /// The smallest latency with at least `q` of the samples at or below it.
    pub fn quantile(&self, q: f64) -> Option<u32> {
        let n = self.len();
        if n == 0 {
            return None;
        }
        let rank = ((q * n as f64).ceil() as u64).clamp(1, n);
        let mut seen = 0;
        for (t, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return Some(t as u32);
            }
        }
        None
    }
}

/// Partition recovery: ticks from a heal until the commit rate is back to its level before
/// the partition (90 % of the mean commits per tick over the 100 ticks before it, measured
/// over a sliding window of 50 ticks).
#[derive(Clone, Debug, Default)]
pub struct Recovery {
    recent: std::collections::VecDeque<u64>,
    /// Per scripted partition: (level before, ticks to recover once healed).
    pub partitions: Vec<PartitionRecovery>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct PartitionRecovery {
    pub at: Tick,
    pub heal: Tick,
    /// Mean commits per tick in the 100 ticks before `at`.
    pub level_before: f64,
    /// Ticks from `heal` until the 50-tick mean is back to 90 % of `level_before`.
    pub recovery_ticks: Option<Tick>,
}

const LEVEL_WINDOW: usize = 100;
const RECOVERY_WINDOW: usize = 50;

impl Recovery {
    pub fn new(schedule: &[crate::config::PartitionSpec]) -> Self {
        Self {
            recent: Default::default(),
            partitions: schedule
                .iter()
                .map(|p| PartitionRecovery {
                    at: p.at,
                    heal: p.heal,
                    ..Default::default()
                })
                .collect(),
        }
    }

    fn mean(&self, window: usize) -> f64 {
        let n = window.min(self.recent.len());
        if n == 0 {
            return 0.0;
        }
        self.recent.iter().rev().take(n).sum::<u64>() as f64 / n as f64
    }

    pub fn record(&mut self, tick: Tick, commits: u64) {
        for p in &mut self.partitions {
            if tick == p.at {
                // The ticks before this one: the level the network had.
                let n = LEVEL_WINDOW.min(self.recent.len());
                p.level_before = if n == 0 {
                    0.0
                } else {
                    self.recent.iter().rev().take(n).sum::<u64>() as f64 / n as f64
                };
            }
        }
        self.recent.push_back(commits);
        if self.recent.len() > LEVEL_WINDOW {
            self.recent.pop_front();
        }
        let mean = self.mean(RECOVERY_WINDOW);
        for p in &mut self.partitions {
            if p.recovery_ticks.is_none() && tick >= p.heal && mean >= 0.9 * p.level_before {
                p.recovery_ticks = Some(tick - p.heal);
            }
        }
    }
}

/// Run totals.
#[derive(Resource, Debug, Default)]
pub struct Metrics {
    /// The tick just recorded.
    pub last: TickMetrics,
    /// Counters of the tick in progress (systems add to it).
    pub current: TickMetrics,
    pub sent: KindCounts,
    pub delivered: KindCounts,
    pub dropped: KindCounts,
    pub blocks_submitted: u64,
    pub blocks_committed: u64,
    pub blocks_rejected: u64,
    pub blocks_timed_out: u64,
    pub peer_commits: u64,
    pub latency: LatencyHistogram,
    pub peak_mempool_entries: u64,
    pub peak_vote_records: u64,
    pub peak_in_flight: u64,
    pub messages_cut: u64,
    pub lookups: LookupCounts,
    pub maintenance: MaintenanceCounts,
    /// Offline peers summed over the ticks (churn or session churn); not in the digest,
    /// which holds `peers_partitioned` already.
    pub offline_peer_ticks: u64,
    /// Peers back online under session churn; not in the digest either (it follows from
    /// the faults' draws, which the digest sees through `peers_partitioned`).
    pub session_joins: u64,
    pub digest: Digest,
    pub ticks_done: u32,
    pub recovery: Recovery,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_and_mean() {
        let mut h = LatencyHistogram::default();
        for t in [5, 5, 6, 10] {
            h.record(t);
        }
        assert_eq!(h.mean(), Some(6.5));
        assert_eq!(h.quantile(0.5), Some(5));
        assert_eq!(h.quantile(0.99), Some(10));
        assert_eq!(LatencyHistogram::default().quantile(0.5), None);
    }

    #[test]
    fn digest_changes_with_any_word() {
        let digest_of = |m: &TickMetrics| {
            let mut d = Digest::default();
            m.words().for_each(|w| d.absorb(w));
            d
        };
        let base = TickMetrics::default();
        let words = base.words().count();
        for i in 0..words {
            // The same metrics with word i alone changed.
            let changed: Vec<u64> = base
                .words()
                .enumerate()
                .map(|(k, w)| if k == i { w + 1 } else { w })
                .collect();
            let mut d = Digest::default();
            changed.iter().for_each(|&w| d.absorb(w));
            assert_ne!(d, digest_of(&base), "word {i} of {words}");
        }
    }
}
