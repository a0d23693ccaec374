//! The dht topology's per-peer routing state: each peer's routing table (built once from the
//! seed; under session churn its dead contacts are replaced by maintenance), each peer's
//! contact cache (owned by its chunk, changed as it sends and hears), and the counters of
//! lookup and maintenance traffic. How a lookup runs, hop by hop, is the engine's
//! (`engine/dht_lookup.rs`). See `docs/topology.md`.

pub mod contact_cache;
pub mod lookup_counts;
pub mod maintenance_counts;
pub mod routing_table;
