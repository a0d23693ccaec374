//! Scripted partitions, churn, and session churn.

use serde::{Deserialize, Serialize};

/// What goes wrong with the network over the run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FaultConfig {
    /// Scripted partitions, in time order, not overlapping.
    pub partitions: Vec<PartitionSpec>,
    /// Probability per tick that an online peer goes offline (churn).
    pub churn: f64,
    /// Ticks a churned peer stays offline.
    pub churn_downtime: u32,
    /// Peers leaving and joining in sessions (`model/sessions.rs`); off by default.
    #[serde(default)]
    pub sessions: SessionChurn,
}

impl Default for FaultConfig {
    fn default() -> Self {
        Self {
            partitions: Vec::new(),
            churn: 0.0,
            churn_downtime: 50,
            sessions: SessionChurn::default(),
        }
    }
}

/// Session churn: every peer alternates online sessions and offline periods, both drawn from
/// `lengths`, so that a share `offline` of the peers is offline at any time. A peer keeps its
/// state while offline (on disk). On dht, peers repair their routing tables by maintenance.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionChurn {
    /// Share of the peers offline at any time; 0 turns session churn off.
    pub offline: f64,
    /// Mean online session, in ticks. Offline periods have mean
    /// `mean_session * offline / (1 - offline)`, so the offline share is `offline`.
    pub mean_session: u32,
    pub lengths: SessionLengths,
    /// dht: ticks between a peer's maintenance rounds (pings, and the repair of dead
    /// contacts); 0 = no maintenance.
    pub maintenance_every: u32,
}

impl Default for SessionChurn {
    fn default() -> Self {
        Self {
            offline: 0.0,
            mean_session: 100,
            lengths: SessionLengths::Exponential,
            maintenance_every: 10,
        }
    }
}

impl SessionChurn {
    /// Whether peers churn in sessions at all.
    pub fn on(&self) -> bool {
        self.offline > 0.0
    }

    /// The mean offline period, in ticks, that gives the configured offline share.
    pub fn mean_offline(&self) -> f64 {
        self.mean_session as f64 * self.offline / (1.0 - self.offline)
    }
}

/// How session and offline lengths are distributed (both the same family, own means).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum SessionLengths {
    Exponential,
    /// Weibull with this shape (below 1: many short sessions and a heavy tail of long ones;
    /// 1 is the exponential).
    Weibull {
        shape: f64,
    },
}

impl SessionLengths {
    pub fn describe(&self) -> String {
        match *self {
            Self::Exponential => "exponential".to_string(),
            Self::Weibull { shape } => format!("weibull:{shape}"),
        }
    }
}

/// A scripted partition: from `at` until `heal` the ring is cut into contiguous arcs sized by
/// `groups` (fractions summing to 1); messages between arcs are lost.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartitionSpec {
    pub at: u32,
    pub heal: u32,
    pub groups: Vec<f64>,
}
