//! Runs scenarios of a sweep, each on one thread, several at once; one JSON row per run (the
//! summary plus `grid_<key>` for the grid's values).

use super::plan::SweepPlan;
use crate::report::{RunFacts, to_json};
use ecrust_systems::Simulation;
use serde_json::Value;
use std::time::Instant;

/// The rows of the scenarios `indices`, in that order.
pub fn run_scenarios(plan: &SweepPlan, indices: &[usize], jobs: usize) -> Vec<Value> {
    crate::jobs::map(jobs, indices, |&index| {
        let point = &plan.points[index];
        let started = Instant::now();
        // Every config was resolved when the plan was made; building it again cannot fail
        // on input, only on the machine (threads), which is a bug-level failure here.
        let mut sim =
            Simulation::new(plan.configs[index].clone(), 1).expect("validated when planned");
        sim.run();
        let summary = sim.summary();
        let facts = RunFacts {
            wall_seconds: started.elapsed().as_secs_f64(),
            peak_rss_bytes: None,
            interrupted: false,
            placement: sim.config().adversary.placement,
            captured_committees: sim.captured_committees(),
        };
        let mut row = to_json(&summary, &facts);
        if let Value::Object(map) = &mut row {
            for (k, v) in &point.values {
                map.insert(format!("grid_{k}"), v.clone());
            }
        }
        eprintln!(
            "  #{index} {}: commit_rate {:.3}, messages/commit {:.0}, violations {}",
            point.label,
            summary.commit_rate.unwrap_or(0.0),
            summary.messages_per_commit.unwrap_or(0.0),
            summary.safety_violations
        );
        row
    })
}
