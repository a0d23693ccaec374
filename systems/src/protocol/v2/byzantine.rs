//! v2's Byzantine hook, behaviour "equivocate": an equivocating member votes yes for every
//! proposal it receives, on every part whose committee it sits in, ignoring its store and its
//! locks. Silence is honoured by the systems (`Adversary::withholds`); double spending and
//! flooding are systems of their own (v2 ignores the flood's vote requests: only votes from
//! a part's committee members, on proposals their origin sent, count).
//!
//! Behaviour "withhold": a withholding origin collects votes as usual, but once its block is
//! certified it neither commits nor pushes; it answers status queries as an honest origin
//! does, and its block times out (its owner's late spend is `byzantine_late_spend`'s).

use crate::config::Behaviour;
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
