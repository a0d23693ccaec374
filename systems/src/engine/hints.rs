//! A chunk's slices of the dense per-peer hints kept beside the peer states.

use crate::model::ids::Tick;
use crate::model::peer::{PeerPart, PeerState};
use crate::model::world::Pool;

/// A chunk's slices of the dense per-peer hints (see [`Peers`]).
pub struct Hints<'a> {
    pub pools: &'a mut [Pool],
    pub gc_due: &'a mut [Tick],
}

impl Hints<'_> {
    /// Makes peer `local`'s hints exact for `ps`: call it after changing that peer's state.
    #[inline]
    pub fn refresh<S: PeerPart>(&mut self, local: usize, ps: &PeerState<S>) {
        self.pools[local] = Pool::of(ps);
        self.gc_due[local] = ps.gc_due;
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Behaviour;

    use crate::{SimConfig, Simulation};

    /// The vote sweep skips peers whose pool hint says empty, the collector peers whose hint
    /// says nothing is due: neither may hide work, whatever adds entries (submissions, twins,
    /// double spends, relays, parents) or promises, verdicts and wanted parents.
    #[test]
    fn no_hint_hides_work() {
        for behaviour in [
            Behaviour::DoubleSpend,
            Behaviour::Equivocate,
            Behaviour::WithholdCertificate,
            Behaviour::LateTwin,
        ] {
            let mut config = SimConfig {
                peers: 600,
                ticks: 150,
                seed: 9,
                ..SimConfig::default()
            };
            config.network.loss = 0.1;
            config.workload.tokens = Some(30);
            config.workload.conflict_rate = 0.2;
            config.faults.churn = 0.005;
            config.faults.churn_downtime = 10;
            config.adversary.fraction = 0.1;
            config.adversary.behaviour = behaviour;
            let mut sim = Simulation::new(config, 2).expect("valid config");
            while sim.tick() < 150 {
                sim.step();
                assert!(sim.hints_are_consistent(), "tick {}", sim.tick());
            }
        }
    }
}
