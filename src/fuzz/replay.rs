//! A scenario as the command line that runs it: what a failure prints so anyone can replay it.

use ecrust_systems::SimConfig;
use ecrust_systems::config::{Placement, ProtocolConfig, ThresholdPolicy};

/// The flags that rebuild `c` exactly (floats print as the shortest text that parses back to
/// the same value), with `--fail-on-violation`, so the command fails when safety does.
pub fn command_line(c: &SimConfig) -> Vec<String> {
    let mut args: Vec<String> = Vec::new();
    let mut flag = |name: &str, value: String| {
        args.push(format!("--{name}"));
        args.push(value);
    };
    flag("protocol", c.protocol.kind.name().to_string());
    flag("peers", c.peers.to_string());
    flag("ticks", c.ticks.to_string());
    flag("seed", c.seed.to_string());
    flag("threshold", c.protocol.threshold.to_string());
    if c.protocol.tolerance != ProtocolConfig::default().tolerance {
        flag("tolerance", c.protocol.tolerance.to_string());
    }
    if let ThresholdPolicy::Adaptive { min, max } = c.protocol.threshold_policy {
        flag("threshold-policy", format!("adaptive:{min}..{max}"));
    }
    flag("loss", c.network.loss.to_string());
    if c.network.loss_spread > 0.0 {
        flag("loss-spread", c.network.loss_spread.to_string());
    }
    flag("delay", c.network.delay.describe());
    flag("topology", c.network.topology.name().to_string());
    if let Some(d) = c.network.degree {
        flag("degree", d.to_string());
    }
    flag("tokens", c.tokens().to_string());
    flag(
        "block-size",
        format!(
            "{}..{}",
            c.workload.block_size_min, c.workload.block_size_max
        ),
    );
    if c.workload.conflict_rate > 0.0 {
        flag("conflict-rate", c.workload.conflict_rate.to_string());
    }
    for p in &c.faults.partitions {
        let groups: Vec<String> = p.groups.iter().map(f64::to_string).collect();
        flag(
            "partition",
            format!("{}..{}:{}", p.at, p.heal, groups.join(",")),
        );
    }
    if c.faults.churn > 0.0 {
        flag("churn", c.faults.churn.to_string());
        flag("churn-downtime", c.faults.churn_downtime.to_string());
    }
    if c.adversary.fraction > 0.0 {
        flag("byzantine", c.adversary.fraction.to_string());
        flag(
            "byzantine-behaviour",
            c.adversary.behaviour.name().to_string(),
        );
    }
    if c.adversary.placement != Placement::default() {
        flag(
            "byzantine-placement",
            c.adversary.placement.name().to_string(),
        );
    }
    args.push("--fail-on-violation".into());
    args
}

/// The command line as one shell line.
pub fn shell_line(c: &SimConfig) -> String {
    format!("ecrust-ecs {}", command_line(c).join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;
    use crate::scenario::resolve;
    use clap::Parser;
    use ecrust_systems::config::ProtocolKind;

    /// The replay command rebuilds the scenario exactly, for every kind of scenario.
    #[test]
    fn the_command_line_rebuilds_the_scenario() {
        let mut targeted = 0;
        for seed in 0..300 {
            let c = super::super::scenario::scenario(seed, ProtocolKind::Original);
            let mut argv = vec!["ecrust-ecs".to_string()];
            argv.extend(command_line(&c));
            let cli = Cli::try_parse_from(&argv).expect("the flags parse");
            let (back, _) = resolve(&cli).expect("the scenario is valid");
            assert_eq!(back, c, "seed {seed}: {}", argv.join(" "));
            targeted += u32::from(c.adversary.placement == Placement::Targeted);
        }
        assert!(targeted > 0, "a targeted scenario among them");
    }
}
