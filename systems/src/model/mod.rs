//! What the simulation is about, as plain data: peers and their stores, blocks, tokens, the
//! ring, links, messages, the ledger and its checker, the workload, the adversary, faults and
//! metrics. Nothing here runs a pass or knows a protocol's rules.

pub mod adversary;
pub mod blocks;
pub mod certificates;
pub mod charges;
pub mod degrees;
pub mod dht;
pub mod families;
pub mod faults;
pub mod ids;
pub mod ledger;
pub mod links;
pub mod mapping;
pub mod message;
pub mod metrics;
pub mod outcome;
pub mod peer;
pub mod ring;
pub mod rng;
pub mod routes;
pub mod session_lengths;
pub mod sessions;
pub mod signatures;
pub mod small_world;
pub mod submission;
pub mod tokens;
pub mod trace;
pub mod verdicts;
pub mod workload;
pub mod world;
