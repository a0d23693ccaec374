//! Scripted partitions and churn.

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
}

impl Default for FaultConfig {
    fn default() -> Self {
        Self {
            partitions: Vec::new(),
            churn: 0.0,
            churn_downtime: 50,
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
