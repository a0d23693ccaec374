//! The original's Byzantine hook, behaviour "equivocate": vouch for every block. An
//! equivocating peer tells every asker that it holds every part and agrees with it, so it votes
//! for both sides of any conflict, ignoring its own store, promises and D3.

use super::judge::Opinion;
use crate::config::Behaviour;
use crate::protocol::Io;

/// The opinion `p` states: its real one, or, if it equivocates, "yes to everything".
#[inline]
pub fn stated_opinion<const T: bool>(io: &Io<'_, '_, T>, real: Opinion, parts: usize) -> Opinion {
    if io.acts(Behaviour::Equivocate) {
        let all = ((1u16 << parts) - 1) as u8;
        Opinion {
            agree: all,
            holds: all,
            behind: 0,
            conflict: false,
        }
    } else {
        real
    }
}
