//! ecrust-ecs simulation core: the ecRust ("echo-consent") protocol as data and systems.
//!
//! - [`config`]: the scenario, plain data with validation;
//! - [`model`]: what the simulation is about (peers, blocks, tokens, ring, links, messages,
//!   ledger, workload, adversary, faults, metrics);
//! - [`engine`]: the parallel machinery (chunks of peers, mailboxes on a timing wheel);
//! - [`protocol`]: the rules peers follow, one folder per protocol behind one seam;
//! - [`systems`]: the tick's systems, which import the three above and never each other.
//!
//! [`schedule::tick_schedule`] runs the systems in a fixed order every tick. Nothing here does
//! I/O.

pub mod config;
pub mod engine;
pub mod model;
pub mod protocol;
pub mod schedule;
pub mod sim;
pub mod summary;
pub mod systems;
#[cfg(test)]
pub(crate) mod testing;

pub use config::{ConfigError, DelayModel, ProtocolKind, SimConfig, Topology};
pub use sim::Simulation;
pub use summary::RunSummary;

/// v2 end to end on tiny worlds (top level: it runs the whole tick).
#[cfg(test)]
mod v2_tests;
