//! Byzantine behaviour "silent": vote withholding. A silent peer receives everything and
//! answers nothing; it never asks for votes either. The hooks are here so the delivery and
//! vote systems only ask one question.

use crate::adversary::{Adversary, Behaviour};
use crate::ids::PeerIdx;

/// Should `p` stay silent (neither handle messages nor vote)?
#[inline]
pub fn withholds(adversary: &Adversary, p: PeerIdx) -> bool {
    adversary.acts(p, Behaviour::Silent)
}
