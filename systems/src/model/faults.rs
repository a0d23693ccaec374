//! Who can reach whom this tick: scripted partitions and churn (peers offline for a while).
//!
//! Kept inside the `Network` so every sender checks it without another resource; with no
//! faults configured the check is one predictable branch.

use crate::config::{PartitionSpec, SimConfig};
use crate::model::ids::{PeerIdx, Tick};
use crate::model::rng::{Stream, stream};
use rand::Rng;

/// Whether any fault can cut a message this tick.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultState {
    /// Everyone reaches everyone: the fast path.
    Clear,
    Active,
}

pub struct Faults {
    pub state: FaultState,
    /// Partition group of each peer (all 0 when the ring is whole).
    pub group: Vec<u8>,
    /// A peer is offline while the tick is below this.
    pub offline_until: Vec<Tick>,
    /// Peers cut off this tick: outside the largest group, or offline.
    pub cut_off: u64,
    partitions: Vec<PartitionSpec>,
    churn: f64,
    downtime: Tick,
    seed: u64,
}

impl Faults {
    pub fn new(config: &SimConfig) -> Self {
        let any = !config.faults.partitions.is_empty() || config.faults.churn > 0.0;
        let n = if any { config.peers as usize } else { 0 };
        Self {
            state: FaultState::Clear,
            group: vec![0; n],
            offline_until: vec![0; n],
            cut_off: 0,
            partitions: config.faults.partitions.clone(),
            churn: config.faults.churn,
            downtime: config.faults.churn_downtime,
            seed: config.seed,
        }
    }

    /// Can a message go from `from` to `to` at `now`?
    #[inline]
    pub fn can_send(&self, from: PeerIdx, to: PeerIdx, now: Tick) -> bool {
        match self.state {
            FaultState::Clear => true,
            FaultState::Active => {
                let (f, t) = (from as usize, to as usize);
                self.group[f] == self.group[t]
                    && self.offline_until[f] <= now
                    && self.offline_until[t] <= now
            }
        }
    }

    #[inline]
    pub fn is_online(&self, p: PeerIdx, now: Tick) -> bool {
        match self.state {
            FaultState::Clear => true,
            FaultState::Active => self.offline_until[p as usize] <= now,
        }
    }

    /// The partition in force at `now`, if any.
    pub fn partition_at(&self, now: Tick) -> Option<&PartitionSpec> {
        self.partitions.iter().find(|p| p.at <= now && now < p.heal)
    }

    /// Updates groups and churn for tick `now`.
    pub fn advance(&mut self, now: Tick) {
        if self.group.is_empty() {
            return;
        }
        let n = self.group.len();
        match self.partition_at(now).map(|p| p.groups.clone()) {
            Some(groups) => {
                // Groups are contiguous arcs of the ring, in order, sized by fraction.
                let mut start = 0usize;
                let mut acc = 0.0;
                for (g, frac) in groups.iter().enumerate() {
                    acc += frac;
                    let end = if g + 1 == groups.len() {
                        n
                    } else {
                        ((acc * n as f64).round() as usize).min(n)
                    };
                    self.group[start..end].fill(g as u8);
                    start = end;
                }
            }
            None => self.group.fill(0),
        }
        if self.churn > 0.0 {
            for (p, until) in self.offline_until.iter_mut().enumerate() {
                if *until <= now {
                    let mut rng = stream(self.seed, Stream::Faults, now, p as u64);
                    if rng.random_bool(self.churn) {
                        *until = now + self.downtime;
                    }
                }
            }
        }
        let mut sizes = [0u64; 256];
        for &g in &self.group {
            sizes[g as usize] += 1;
        }
        let largest = sizes.iter().copied().max().unwrap_or(0);
        let offline = self.offline_until.iter().filter(|&&u| u > now).count() as u64;
        let outside = n as u64 - largest;
        self.cut_off = outside + offline;
        self.state = if outside > 0 || offline > 0 {
            FaultState::Active
        } else {
            FaultState::Clear
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partition_splits_the_ring_and_heals() {
        let mut config = SimConfig {
            peers: 100,
            ..SimConfig::default()
        };
        config.faults.partitions = vec![PartitionSpec {
            at: 10,
            heal: 20,
            groups: vec![0.5, 0.5],
        }];
        let mut f = Faults::new(&config);
        f.advance(9);
        assert_eq!(f.state, FaultState::Clear);
        assert!(f.can_send(0, 99, 9));
        f.advance(10);
        assert_eq!(f.cut_off, 50);
        assert!(f.can_send(0, 49, 10) && f.can_send(50, 99, 10));
        assert!(!f.can_send(0, 50, 10) && !f.can_send(99, 1, 10));
        f.advance(20);
        assert_eq!(f.state, FaultState::Clear);
        assert!(f.can_send(0, 99, 20));
    }

    #[test]
    fn churned_peers_come_back() {
        let mut config = SimConfig {
            peers: 1000,
            ..SimConfig::default()
        };
        config.faults.churn = 0.01;
        config.faults.churn_downtime = 5;
        let mut f = Faults::new(&config);
        f.advance(0);
        let off: Vec<_> = (0..1000).filter(|&p| !f.is_online(p, 0)).collect();
        assert!(!off.is_empty() && off.len() < 40, "{}", off.len());
        for t in 1..5 {
            f.advance(t);
        }
        assert!(off.iter().all(|&p| !f.is_online(p, 4)));
        f.advance(5);
        // Back after the downtime, unless churned away again on the way back.
        let back = off.iter().filter(|&&p| f.is_online(p, 5)).count();
        assert!(back > off.len() / 2, "{back} of {} back", off.len());
        assert!(
            off.iter()
                .all(|&p| f.is_online(p, 5) || f.offline_until[p as usize] > 5)
        );
    }
}
