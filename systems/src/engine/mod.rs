//! The parallel engine: peers cut into fixed chunks, one task per chunk, messages carried by
//! per-chunk mailboxes on a timing wheel. Nothing here knows the protocol's rules; the chunk
//! plan depends on the peer count only, so results do not depend on the thread count.

pub mod bodies;
pub mod chunk_claims;
pub mod chunk_plan;
pub mod chunk_work;
pub mod dht_lookup;
pub mod dht_maintenance;
pub mod dht_send;
pub mod hints;
pub mod lookup;
pub mod multicast;
pub mod network;
pub mod outbox;
pub mod parcel;
pub mod pass;
pub mod prefetch;
pub mod scratch;
pub mod trace;
pub mod verifier;
