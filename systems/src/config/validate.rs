//! Validation: the first field outside what the simulator accepts, with its allowed range.

use super::{
    AdversaryConfig, Behaviour, DelayModel, FaultConfig, MAX_DELAY, MAX_PARTS, MAX_TOLERANCE,
    NetworkConfig, ProtocolConfig, SessionChurn, SessionLengths, SimConfig, ThresholdPolicy,
    WorkloadConfig,
};
use std::fmt;

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
    /// Checks every group, in the order the fields were always reported.
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
        self.network.validate(self.peers)?;
        let degree = self.expected_degree();
        if degree < 8.0 {
            let raise = if self.network.topology.takes_degree() {
                "--degree"
            } else {
                "--peers"
            };
            return bad(
                "degree",
                format!(
                    "the {} topology gives {degree:.1} peers per node; at least 8 are needed (raise {raise})",
                    self.network.topology.name()
                ),
            );
        }
        let max_t = self.max_threshold();
        if self.protocol.threshold < 1 || self.protocol.threshold > max_t {
            return bad(
                "threshold",
                format!(
                    "{} is out of range; allowed 1..={max_t} (a neighbourhood counts at most {} voters at degree {degree:.0})",
                    self.protocol.threshold,
                    max_t + 1
                ),
            );
        }
        self.workload.validate()?;
        self.protocol.validate()?;
        self.faults.validate()?;
        if let ThresholdPolicy::Adaptive { min, max } = self.protocol.threshold_policy
            && (min < 1 || max < min || max > max_t)
        {
            return bad(
                "threshold_policy",
                format!(
                    "adaptive:{min}..{max} is out of range; allowed adaptive:MIN..MAX with 1 <= MIN <= MAX <= {max_t}"
                ),
            );
        }
        self.adversary.validate()?;
        Ok(())
    }
}

impl NetworkConfig {
    fn validate(&self, peers: u32) -> Result<(), ConfigError> {
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
            let max = (peers - 1) as f64;
            if !(8.0..=max).contains(&d) || d.is_nan() {
                return bad(
                    "degree",
                    format!("{d} is out of range; allowed 8..={max} for {} peers", peers),
                );
            }
        }
        Ok(())
    }
}

impl WorkloadConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        if let Some(tokens) = self.tokens
            && !(1..=100_000_000).contains(&tokens)
        {
            return bad(
                "tokens",
                format!("{tokens} is out of range; allowed 1..=100000000"),
            );
        }
        if self.block_size_min < 1
            || self.block_size_max < self.block_size_min
            || self.block_size_max > MAX_PARTS as u32
        {
            return bad(
                "block_size",
                format!(
                    "{}..{} is not a valid range; allowed MIN..MAX with 1 <= MIN <= MAX <= {}",
                    self.block_size_min, self.block_size_max, MAX_PARTS
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

impl ProtocolConfig {
    fn validate(&self) -> Result<(), ConfigError> {
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
        if self.tolerance > MAX_TOLERANCE {
            return bad(
                "tolerance",
                format!(
                    "{} is out of range; allowed 0..={MAX_TOLERANCE} (v2's equivocating members per committee of 32)",
                    self.tolerance
                ),
            );
        }
        if self.learned_peers > 4096 {
            return bad(
                "learned_peers",
                format!("{} is out of range; allowed 0..=4096", self.learned_peers),
            );
        }
        Ok(())
    }
}

impl FaultConfig {
    fn validate(&self) -> Result<(), ConfigError> {
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
        self.sessions.validate(self.churn)
    }
}

impl SessionChurn {
    fn validate(&self, churn: f64) -> Result<(), ConfigError> {
        if !(0.0..=0.9).contains(&self.offline) || self.offline.is_nan() {
            return bad(
                "session_churn",
                format!(
                    "{} is out of range; allowed 0.0..=0.9 (share of peers offline)",
                    self.offline
                ),
            );
        }
        if self.on() && churn > 0.0 {
            return bad(
                "session_churn",
                "cannot be combined with churn (each decides when peers are offline)".into(),
            );
        }
        if !(1..=1_000_000).contains(&self.mean_session) {
            return bad(
                "session_mean",
                format!(
                    "{} is out of range; allowed 1..=1000000 ticks",
                    self.mean_session
                ),
            );
        }
        if let SessionLengths::Weibull { shape } = self.lengths
            && !(0.2..=10.0).contains(&shape)
        {
            return bad(
                "session_shape",
                format!("{shape} is out of range; allowed 0.2..=10 (Weibull shape)"),
            );
        }
        if self.maintenance_every > 100_000 {
            return bad(
                "maintenance_every",
                format!(
                    "{} is out of range; allowed 0..=100000 ticks (0 = no maintenance)",
                    self.maintenance_every
                ),
            );
        }
        Ok(())
    }
}

impl AdversaryConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        if !(0.0..=0.5).contains(&self.fraction) || self.fraction.is_nan() {
            return bad(
                "byzantine",
                format!(
                    "{} is out of range; allowed 0.0..=0.5 (fraction of peers)",
                    self.fraction
                ),
            );
        }
        if self.behaviour.entry().is_none() {
            return bad(
                "byzantine_behaviour",
                format!(
                    "{:?} has no row in config::BEHAVIOURS; allowed: {}",
                    self.behaviour,
                    Behaviour::names()
                ),
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
            ("loss", Box::new(|c| c.network.loss = 1.5)),
            ("threshold", Box::new(|c| c.protocol.threshold = 9)),
            ("threshold", Box::new(|c| c.protocol.threshold = 0)),
            (
                "delay",
                Box::new(|c| c.network.delay = DelayModel::Uniform { min: 3, max: 1 }),
            ),
            ("degree", Box::new(|c| c.network.degree = Some(3.0))),
            ("block_size", Box::new(|c| c.workload.block_size_max = 7)),
        ];
        for (field, edit) in cases {
            let mut c = SimConfig::default();
            edit(&mut c);
            assert_eq!(c.validate().unwrap_err().field, field);
        }
    }

    #[test]
    fn threshold_is_limited_by_degree() {
        let mut c = SimConfig::default();
        c.network.degree = Some(8.0);
        c.protocol.threshold = 7;
        c.validate().unwrap();
        c.protocol.threshold = 8;
        assert_eq!(c.validate().unwrap_err().field, "threshold");
    }
}
