//! Seeded random streams.
//!
//! Every random draw comes from a PCG stream derived from `(seed, purpose, tick, subject)`, so
//! a peer's draws in a tick do not depend on which thread handles it or in which order chunks
//! run. This is what makes the digest identical for any `--threads`.

use rand_pcg::Pcg64Mcg;

/// What a stream is used for; keeps streams of different systems independent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Stream {
    PeerIds = 1,
    Topology = 2,
    Tokens = 3,
    Workload = 4,
    Deliver = 5,
    Vote = 6,
    Inbox = 7,
    Faults = 8,
    /// Session churn: when peers leave and come back.
    Sessions = 9,
    /// dht maintenance: whom a peer pings, and where it looks for a dead contact's stand-in.
    Maintenance = 10,
}

/// SplitMix64 finaliser: a fast, well-mixed 64-bit hash step.
#[inline]
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Hash of several words, order-sensitive.
#[inline]
pub fn hash_words(words: &[u64]) -> u64 {
    words
        .iter()
        .fold(0x2545_F491_4F6C_DD1D, |acc, &w| mix64(acc ^ w))
}

/// A PCG stream for one purpose, tick and subject (usually a peer).
#[inline]
pub fn stream(seed: u64, purpose: Stream, tick: u32, subject: u64) -> Pcg64Mcg {
    StreamKey::new(seed, purpose, tick).stream(subject)
}

/// The streams of one purpose and tick, for many subjects.
///
/// The hash of `(seed, purpose, tick)` is the same for every peer a system visits in a tick,
/// so a pass works it out once: the per-peer stream then costs two serial hash steps instead
/// of five, and is the same stream [`stream`] gives.
#[derive(Clone, Copy, Debug)]
pub struct StreamKey(u64);

impl StreamKey {
    pub fn new(seed: u64, purpose: Stream, tick: u32) -> Self {
        StreamKey(hash_words(&[seed, purpose as u64, tick as u64]))
    }

    #[inline]
    pub fn stream(self, subject: u64) -> Pcg64Mcg {
        // `hash_words` folds its words in order, so this continues it with `subject`.
        let hi = mix64(self.0 ^ subject);
        let lo = mix64(hi ^ 0x5851_F42D_4C95_7F2D);
        Pcg64Mcg::new(((hi as u128) << 64) | lo as u128 | 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngCore;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a = stream(7, Stream::Vote, 3, 11).next_u64();
        assert_eq!(a, stream(7, Stream::Vote, 3, 11).next_u64());
        assert_ne!(a, stream(7, Stream::Vote, 3, 12).next_u64());
        assert_ne!(a, stream(7, Stream::Deliver, 3, 11).next_u64());
        assert_ne!(a, stream(8, Stream::Vote, 3, 11).next_u64());
    }

    #[test]
    fn a_key_gives_the_streams_of_the_four_word_hash() {
        let key = StreamKey::new(7, Stream::Inbox, 9);
        for subject in [0, 1, 11, u64::MAX] {
            let hi = hash_words(&[7, Stream::Inbox as u64, 9, subject]);
            let lo = mix64(hi ^ 0x5851_F42D_4C95_7F2D);
            let mut want = Pcg64Mcg::new(((hi as u128) << 64) | lo as u128 | 1);
            let mut got = key.stream(subject);
            for _ in 0..3 {
                assert_eq!(got.next_u64(), want.next_u64());
            }
        }
    }
}
