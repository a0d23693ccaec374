//! v2's Byzantine hook, behaviour "equivocate": an equivocating member votes yes for every
//! proposal it receives, on every part whose committee it sits in, ignoring its store and its
//! locks. Silence is honoured by the systems (`Adversary::withholds`); double spending and
//! flooding are systems of their own (v2 ignores the flood's vote requests: only votes from
//! a part's committee members, on proposals their origin sent, count).
//!
//! Behaviour "withhold": a withholding origin collects votes as usual, but once its block is
//! certified it neither commits nor pushes; it answers status queries as an honest origin
//! does, and its block times out (its owner's late spend is `byzantine_late_spend`'s). In
//! the block's last tick it reveals the certificate to half of each committee
//! (`propose.rs::reveal_late`).
//!
//! Behaviour "collector": a Byzantine collector (routed topologies, `collect.rs`) forges its
//! tallies: for each part it collects it claims that the whole committee voted yes, or no, or
//! it sends nothing, as [`forgery`] picks.

use crate::config::Behaviour;
use crate::model::ids::BlockIdx;
use crate::model::rng::hash_words;
use crate::protocol::Io;

/// Whether `p` votes for everything.
#[inline]
pub fn equivocates<const T: bool>(io: &Io<'_, '_, T>) -> bool {
    io.acts(Behaviour::Equivocate)
}

/// Whether this origin keeps its blocks' certificates to itself (behaviour "withhold").
#[inline]
pub fn withholds_certificate<const T: bool>(io: &Io<'_, '_, T>) -> bool {
    io.acts(Behaviour::WithholdCertificate)
}

/// Whether this collector forges its tallies (behaviour "collector").
#[inline]
pub fn forges_tallies<const T: bool>(io: &Io<'_, '_, T>) -> bool {
    io.acts(Behaviour::ForgeTallies)
}

/// What a forging collector claims about one part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Forgery {
    /// Every committee member voted yes: a certificate, were the bits believed.
    AllYes,
    /// Every member voted no: the block can never be certified, were the bits believed.
    AllNo,
    /// Nothing: the origin's retries must go around the collector.
    Omit,
}

/// The forgery for part `part` of block `idx`, a third of the parts each (a hash of both,
/// so that a run's forgeries do not depend on the order of the pass).
#[inline]
pub fn forgery(idx: BlockIdx, part: usize) -> Forgery {
    match hash_words(&[0xF09E, idx as u64, part as u64]) % 3 {
        0 => Forgery::AllYes,
        1 => Forgery::AllNo,
        _ => Forgery::Omit,
    }
}
