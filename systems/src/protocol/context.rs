//! What the rules read of the world in a pass.

use crate::config::ProtocolConfig;
use crate::model::adversary::Adversary;
use crate::model::blocks::BlockBook;
use crate::model::ids::Tick;
use crate::model::ring::Ring;
use crate::model::tokens::TokenBook;
use crate::model::world::{Clock, Settings};
use bevy_ecs::prelude::Res;
use bevy_ecs::system::SystemParam;

/// Read-only view of the world that the rules consult for every peer of a pass.
pub struct RuleContext<'a> {
    pub params: &'a ProtocolConfig,
    pub ring: &'a Ring,
    pub tokens: &'a TokenBook,
    pub book: &'a BlockBook,
    pub adversary: &'a Adversary,
    pub now: Tick,
}

/// The resources behind a [`RuleContext`], for the systems whose passes run the rules.
#[derive(SystemParam)]
pub struct RuleInputs<'w> {
    pub settings: Res<'w, Settings>,
    pub clock: Res<'w, Clock>,
    pub ring: Res<'w, Ring>,
    pub tokens: Res<'w, TokenBook>,
    pub book: Res<'w, BlockBook>,
    pub adversary: Res<'w, Adversary>,
}

impl RuleInputs<'_> {
    pub fn context(&self) -> RuleContext<'_> {
        RuleContext {
            params: &self.settings.0.protocol,
            ring: &self.ring,
            tokens: &self.tokens,
            book: &self.book,
            adversary: &self.adversary,
            now: self.clock.tick,
        }
    }
}
