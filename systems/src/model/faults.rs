//! Who can reach whom this tick: scripted partitions, churn (peers offline for a while) and
//! session churn (`model/sessions.rs`).
//!
//! Kept inside the `Network` so every sender checks it without another resource; with no
//! faults configured the check is one predictable branch.

use crate::config::{PartitionSpec, SimConfig};
use crate::model::ids::{PeerIdx, Tick};
use crate::model::rng::{Stream, stream};
use crate::model::sessions::Sessions;
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
    /// Peers offline this tick.
    pub offline: u64,
    /// Session churn, when configured: it sets `offline_until`.
    sessions: Option<Sessions>,
    partitions: Vec<PartitionSpec>,
    churn: f64,
    downtime: Tick,
    seed: u64,
}

impl Faults {
    pub fn new(config: &SimConfig) -> Self {
        let sessions = config.faults.sessions;
        let any =
            !config.faults.partitions.is_empty() || config.faults.churn > 0.0 || sessions.on();
        let n = if any { config.peers as usize } else { 0 };
        let mut offline_until = vec![0; n];
        let sessions = sessions
            .on()
            .then(|| Sessions::new(&sessions, config.peers, config.seed, &mut offline_until));
        Self {
            state: FaultState::Clear,
            group: vec![0; n],
            offline_until,
            cut_off: 0,
            offline: 0,
            sessions,
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

    /// Peers that came back online this tick under session churn, in peer order.
    pub fn joined(&self) -> &[PeerIdx] {
        self.sessions.as_ref().map_or(&[], Sessions::joined)
    }

    /// Whether peers churn in sessions (and, on dht, maintain their routing tables).
    pub fn sessions_on(&self) -> bool {
        self.sessions.is_some()
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
        if let Some(sessions) = &mut self.sessions {
            sessions.advance(now, &mut self.offline_until);
        }
        let mut sizes = [0u64; 256];
        for &g in &self.group {
            sizes[g as usize] += 1;
        }
        let largest = sizes.iter().copied().max().unwrap_or(0);
        let offline = self.offline_until.iter().filter(|&&u| u > now).count() as u64;
        let outside = n as u64 - largest;
        self.offline = offline;
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

    fn session_faults(offline: f64, lengths: crate::config::SessionLengths) -> Faults {
        let mut config = SimConfig {
            peers: 10_000,
            seed: 3,
            ..SimConfig::default()
        };
        config.faults.sessions.offline = offline;
        config.faults.sessions.mean_session = 100;
        config.faults.sessions.lengths = lengths;
        Faults::new(&config)
    }

    #[test]
    fn under_session_churn_the_offline_share_holds_from_the_start_and_over_time() {
        use crate::config::SessionLengths::*;
        for lengths in [Exponential, Weibull { shape: 0.5 }, Weibull { shape: 2.0 }] {
            let mut f = session_faults(0.1, lengths);
            let (mut sum, mut joins, ticks) = (0u64, 0usize, 2_000);
            for t in 0..ticks {
                f.advance(t);
                if t == 0 {
                    let first = f.offline as f64 / 10_000.0;
                    assert!(
                        (first - 0.1).abs() < 0.015,
                        "{lengths:?} at tick 0: {first}"
                    );
                }
                sum += f.offline;
                joins += f.joined().len();
                assert!(f.joined().iter().all(|&p| f.is_online(p, t)));
            }
            let share = sum as f64 / (10_000.0 * ticks as f64);
            assert!((share - 0.1).abs() < 0.01, "{lengths:?}: {share}");
            // One leave and one join per mean cycle of 100 + 11.1 ticks; at shape 0.5 many
            // periods round to 0 ticks, and such a period is no leave.
            let expected = 10_000.0 * ticks as f64 / 111.1;
            let floor = if lengths == (Weibull { shape: 0.5 }) {
                0.6
            } else {
                0.9
            };
            assert!(
                joins as f64 / expected > floor && (joins as f64) < 1.1 * expected,
                "{lengths:?}: {joins} joins, {expected} expected"
            );
        }
    }

    #[test]
    fn a_peer_that_comes_back_is_named_once_on_that_tick() {
        let mut f = session_faults(0.3, crate::config::SessionLengths::Exponential);
        f.advance(0);
        let away: Vec<PeerIdx> = (0..10_000).filter(|&p| !f.is_online(p, 0)).collect();
        let p = away[0];
        let back = f.offline_until[p as usize];
        for t in 1..=back {
            f.advance(t);
            assert_eq!(
                f.joined().contains(&p),
                t == back && f.is_online(p, t),
                "tick {t}"
            );
        }
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
