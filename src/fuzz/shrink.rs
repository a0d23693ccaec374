//! Shrinking a failing scenario: smaller steps are tried one at a time and kept while the
//! scenario still fails, until no step helps or the budget of runs is spent.

use ecrust_systems::{DelayModel, SimConfig};

/// Keeps the degree and threshold within what a smaller ring allows, so fewer peers is one
/// step rather than three.
pub(super) fn fit(c: &mut SimConfig) {
    if let Some(d) = c.network.degree {
        c.network.degree = Some(d.min((c.peers - 1) as f64));
    }
    c.protocol.threshold = c.protocol.threshold.min(c.max_threshold().max(1));
}

/// Smaller variants of `c`, most shrinking first; every step only ever shrinks, so the search
/// cannot cycle. Some may be invalid; the caller skips them.
fn steps(c: &SimConfig) -> Vec<SimConfig> {
    let mut out = Vec::new();
    let mut try_step = |edit: &dyn Fn(&mut SimConfig)| {
        let mut next = c.clone();
        edit(&mut next);
        fit(&mut next);
        if next != *c {
            out.push(next);
        }
    };
    try_step(&|n| n.peers = (n.peers / 2).max(16).min(n.peers));
    try_step(&|n| n.peers -= n.peers / 4);
    try_step(&|n| n.ticks = (n.ticks / 2).max(1));
    try_step(&|n| n.ticks -= n.ticks / 4);
    try_step(&|n| n.workload.tokens = Some((n.tokens() / 2).max(1)));
    try_step(&|n| n.workload.tokens = Some(n.tokens().saturating_sub(1).max(1)));
    try_step(&|n| n.adversary.fraction = 0.0);
    try_step(&|n| n.adversary.fraction = (n.adversary.fraction * 500.0).round() / 1000.0);
    try_step(&|n| n.faults.partitions.clear());
    try_step(&|n| n.faults.churn = 0.0);
    try_step(&|n| n.workload.conflict_rate = 0.0);
    try_step(&|n| n.workload.block_size_max = (n.workload.block_size_max - 1).max(1));
    try_step(&|n| n.network.loss = 0.0);
    try_step(&|n| n.network.delay = DelayModel::Uniform { min: 1, max: 1 });
    try_step(&|n| {
        if let Some(d) = n.network.degree {
            n.network.degree = Some((d / 2.0).round().max(8.0).min(d));
        }
    });
    out
}

/// The smallest variant of `failing` that `fails` still holds for, and the runs it took.
pub fn shrink(
    failing: SimConfig,
    budget: usize,
    fails: impl Fn(&SimConfig) -> bool,
) -> (SimConfig, usize) {
    let mut current = failing;
    let mut runs = 0;
    'search: while runs < budget {
        for next in steps(&current) {
            if next.validate().is_err() {
                continue;
            }
            if runs >= budget {
                break 'search;
            }
            runs += 1;
            if fails(&next) {
                current = next;
                continue 'search;
            }
        }
        break;
    }
    (current, runs)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With a predicate that fails whenever there are at least 40 peers and 30 ticks, shrinking
    /// walks down to that corner and no further.
    #[test]
    fn shrinking_stops_at_the_smallest_failing_scenario() {
        let mut start = SimConfig {
            peers: 300,
            ticks: 300,
            ..SimConfig::default()
        };
        start.network.degree = Some(20.0);
        start.workload.tokens = Some(12);
        let fails = |c: &SimConfig| c.peers >= 40 && c.ticks >= 30;
        let (small, runs) = shrink(start, 500, fails);
        assert!(fails(&small));
        assert!(
            small.peers < 54 && small.ticks < 40,
            "{} peers, {} ticks",
            small.peers,
            small.ticks
        );
        assert_eq!(small.tokens(), 1);
        assert!(runs < 500);
    }
}
