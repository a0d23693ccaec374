//! The protocol the peers run, and its parameters.

use super::original::ThresholdPolicy;
use super::original_rules::OriginalRules;
use serde::{Deserialize, Serialize};

/// One row of [`PROTOCOLS`]: a protocol as every front end sees it.
#[derive(Clone, Copy, Debug)]
pub struct ProtocolEntry {
    /// The value `--protocol`, `protocol = "..."` and `fuzz --protocol` take, and the section
    /// `[protocol.NAME]` of a scenario file.
    pub name: &'static str,
    pub kind: ProtocolKind,
    /// One line for `--help` and the docs.
    pub help: &'static str,
    /// The keys of `[protocol.NAME]` (each also accepted at the top level of a scenario file).
    pub keys: &'static [&'static str],
    /// Its own knobs, for the summary's scenario line: (threshold, tolerance, the Byzantine
    /// share under which it claims safety) -> text.
    pub describe: fn(u32, u32, f64) -> String,
}

/// Declares the protocols once: each row makes a variant of [`ProtocolKind`] and a row of
/// [`PROTOCOLS`]. The rules live under `protocol/`; each variant has an arm in
/// `protocol::with_protocol!`, which the compiler checks.
macro_rules! protocols {
    ($($(#[$attr:meta])* $variant:ident = $name:literal, help: $help:literal, keys: $keys:expr, describe: $describe:expr;)+) => {
        /// Which rules the peers follow (the rows of [`PROTOCOLS`]).
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
        pub enum ProtocolKind {
            $($(#[$attr])* #[serde(rename = $name)] $variant,)+
        }

        /// Every protocol, listed once: the CLI's help and errors, the scenario files (names
        /// and `[protocol.NAME]` sections), the fuzzer, the replay and the report read it.
        pub const PROTOCOLS: &[ProtocolEntry] = &[$(ProtocolEntry {
            name: $name,
            kind: ProtocolKind::$variant,
            help: $help,
            keys: $keys,
            describe: $describe,
        }),+];
    };
}

protocols! {
    /// The original ecRust rules (`protocol/original/`).
    Original = "original", help: "the original ecRust rules: neighbourhood votes against a threshold",
        keys: &["threshold", "threshold_policy", "rules"], describe: |threshold, _, _| format!("threshold {threshold}");
    /// Committees, locks and quorum certificates (`protocol/v2/`, `docs/protocol-v2.md`): the
    /// default since it meets issue 18's targets.
    #[default]
    V2 = "v2", help: "committees, locks and quorum certificates; docs/protocol-v2.md",
        keys: &["tolerance"], describe: |_, tolerance, bound| format!(
            "tolerance {tolerance}: safe while no committee holds more than {tolerance} Byzantine, in the simulator's model; fuzz bound {bound} at random placement"
        );
    /// A baseline that checks nothing (`protocol/echo/`): the seam's smallest protocol.
    Echo = "echo", help: "a baseline that checks nothing: the origin commits after one round trip to its neighbours",
        keys: &[], describe: |_, _, _| "checks nothing".into();
}

impl ProtocolKind {
    /// The names of [`PROTOCOLS`], for help and error messages.
    pub fn names() -> String {
        PROTOCOLS
            .iter()
            .map(|e| e.name)
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn parse(s: &str) -> Option<Self> {
        PROTOCOLS.iter().find(|e| e.name == s).map(|e| e.kind)
    }

    /// This protocol's row of [`PROTOCOLS`].
    pub fn entry(self) -> &'static ProtocolEntry {
        PROTOCOLS
            .iter()
            .find(|e| e.kind == self)
            .expect("every ProtocolKind is a row of PROTOCOLS")
    }

    pub fn name(self) -> &'static str {
        self.entry().name
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
    /// The original: where its rules follow ours or the original simulator's (`--rules`).
    #[serde(default)]
    pub rules: OriginalRules,
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
            rules: OriginalRules::default(),
        }
    }
}
