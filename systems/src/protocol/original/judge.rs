//! How a peer judges a block against its own token store, part by part.

use super::state::PeerState;
use crate::config::BehindPart;
use crate::model::tokens::TokenBook;
use crate::protocol::BlockRef;

/// How a peer's own store judges one part of a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartView {
    /// The part spends the owner I store (or I do not hold this token).
    Agree,
    /// I do not hold this token: no information, no objection.
    Outside,
    /// The part spends an owner newer than mine: I missed a commit and must catch up.
    Behind,
    /// The part spends an owner that was already spent: a double spend (D3).
    Conflict,
    /// I already vouched for another block spending this same owner: I object, but do not
    /// block, since that other block may yet expire.
    Promised,
}

/// Judges part `i` of `block` against this peer's token store.
pub fn judge_part(ps: &PeerState, block: BlockRef, i: usize, tokens: &TokenBook) -> PartView {
    let (idx, part) = (block.idx, block.body.parts[i]);
    if !ps.in_range(tokens.id(part.token)) {
        return PartView::Outside;
    }
    let mine = ps.mapping(part.token);
    if mine.block == part.last {
        match ps.promised(part.token, part.last) {
            Some(other) if other != idx => PartView::Promised,
            _ => PartView::Agree,
        }
    } else if mine.block == idx {
        // I already wrote this block's mapping (committed here).
        PartView::Agree
    } else if mine.prev == part.last || part.last_time <= mine.time {
        PartView::Conflict
    } else {
        PartView::Behind
    }
}

/// A peer's opinion of a whole block, part by part.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Opinion {
    /// Parts that spend the owner this peer stores.
    pub agree: u8,
    /// Parts whose token this peer holds and can judge (agree or object).
    pub holds: u8,
    /// Parts this peer holds but is behind on.
    pub behind: u8,
    /// Some part spends an owner that was already spent.
    pub conflict: bool,
}

impl Opinion {
    /// Under `BehindPart::VoteNo` (the seed-era original) a part this peer is behind on is one
    /// it holds and does not agree to, not one to catch up on first.
    #[inline]
    pub fn with_behind(mut self, rule: BehindPart) -> Self {
        if rule == BehindPart::VoteNo {
            self.holds |= self.behind;
            self.behind = 0;
        }
        self
    }
}

pub fn judge_block(ps: &PeerState, block: BlockRef, tokens: &TokenBook) -> Opinion {
    let mut o = Opinion::default();
    for i in 0..block.body.parts.len() {
        let bit = 1 << i;
        match judge_part(ps, block, i, tokens) {
            PartView::Agree => {
                o.agree |= bit;
                o.holds |= bit;
            }
            PartView::Outside => {}
            // Behind is "I do not know yet", not an objection.
            PartView::Behind => o.behind |= bit,
            PartView::Conflict => {
                o.holds |= bit;
                o.conflict = true;
            }
            PartView::Promised => o.holds |= bit,
        }
    }
    o
}
