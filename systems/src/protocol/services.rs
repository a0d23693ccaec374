//! What the engine offers a protocol's rules in a pass, besides the peer's own state.

use crate::config::ProtocolConfig;
use crate::engine::bodies::Bodies;
use crate::engine::lookup::Lookup;
use crate::engine::verifier::Verifier;
use crate::model::adversary::Adversary;
use crate::model::blocks::BlockBook;
use crate::model::ids::Tick;
use crate::model::ring::Ring;
use crate::model::signatures::Signatures;
use crate::model::tokens::TokenBook;
use crate::model::world::{Clock, Settings};
use bevy_ecs::prelude::Res;
use bevy_ecs::system::SystemParam;

/// The engine's services, shared read-only by every peer of a pass. Each is a named door:
/// topology lookups, block bodies, token keys, the protocol's parameters, and certificate
/// verification. A peer's own Byzantine role is read through its [`super::Node`].
pub struct Services<'a> {
    pub params: &'a ProtocolConfig,
    pub lookup: Lookup<'a>,
    pub bodies: Bodies<'a>,
    /// Token keys (ring ids), public data.
    pub tokens: &'a TokenBook,
    /// Verifies the certificates messages carry.
    pub certificates: Verifier<'a>,
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
    /// The services of a pass, verifying certificates against `signatures` as they stood
    /// when the pass began.
    pub fn services<'a>(&'a self, signatures: &'a Signatures) -> Services<'a> {
        Services {
            params: &self.settings.0.protocol,
            lookup: Lookup::new(&self.ring),
            bodies: Bodies::new(&self.book),
            tokens: &self.tokens,
            certificates: Verifier::new(signatures),
            adversary: &self.adversary,
            now: self.clock.tick,
        }
    }
}
