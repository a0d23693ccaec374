//! Tokens in circulation: ring ids, fixed for the run.

use crate::config::SimConfig;
use crate::model::ids::TokenIdx;
use crate::model::rng::{Stream, stream};
use bevy_ecs::prelude::Resource;
use rand::RngCore;

#[derive(Resource)]
pub struct TokenBook {
    pub ids: Vec<u64>,
}

impl TokenBook {
    pub fn new(config: &SimConfig) -> Self {
        let mut rng = stream(config.seed, Stream::Tokens, 0, 0);
        Self {
            ids: (0..config.tokens()).map(|_| rng.next_u64()).collect(),
        }
    }

    #[inline]
    pub fn id(&self, t: TokenIdx) -> u64 {
        self.ids[t as usize]
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}
