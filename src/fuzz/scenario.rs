//! The scenario space: scenario `s` is made from seed `s` alone.
//!
//! Every scenario is small (64-300 peers, 100-300 ticks) and may have: any loss, delay model
//! and topology (small-world in a quarter of them); v2's tolerance (in a quarter); partitions; churn; double-signing owners
//! (conflict injection); Byzantine peers of every behaviour up to 0.3 of the ring, past the
//! bound a protocol claims, with equivocating voters sometimes colluding with double-signing
//! owners, and placed at random or (a fifth of them) next to the tokens' keys.

use ecrust_systems::config::{
    BEHAVIOURS, Behaviour, MAX_TOLERANCE, NetworkConfig, PartitionSpec, Placement, ProtocolKind,
};
use ecrust_systems::model::rng::mix64;
use ecrust_systems::{DelayModel, SimConfig, Topology};

/// A small deterministic generator: enough for choosing scenario parameters.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = mix64(self.0);
        self.0
    }
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

/// Rounds a drawn fraction to three decimals, so the replay command stays short.
fn short(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// The share of scenarios with Byzantine peers whose peers sit next to the tokens' keys
/// (`Placement::Targeted`) rather than at random.
const TARGETED_SHARE: f64 = 0.2;

/// A Byzantine behaviour, drawn by the weights of `config::BEHAVIOURS`: one draw below their
/// sum, walking the rows in order.
fn draw_behaviour(d: &mut Dice) -> Behaviour {
    let total: u64 = BEHAVIOURS.iter().map(|e| e.fuzz_weight).sum();
    let mut x = d.range(0, total - 1);
    for e in BEHAVIOURS {
        if x < e.fuzz_weight {
            return e.behaviour;
        }
        x -= e.fuzz_weight;
    }
    unreachable!("a draw below the sum of the weights lands on a row")
}

/// The scenario of seed `seed` for `protocol`.
pub fn scenario(seed: u64, protocol: ProtocolKind) -> SimConfig {
    let mut d = Dice(seed ^ 0x5EED_F022);
    let peers = d.range(64, 300) as u32;
    let ticks = d.range(100, 300) as u32;
    let topology = match d.range(0, 2) {
        0 => Topology::Random,
        1 => Topology::RingGradient,
        _ => Topology::RingGaussian,
    };
    let delay = match d.range(0, 3) {
        0 => DelayModel::Geometric {
            stay: short(0.2 + 0.6 * d.unit()),
        },
        1 => {
            let min = d.range(1, 3) as u32;
            DelayModel::Uniform {
                min,
                max: min + d.range(0, 4) as u32,
            }
        }
        2 => DelayModel::Normal {
            mean: short(1.0 + 4.0 * d.unit()),
            sd: short(2.0 * d.unit()),
        },
        _ => DelayModel::Pareto {
            min: 1.0,
            alpha: short(1.0 + 2.0 * d.unit()),
        },
    };
    let mut c = SimConfig {
        peers,
        ticks,
        seed: d.next() % 1_000_000,
        ..SimConfig::default()
    };
    c.protocol.kind = protocol;
    c.network = NetworkConfig {
        loss: short(0.5 * d.unit()),
        delay,
        topology,
        degree: Some(d.range(16, (peers - 1).min(200) as u64) as f64),
        ..NetworkConfig::default()
    };
    c.workload.tokens = Some(d.range(1, 20) as u32);
    c.workload.block_size_max = d.range(1, 3) as u32;
    c.protocol.threshold = d.range(1, c.max_threshold().clamp(1, 4) as u64) as u32;
    if d.chance(0.3) {
        let at = d.range(10, (ticks / 2) as u64) as u32;
        let heal = at + d.range(10, (ticks / 2) as u64) as u32;
        let first = short(0.2 + 0.6 * d.unit());
        c.faults.partitions = vec![PartitionSpec {
            at,
            heal,
            groups: vec![first, short(1.0 - first)],
        }];
    }
    if d.chance(0.3) {
        c.faults.churn = short(0.02 * d.unit());
        c.faults.churn_downtime = d.range(5, 50) as u32;
    }
    if d.chance(0.3) {
        // Owners that sign twice: a twin races some blocks.
        c.workload.conflict_rate = short(0.05 + 0.45 * d.unit());
    }
    if d.chance(0.4) {
        c.adversary.fraction = short(0.005 + 0.295 * d.unit());
        c.adversary.behaviour = draw_behaviour(&mut d);
    }
    if d.chance(0.25) {
        // Routed hop by hop: drawn last, so the other draws of a seed stay as they were.
        c.network.topology = Topology::SmallWorld;
        c.network.degree = None;
        super::shrink::fit(&mut c);
    }
    if d.chance(0.25) {
        // v2's tolerance (and with it its claimed bound) from 5 to the most it allows; drawn
        // for every protocol, so a seed's other draws do not depend on it.
        let tolerance = d.range(5, MAX_TOLERANCE as u64) as u32;
        if protocol == ProtocolKind::V2 {
            c.protocol.tolerance = tolerance;
        }
    }
    // Drawn last and for every seed, so a seed's other draws stay as they were; only seeds
    // with Byzantine peers that draw it change.
    if d.chance(TARGETED_SHARE) && c.adversary.fraction > 0.0 {
        c.adversary.placement = Placement::Targeted;
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scenario_is_valid_and_the_space_attacks_safety() {
        // Enough scenarios that each of the behaviours' shares is well above the counts below.
        let all: Vec<SimConfig> = (0..800)
            .map(|s| scenario(s, ProtocolKind::Original))
            .collect();
        for (s, c) in all.iter().enumerate() {
            assert!(c.validate().is_ok(), "scenario {s}: {:?}", c.validate());
        }
        let count = |f: &dyn Fn(&SimConfig) -> bool| all.iter().filter(|c| f(c)).count();
        assert!(count(&|c| c.workload.conflict_rate > 0.0) > 80);
        for spender in [Behaviour::DoubleSpend, Behaviour::Thief] {
            let n = count(&|c| c.adversary.behaviour == spender && c.adversary.fraction > 0.0);
            assert!(n > 20, "{}: {n}", spender.name());
        }
        assert!(
            count(&|c| c.adversary.fraction > 0.2) > 20,
            "past the bound too"
        );
        for late in [Behaviour::WithholdCertificate, Behaviour::LateTwin] {
            assert!(
                count(&|c| c.adversary.behaviour == late && c.adversary.fraction > 0.0) > 20,
                "{}",
                late.name()
            );
            assert!(
                count(&|c| c.adversary.behaviour == late
                    && c.adversary.fraction > 0.0
                    && c.workload.conflict_rate > 0.0)
                    > 3,
                "{} with conflict injection",
                late.name()
            );
        }
        assert!(
            count(&|c| c.adversary.behaviour == Behaviour::Equivocate
                && c.adversary.fraction > 0.0
                && c.workload.conflict_rate > 0.0)
                > 3,
            "colluding voters and owners"
        );
        assert!(
            count(&|c| c.adversary.placement == Placement::Targeted) > 15,
            "targeted placement"
        );
        assert_eq!(
            count(&|c| c.adversary.placement == Placement::Targeted && c.adversary.fraction == 0.0),
            0,
            "placed only where there is someone to place"
        );
    }

    /// The fuzzer draws every behaviour of `config::BEHAVIOURS` whose weight is above 0, and
    /// no other.
    #[test]
    fn the_fuzzer_draws_the_behaviours_of_the_table() {
        let drawn: Vec<Behaviour> = (0..400)
            .map(|s| scenario(s, ProtocolKind::V2))
            .filter(|c| c.adversary.fraction > 0.0)
            .map(|c| c.adversary.behaviour)
            .collect();
        for e in BEHAVIOURS {
            assert_eq!(
                drawn.contains(&e.behaviour),
                e.fuzz_weight > 0,
                "{}: weight {}",
                e.name,
                e.fuzz_weight
            );
        }
    }
}
