//! ecrust-ecs simulation core: the ecRust ("echo-consent") protocol as data and systems.
//!
//! Resources hold the state (peers, network, blocks, ledger, metrics); the systems run in a
//! fixed order every tick (see [`schedule::tick_schedule`]). Nothing here does I/O.

pub mod adversary;
pub mod blocks;
pub mod charges;
pub mod config;
pub mod faults;
pub mod ids;
pub mod ledger;
pub mod message;
pub mod metrics;
pub mod network;
pub mod outcome;
pub mod parcel;
pub mod peer;
pub mod prefetch;
pub mod resources;
pub mod ring;
pub mod rng;
pub mod schedule;
pub mod sim;
pub mod summary;
pub mod systems;
#[cfg(test)]
pub(crate) mod testing;
pub mod tokens;
pub mod verdicts;
pub mod workload;

pub use config::{ConfigError, DelayModel, SimConfig, Topology};
pub use sim::Simulation;
pub use summary::RunSummary;
