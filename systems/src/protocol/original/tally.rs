//! Counting votes: the incremental balances' decision, and the full recount they must match.

use super::state::{Entry, WITNESS_BIT, WITNESS_SLOT};
use crate::config::NegativeBalance;

/// What decides a part: a balance beyond the threshold T, and what one below -T does (D1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Margin {
    pub threshold: i32,
    pub negative: NegativeBalance,
}

/// Counts an entry's votes from scratch (the reference for the incremental balances).
/// Returns (undecided mask, rejected).
///
/// Part i is decided when the voters inside this peer's view of token i that hold the token
/// agree by a margin above the threshold; the witness when more than `threshold` voters lie
/// inside its view of the block id.
pub fn tally(e: &Entry, parts: usize, margin: Margin, peers: u32) -> (u8, bool) {
    let Margin {
        threshold,
        negative,
    } = margin;
    let mut undecided = 0u8;
    let mut rejected = false;
    for (i, view) in e.protocol.views[..parts].iter().enumerate() {
        let mut balance = 0i32;
        let bit = 1 << i;
        for v in &e.protocol.votes {
            // Only a voter that holds the token speaks for it: a 0 from anyone else means
            // "no information", not "no" (D1 makes "no" a rejection).
            if v.holds & bit != 0 && view.contains(v.voter, peers) {
                balance += if v.mask & bit != 0 { 1 } else { -1 };
            }
        }
        if balance < -threshold {
            rejected |= negative == NegativeBalance::Rejects;
        } else if balance <= threshold {
            undecided |= 1 << i;
        }
    }
    let witness = &e.protocol.views[parts];
    let w = e
        .protocol
        .votes
        .iter()
        .filter(|v| witness.contains(v.voter, peers))
        .count() as i32;
    if w <= threshold {
        undecided |= WITNESS_BIT;
    }
    (undecided, rejected)
}

/// The decision a set of balances implies. Returns (undecided mask, rejected).
/// Under `NegativeBalance::Commits` (the original's quirk) a balance below -T decides the part
/// as one above T does.
pub fn decide(balance: &[i16; 7], parts: usize, margin: Margin) -> (u8, bool) {
    let Margin {
        threshold,
        negative,
    } = margin;
    let mut undecided = 0u8;
    let mut rejected = false;
    for (i, &b) in balance[..parts].iter().enumerate() {
        let b = b as i32;
        if b < -threshold {
            rejected |= negative == NegativeBalance::Rejects;
        } else if b <= threshold {
            undecided |= 1 << i;
        }
    }
    if balance[WITNESS_SLOT] as i32 <= threshold {
        undecided |= WITNESS_BIT;
    }
    (undecided, rejected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::peer::{Body, Role, VoteRecord};
    use crate::protocol::original::neighbourhood::Neighbourhood;
    use rand::{Rng, SeedableRng};

    /// Vote-by-vote balances always decide as a full recount does.
    #[test]
    fn incremental_balances_match_a_full_recount() {
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(5);
        let peers = 40;
        for _ in 0..200 {
            let parts = rng.random_range(1..=3usize);
            let mut e = Entry::new(0, 100, Body::Known, Role::Relay);
            for _ in 0..=parts {
                let lo = rng.random_range(0..peers);
                let hi = (lo + rng.random_range(0..12)) % peers;
                e.protocol.views.push(Neighbourhood {
                    below: [lo; 4],
                    above: [hi; 4],
                });
            }
            e.recount(peers);
            for t in 0..30 {
                let voter = rng.random_range(0..peers);
                e.record_vote_counted(
                    VoteRecord {
                        voter,
                        sent: t / 3,
                        mask: rng.random(),
                        holds: rng.random(),
                    },
                    peers,
                );
            }
            for threshold in 0..3 {
                for negative in [NegativeBalance::Rejects, NegativeBalance::Commits] {
                    let margin = Margin {
                        threshold,
                        negative,
                    };
                    assert_eq!(
                        decide(&e.protocol.balance, parts, margin),
                        tally(&e, parts, margin, peers)
                    );
                }
            }
        }
    }
}
