//! The scenario a simulation runs: every parameter, grouped by the subsystem that reads it,
//! with validation.
//!
//! This is plain data and depends on nothing else in the crate. The front end builds it from
//! flags and TOML files; the core only checks that it is runnable and reports the first bad
//! field with its allowed range. `SimConfig::default()` is the one source of every default.

mod adversary;
mod faults;
mod network;
mod original;
mod original_rules;
mod protocol;
mod validate;
mod workload;

pub use adversary::{AdversaryConfig, BEHAVIOURS, Behaviour, BehaviourEntry, Placement};
pub use faults::{FaultConfig, PartitionSpec, SessionChurn, SessionLengths};
pub use network::{
    DHT_CACHE, DHT_HOP_TRIES, DHT_NEAR, DHT_PING_TRIES, DHT_PINGS_PER_ROUND,
    DHT_RELAY_UNKNOWN_ENTRY, DHT_RPC_TIMEOUT, DHT_STAND_IN_TRIES, DHT_TABLE_MAX, DelayModel,
    GEOMETRIC_DELAY_CAP, HALF_RING, LONG_TAIL_CAP, LinkModel, MAX_DELAY, NetworkConfig, RING,
    SMALL_WORLD_NEAR, Topology, dht_buckets, dht_near_reach, small_world_far,
};
pub use original::{NEIGHBOURHOOD_VOTERS, ThresholdPolicy};
pub use original_rules::{
    BehindPart, BodyRequery, HolderReply, NegativeBalance, Objectors, OriginalRules, RULE_NAMES,
};
pub use protocol::{MAX_TOLERANCE, PROTOCOLS, ProtocolConfig, ProtocolEntry, ProtocolKind};
pub use validate::{ConfigError, MAX_PEERS};
pub use workload::{MAX_PARTS, PEERS_PER_TOKEN, WorkloadConfig};

use serde::{Deserialize, Serialize};

/// Everything a simulation needs, in protocol units.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SimConfig {
    pub peers: u32,
    pub ticks: u32,
    pub seed: u64,
    /// Run the global safety checker.
    pub check: bool,
    pub network: NetworkConfig,
    pub faults: FaultConfig,
    pub workload: WorkloadConfig,
    pub adversary: AdversaryConfig,
    pub protocol: ProtocolConfig,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            peers: 2000,
            ticks: 1000,
            seed: 1,
            check: true,
            network: NetworkConfig::default(),
            faults: FaultConfig::default(),
            workload: WorkloadConfig::default(),
            adversary: AdversaryConfig::default(),
            protocol: ProtocolConfig::default(),
        }
    }
}

impl SimConfig {
    /// Tokens in circulation: as configured, or one per [`PEERS_PER_TOKEN`] peers.
    pub fn tokens(&self) -> u32 {
        self.workload
            .tokens
            .unwrap_or((self.peers / PEERS_PER_TOKEN).max(1))
    }

    /// The expected number of seeded links per node under this topology.
    pub fn expected_degree(&self) -> f64 {
        let others = self.peers.saturating_sub(1) as f64;
        match self.network.degree {
            // Line-gradient, small-world and dht set their own degree; `--degree` does not
            // apply to them.
            Some(d) if self.network.topology.takes_degree() => d.min(others),
            Some(_) => LinkModel::new(self.peers, &self.network).mean_probability() * others,
            None => LinkModel::new(self.peers, &self.network).mean_probability() * others,
        }
    }
}
