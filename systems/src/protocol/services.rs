//! What the engine offers a protocol's rules in a pass, besides the peer's own state.

use crate::config::ProtocolConfig;
use crate::engine::bodies::Bodies;
use crate::engine::lookup::Lookup;
use crate::engine::oracle::KnownOracles;
use crate::model::adversary::Adversary;
use crate::model::blocks::BlockBook;
use crate::model::ids::Tick;
use crate::model::ring::Ring;
use crate::model::tokens::TokenBook;
use crate::model::world::{Clock, Settings};
use bevy_ecs::prelude::Res;
use bevy_ecs::system::SystemParam;

/// The engine's services, shared read-only by every peer of a pass. Each is a named door:
/// topology lookups, block bodies, token keys, the protocol's parameters, and the known
/// oracles (listed in `docs/architecture.md`). A peer's own Byzantine role is read through
/// its [`super::Node`].
pub struct Services<'a> {
    pub params: &'a ProtocolConfig,
    pub lookup: Lookup<'a>,
    pub bodies: Bodies<'a>,
    /// Token keys (ring ids), public data.
    pub tokens: &'a TokenBook,
    pub oracle: KnownOracles<'a>,
    pub(super) adversary: &'a Adversary,
    pub now: Tick,
}

/// The resources behind [`Services`], for the systems whose passes run the rules.
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
    pub fn services(&self) -> Services<'_> {
        Services {
            params: &self.settings.0.protocol,
            lookup: Lookup::new(&self.ring),
            bodies: Bodies::new(&self.book),
            tokens: &self.tokens,
            oracle: KnownOracles::new(&self.book),
            adversary: &self.adversary,
            now: self.clock.tick,
        }
    }
}
