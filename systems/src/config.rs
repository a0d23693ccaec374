//! The scenario a simulation runs: every parameter, with validation.
//!
//! This is plain data. The front end builds it from flags and TOML files; the core only checks
//! that it is runnable and reports the first bad field with its allowed range.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How peers are linked at set-up (each peer's seeded view of the ring).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Topology {
    /// Each peer knows each other peer with the same probability.
    Random,
    /// Link probability falls linearly with ring distance (max at distance 0, min at half a ring).
    RingGradient,
    /// Link probability falls as a Gaussian of ring distance.
    RingGaussian,
}

impl Topology {
    pub const NAMES: &'static str = "random, ring-gradient, ring-gaussian";

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "random" => Some(Self::Random),
            "ring-gradient" => Some(Self::RingGradient),
            "ring-gaussian" => Some(Self::RingGaussian),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Random => "random",
            Self::RingGradient => "ring-gradient",
            Self::RingGaussian => "ring-gaussian",
        }
    }
}

/// How many ticks a message spends in flight (always at least 1).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum DelayModel {
    /// The original's model: each tick a message stays in flight with probability `stay`.
    Geometric { stay: f64 },
    /// Uniform over `min..=max` ticks.
    Uniform { min: u32, max: u32 },
    /// Jitter: normal around `mean` with standard deviation `sd`, rounded, at least 1 tick.
    Normal { mean: f64, sd: f64 },
    /// Long tail: Pareto with scale `min` ticks and shape `alpha` (smaller = heavier tail),
    /// truncated at `LONG_TAIL_CAP` ticks.
    Pareto { min: f64, alpha: f64 },
}

impl DelayModel {
    /// Accepts `MIN..MAX` (inclusive, uniform), `N` (fixed), `geometric:STAY`,
    /// `normal:MEAN,SD` or `pareto:MIN,ALPHA`.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let pair = |rest: &str| -> Option<(f64, f64)> {
            let (a, b) = rest.split_once(',')?;
            Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
        };
        if let Some(rest) = s.strip_prefix("normal:") {
            return pair(rest).map(|(mean, sd)| Self::Normal { mean, sd });
        }
        if let Some(rest) = s.strip_prefix("pareto:") {
            return pair(rest).map(|(min, alpha)| Self::Pareto { min, alpha });
        }
        if let Some(stay) = s.strip_prefix("geometric:") {
            return stay
                .trim()
                .parse()
                .ok()
                .map(|stay| Self::Geometric { stay });
        }
        if let Some((a, b)) = s.split_once("..") {
            let max = b.trim_start_matches('=').trim().parse().ok()?;
            return Some(Self::Uniform {
                min: a.trim().parse().ok()?,
                max,
            });
        }
        s.parse().ok().map(|d| Self::Uniform { min: d, max: d })
    }

    pub fn describe(&self) -> String {
        match *self {
            Self::Geometric { stay } => format!("geometric:{stay}"),
            Self::Uniform { min, max } => format!("{min}..{max}"),
            Self::Normal { mean, sd } => format!("normal:{mean},{sd}"),
            Self::Pareto { min, alpha } => format!("pareto:{min},{alpha}"),
        }
    }

    /// Largest delay the timing wheel must hold.
    pub fn horizon(&self) -> u32 {
        match *self {
            Self::Geometric { .. } => GEOMETRIC_DELAY_CAP,
            Self::Uniform { max, .. } => max,
            Self::Normal { mean, sd } => ((mean + 6.0 * sd).ceil() as u32).clamp(1, MAX_DELAY),
            Self::Pareto { .. } => LONG_TAIL_CAP,
        }
    }
}

/// Geometric delays are truncated here; with the default stay = 0.5 the chance of reaching it
/// is 2^-63.
pub const GEOMETRIC_DELAY_CAP: u32 = 64;

/// Long-tail delays are truncated here (ticks).
pub const LONG_TAIL_CAP: u32 = 200;

/// The largest uniform delay accepted.
pub const MAX_DELAY: u32 = 1000;

/// Protocol constant: a neighbourhood is the 4 known peers either side of a key, plus the key's
/// own nearest peer, so a node counts at most 9 voters for any key.
pub const NEIGHBOURHOOD_VOTERS: u32 = 9;

/// A scripted partition: from `at` until `heal` the ring is cut into contiguous arcs sized by
/// `groups` (fractions summing to 1); messages between arcs are lost.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartitionSpec {
    pub at: u32,
    pub heal: u32,
    pub groups: Vec<f64>,
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

/// Everything a simulation needs, in protocol units.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SimConfig {
    pub peers: u32,
    pub ticks: u32,
    pub seed: u64,
    /// `VOTE_THRESHOLD`: a part is decided when its vote balance exceeds this margin.
    pub threshold: u32,
    /// Probability that a message is lost (the mean over links).
    pub loss: f64,
    /// Per-link loss: each directed link's rate is `loss * (1 + loss_spread * u)`, u fixed per
    /// link in [-1, 1]. 0 = every link alike.
    pub loss_spread: f64,
    pub delay: DelayModel,
    pub topology: Topology,
    /// Expected number of seeded peers per node. `None` keeps the original's link
    /// probabilities: random 0.3, ring-gradient 0.1..0.7, ring-gaussian sigma 0.1.
    pub degree: Option<f64>,
    /// Tokens in circulation (the original ran with 1).
    pub tokens: u32,
    /// Parts per new block, inclusive range (the original: 1..=3).
    pub block_size_min: u32,
    pub block_size_max: u32,
    /// Mempool entries expire this many ticks after creation (the original: 200).
    pub entry_ttl: u32,
    /// Vote-created mempool entries are only made while the pool holds fewer (the original: 100).
    pub mempool_cap: u32,
    /// Committed block ids are remembered (to answer votes) this many ticks after their entry expires.
    pub gc_after: u32,
    /// Peers learned from incoming votes, per node; the oldest is forgotten first.
    pub learned_peers: u32,
    /// Fraction of new blocks that get a double-spending twin (a conflict, D5).
    pub conflict_rate: f64,
    /// Run the global safety checker.
    pub check: bool,
    /// Scripted partitions, in time order, not overlapping.
    pub partitions: Vec<PartitionSpec>,
    /// Probability per tick that an online peer goes offline (churn).
    pub churn: f64,
    /// Ticks a churned peer stays offline.
    pub churn_downtime: u32,
    /// Fraction of peers that are Byzantine.
    pub byzantine: f64,
    pub byzantine_behaviour: crate::adversary::Behaviour,
    pub threshold_policy: ThresholdPolicy,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            peers: 2000,
            ticks: 1000,
            seed: 1,
            threshold: 2,
            loss: 0.02,
            loss_spread: 0.0,
            delay: DelayModel::Geometric { stay: 0.5 },
            topology: Topology::RingGradient,
            degree: None,
            tokens: 100,
            block_size_min: 1,
            block_size_max: 3,
            entry_ttl: 200,
            mempool_cap: 100,
            gc_after: 200,
            learned_peers: 32,
            conflict_rate: 0.0,
            check: true,
            partitions: Vec::new(),
            churn: 0.0,
            churn_downtime: 50,
            byzantine: 0.0,
            byzantine_behaviour: crate::adversary::Behaviour::Silent,
            threshold_policy: ThresholdPolicy::Fixed,
        }
    }
}

/// A configuration value outside what the simulator accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub field: &'static str,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for ConfigError {}

fn bad(field: &'static str, message: String) -> Result<(), ConfigError> {
    Err(ConfigError { field, message })
}

/// Largest peer count accepted (peer indices are u32 and messages carry them).
pub const MAX_PEERS: u32 = 16_000_000;

impl SimConfig {
    /// The expected number of seeded links per node under this topology.
    pub fn expected_degree(&self) -> f64 {
        let others = self.peers.saturating_sub(1) as f64;
        match self.degree {
            Some(d) => d.min(others),
            None => crate::ring::LinkModel::new(self).mean_probability() * others,
        }
    }

    /// The largest threshold that can ever be exceeded with this degree.
    pub fn max_threshold(&self) -> u32 {
        let voters = (self.expected_degree().floor() as u32).min(NEIGHBOURHOOD_VOTERS);
        voters.saturating_sub(1)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(16..=MAX_PEERS).contains(&self.peers) {
            return bad(
                "peers",
                format!("{} is out of range; allowed 16..={MAX_PEERS}", self.peers),
            );
        }
        if self.ticks == 0 || self.ticks > 100_000_000 {
            return bad(
                "ticks",
                format!("{} is out of range; allowed 1..=100000000", self.ticks),
            );
        }
        if !(0.0..=0.5).contains(&self.loss) || self.loss.is_nan() {
            return bad(
                "loss",
                format!("{} is out of range; allowed 0.0..=0.5", self.loss),
            );
        }
        if !(0.0..=1.0).contains(&self.loss_spread) || self.loss_spread.is_nan() {
            return bad(
                "loss_spread",
                format!("{} is out of range; allowed 0.0..=1.0", self.loss_spread),
            );
        }
        match self.delay {
            DelayModel::Geometric { stay } => {
                if !(0.0..=0.95).contains(&stay) || stay.is_nan() {
                    return bad(
                        "delay",
                        format!(
                            "geometric stay probability {stay} is out of range; allowed 0.0..=0.95"
                        ),
                    );
                }
            }
            DelayModel::Normal { mean, sd } => {
                if !(1.0..=100.0).contains(&mean) || !(0.0..=50.0).contains(&sd) {
                    return bad(
                        "delay",
                        format!(
                            "normal:{mean},{sd} is out of range; allowed normal:MEAN,SD with 1 <= MEAN <= 100 and 0 <= SD <= 50"
                        ),
                    );
                }
            }
            DelayModel::Pareto { min, alpha } => {
                if !(1.0..=50.0).contains(&min) || !(0.5..=10.0).contains(&alpha) {
                    return bad(
                        "delay",
                        format!(
                            "pareto:{min},{alpha} is out of range; allowed pareto:MIN,ALPHA with 1 <= MIN <= 50 and 0.5 <= ALPHA <= 10"
                        ),
                    );
                }
            }
            DelayModel::Uniform { min, max } => {
                if min < 1 || max < min || max > MAX_DELAY {
                    return bad(
                        "delay",
                        format!(
                            "{min}..{max} is not a valid range; allowed MIN..MAX with 1 <= MIN <= MAX <= {MAX_DELAY}"
                        ),
                    );
                }
            }
        }
        if let Some(d) = self.degree {
            let max = (self.peers - 1) as f64;
            if !(8.0..=max).contains(&d) || d.is_nan() {
                return bad(
                    "degree",
                    format!(
                        "{d} is out of range; allowed 8..={max} for {} peers",
                        self.peers
                    ),
                );
            }
        }
        let degree = self.expected_degree();
        if degree < 8.0 {
            return bad(
                "degree",
                format!(
                    "the {} topology gives {degree:.1} peers per node; at least 8 are needed (raise --degree)",
                    self.topology.name()
                ),
            );
        }
        let max_t = self.max_threshold();
        if self.threshold < 1 || self.threshold > max_t {
            return bad(
                "threshold",
                format!(
                    "{} is out of range; allowed 1..={max_t} (a neighbourhood counts at most {} voters at degree {degree:.0})",
                    self.threshold,
                    max_t + 1
                ),
            );
        }
        if self.tokens == 0 || self.tokens > 100_000_000 {
            return bad(
                "tokens",
                format!("{} is out of range; allowed 1..=100000000", self.tokens),
            );
        }
        if self.block_size_min < 1
            || self.block_size_max < self.block_size_min
            || self.block_size_max > crate::blocks::MAX_PARTS as u32
        {
            return bad(
                "block_size",
                format!(
                    "{}..{} is not a valid range; allowed MIN..MAX with 1 <= MIN <= MAX <= {}",
                    self.block_size_min,
                    self.block_size_max,
                    crate::blocks::MAX_PARTS
                ),
            );
        }
        if !(10..=100_000).contains(&self.entry_ttl) {
            return bad(
                "entry_ttl",
                format!("{} is out of range; allowed 10..=100000", self.entry_ttl),
            );
        }
        if !(1..=100_000).contains(&self.mempool_cap) {
            return bad(
                "mempool_cap",
                format!("{} is out of range; allowed 1..=100000", self.mempool_cap),
            );
        }
        if self.gc_after > 1_000_000 {
            return bad(
                "gc_after",
                format!("{} is out of range; allowed 0..=1000000", self.gc_after),
            );
        }
        if self.learned_peers > 4096 {
            return bad(
                "learned_peers",
                format!("{} is out of range; allowed 0..=4096", self.learned_peers),
            );
        }
        let mut previous_heal = 0;
        for p in &self.partitions {
            let sum: f64 = p.groups.iter().sum();
            if p.heal <= p.at || p.at < previous_heal {
                return bad(
                    "partition",
                    format!(
                        "at = {}, heal = {}: need at < heal, partitions in time order and not overlapping",
                        p.at, p.heal
                    ),
                );
            }
            if !(2..=16).contains(&p.groups.len())
                || p.groups.iter().any(|&g| !(g > 0.0 && g < 1.0))
                || (sum - 1.0).abs() > 1e-6
            {
                return bad(
                    "partition",
                    format!(
                        "groups = {:?}: need 2..=16 fractions in (0, 1) summing to 1",
                        p.groups
                    ),
                );
            }
            previous_heal = p.heal;
        }
        if !(0.0..=0.1).contains(&self.churn) || self.churn.is_nan() {
            return bad(
                "churn",
                format!(
                    "{} is out of range; allowed 0.0..=0.1 (per peer per tick)",
                    self.churn
                ),
            );
        }
        if !(1..=100_000).contains(&self.churn_downtime) {
            return bad(
                "churn_downtime",
                format!(
                    "{} is out of range; allowed 1..=100000 ticks",
                    self.churn_downtime
                ),
            );
        }
        if let ThresholdPolicy::Adaptive { min, max } = self.threshold_policy
            && (min < 1 || max < min || max > max_t)
        {
            return bad(
                "threshold_policy",
                format!(
                    "adaptive:{min}..{max} is out of range; allowed adaptive:MIN..MAX with 1 <= MIN <= MAX <= {max_t}"
                ),
            );
        }
        if !(0.0..=0.5).contains(&self.byzantine) || self.byzantine.is_nan() {
            return bad(
                "byzantine",
                format!(
                    "{} is out of range; allowed 0.0..=0.5 (fraction of peers)",
                    self.byzantine
                ),
            );
        }
        if !(0.0..=1.0).contains(&self.conflict_rate) || self.conflict_rate.is_nan() {
            return bad(
                "conflict_rate",
                format!("{} is out of range; allowed 0.0..=1.0", self.conflict_rate),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid() {
        SimConfig::default().validate().unwrap();
    }

    #[test]
    fn delay_parses() {
        assert_eq!(
            DelayModel::parse("1..4"),
            Some(DelayModel::Uniform { min: 1, max: 4 })
        );
        assert_eq!(
            DelayModel::parse("2..=3"),
            Some(DelayModel::Uniform { min: 2, max: 3 })
        );
        assert_eq!(
            DelayModel::parse("3"),
            Some(DelayModel::Uniform { min: 3, max: 3 })
        );
        assert_eq!(
            DelayModel::parse("geometric:0.5"),
            Some(DelayModel::Geometric { stay: 0.5 })
        );
        assert_eq!(DelayModel::parse("x..2"), None);
    }

    type Edit = Box<dyn Fn(&mut SimConfig)>;

    #[test]
    fn bad_values_name_their_field() {
        let cases: Vec<(&str, Edit)> = vec![
            ("peers", Box::new(|c| c.peers = 0)),
            ("loss", Box::new(|c| c.loss = 1.5)),
            ("threshold", Box::new(|c| c.threshold = 9)),
            ("threshold", Box::new(|c| c.threshold = 0)),
            (
                "delay",
                Box::new(|c| c.delay = DelayModel::Uniform { min: 3, max: 1 }),
            ),
            ("degree", Box::new(|c| c.degree = Some(3.0))),
            ("block_size", Box::new(|c| c.block_size_max = 7)),
        ];
        for (field, edit) in cases {
            let mut c = SimConfig::default();
            edit(&mut c);
            assert_eq!(c.validate().unwrap_err().field, field);
        }
    }

    #[test]
    fn threshold_is_limited_by_degree() {
        let c = SimConfig {
            degree: Some(8.0),
            threshold: 7,
            ..SimConfig::default()
        };
        c.validate().unwrap();
        let c = SimConfig { threshold: 8, ..c };
        assert_eq!(c.validate().unwrap_err().field, "threshold");
    }
}
