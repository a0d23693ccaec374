//! The protocol the peers run, and its parameters.

use serde::{Deserialize, Serialize};

/// Protocol constant: a neighbourhood is the 4 known peers either side of a key, plus the key's
/// own nearest peer, so a node counts at most 9 voters for any key.
pub const NEIGHBOURHOOD_VOTERS: u32 = 9;

/// Which rules the peers follow. The rules live under `protocol/`; each name listed here has
/// an arm in `protocol::with_protocol!`, which the compiler checks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProtocolKind {
    /// The original ecRust rules (`protocol/original/`).
    Original,
    /// Committees, locks and quorum certificates (`protocol/v2/`, `docs/protocol-v2.md`): the
    /// default since it meets issue 18's targets.
    #[default]
    V2,
}

impl ProtocolKind {
    /// Every protocol, by name.
    pub const ALL: [(&'static str, ProtocolKind); 2] = [
        ("original", ProtocolKind::Original),
        ("v2", ProtocolKind::V2),
    ];

    /// The names, for error messages.
    pub fn names() -> String {
        Self::ALL.map(|(name, _)| name).join(", ")
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(name, _)| *name == s)
            .map(|&(_, kind)| kind)
    }

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, kind)| *kind == self)
            .map(|&(name, _)| name)
            .unwrap_or("?")
    }
}

/// The protocol and its parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProtocolConfig {
    pub kind: ProtocolKind,
    /// `VOTE_THRESHOLD`: a part is decided when its vote balance exceeds this margin.
    pub threshold: u32,
    pub threshold_policy: ThresholdPolicy,
    /// Mempool entries expire this many ticks after creation (the original: 200).
    pub entry_ttl: u32,
    /// Vote-created mempool entries are only made while the pool holds fewer (the original: 100).
    pub mempool_cap: u32,
    /// Committed block ids are remembered (to answer votes) this many ticks after their entry expires.
    pub gc_after: u32,
    /// Peers learned from incoming votes, per node; the oldest is forgotten first.
    pub learned_peers: u32,
    /// v2: equivocating members `b` a committee of 32 tolerates; its quorum is
    /// `Q = floor((32 + b) / 2) + 1` (10: Q = 22). More tolerance costs liveness: a committee
    /// with more than `32 - Q` silent members cannot certify.
    pub tolerance: u32,
}

/// The most v2's `tolerance` may be: a quorum of at most 24 of 32 leaves room for 8 missing votes.
pub const MAX_TOLERANCE: u32 = 15;

impl Default for ProtocolConfig {
    fn default() -> Self {
        Self {
            kind: ProtocolKind::default(),
            threshold: 2,
            threshold_policy: ThresholdPolicy::Fixed,
            entry_ttl: 200,
            mempool_cap: 100,
            gc_after: 200,
            learned_peers: 32,
            tolerance: 10,
        }
    }
}

/// How the vote threshold is chosen each tick.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum ThresholdPolicy {
    /// Always `threshold`.
    #[default]
    Fixed,
    /// From the loss observed network-wide: `max` on a clean network, falling linearly to
    /// `min` at 40 % loss (fewer votes arrive, so a lower margin still converges in time).
    Adaptive { min: u32, max: u32 },
}

impl ThresholdPolicy {
    /// `fixed` or `adaptive:MIN..MAX`.
    pub fn parse(s: &str) -> Option<Self> {
        if s == "fixed" {
            return Some(Self::Fixed);
        }
        let (min, max) = s.strip_prefix("adaptive:")?.split_once("..")?;
        Some(Self::Adaptive {
            min: min.trim().parse().ok()?,
            max: max.trim().parse().ok()?,
        })
    }
}
