//! One token's committee: its size, the Byzantine members it tolerates and has, and the quorum.

/// A committee of `size` members that tolerates `tolerated` Byzantine members (which sets the
/// quorum) and has `byzantine` of them, who sign anything; a certificate is `quorum` distinct
/// members' yes votes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Committee {
    pub size: u8,
    pub tolerated: u8,
    pub byzantine: u8,
    pub quorum: u8,
}

impl Committee {
    /// v2's committee with `b` Byzantine members: Q = floor((C + b) / 2) + 1, as
    /// `systems/src/protocol/v2/committee.rs`.
    pub const fn new(size: u8, b: u8) -> Self {
        Self {
            size,
            tolerated: b,
            byzantine: b,
            quorum: (size + b) / 2 + 1,
        }
    }

    /// The same committee and quorum with every member honest (the attack on today's rule
    /// needs no Byzantine member).
    pub const fn all_honest(self) -> Self {
        Self {
            byzantine: 0,
            ..self
        }
    }

    /// The same committee with another quorum (the sanity check: one too small must fail).
    pub const fn with_quorum(self, quorum: u8) -> Self {
        Self { quorum, ..self }
    }

    /// The members that follow the rules.
    pub const fn honest(self) -> u8 {
        self.size - self.byzantine
    }

    /// Honest "I did not and will not vote for X" statements a release certificate needs:
    /// C - Q + b + 1 in all, of which the Byzantine members give theirs freely.
    pub const fn honest_renouncers_to_release(self) -> u8 {
        (self.size + self.tolerated + 1).saturating_sub(self.quorum + self.byzantine)
    }
}

/// The committees the tests check: (C, b) = (4, 1), (5, 1), (7, 2).
pub const CHECKED: [Committee; 3] = [
    Committee::new(4, 1),
    Committee::new(5, 1),
    Committee::new(7, 2),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quorums_match_v2() {
        let quorums: Vec<u8> = CHECKED.iter().map(|c| c.quorum).collect();
        assert_eq!(quorums, [3, 4, 5]);
    }

    /// C - Q + b + 1 renouncers and Q voters cannot coexist: they would need more than C
    /// members even with the b Byzantine ones on both sides.
    #[test]
    fn a_release_certificate_excludes_a_certificate() {
        for c in CHECKED {
            let renouncers = c.size - c.quorum + c.tolerated + 1;
            assert!(renouncers + c.quorum > c.size + c.tolerated, "{c:?}");
        }
    }
}
