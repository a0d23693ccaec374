//! The driver: how many tokens circulate and what blocks it submits.

use serde::{Deserialize, Serialize};

/// The most parts a block can have (D2; vote masks and views are sized by it).
pub const MAX_PARTS: usize = 6;

/// Peers per token when the token count is not given: large runs stay busy (at 50,000 peers,
/// about 125 blocks in flight) while the headline 50k x 5000 run stays around half a minute
/// on two cores.
pub const PEERS_PER_TOKEN: u32 = 200;

/// Tokens and blocks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkloadConfig {
    /// Tokens in circulation (the original ran with 1); `None`: one per
    /// [`PEERS_PER_TOKEN`] peers, at least one (see [`super::SimConfig::tokens`]).
    pub tokens: Option<u32>,
    /// Parts per new block, inclusive range (the original: 1..=3).
    pub block_size_min: u32,
    pub block_size_max: u32,
    /// Fraction of new blocks that get a double-spending twin (a conflict, D5).
    pub conflict_rate: f64,
}

impl Default for WorkloadConfig {
    fn default() -> Self {
        Self {
            tokens: None,
            block_size_min: 1,
            block_size_max: 3,
            conflict_rate: 0.0,
        }
    }
}
