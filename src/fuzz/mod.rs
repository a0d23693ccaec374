//! `ecrust-ecs fuzz`: deterministic simulation testing that attacks safety. Scenario `s` is
//! made from seed `s` alone (see `scenario.rs`: double-signing owners and Byzantine peers of
//! every behaviour among the faults) and run with the safety checker. A violation is a failure
//! unless the Byzantine share exceeds the bound the protocol claims; then it is reported as
//! beyond the bound. Each is printed with a command that replays it; `--shrink` reduces the
//! first failure to the smallest scenario that still fails.

mod replay;
mod scenario;
mod shrink;

use crate::error::CliError;
use ecrust_systems::config::{ProtocolConfig, ProtocolKind};
use ecrust_systems::protocol::byzantine_bound;
use ecrust_systems::{RunSummary, SimConfig, Simulation};

pub use scenario::scenario;

/// What `ecrust-ecs fuzz` was asked to do.
pub struct FuzzArgs<'a> {
    pub scenarios: u64,
    pub first_seed: u64,
    pub only: Option<u64>,
    pub jobs: usize,
    pub protocol: &'a str,
    pub shrink: bool,
}

/// Runs shrinking tries at most this many scenarios.
const SHRINK_BUDGET: usize = 300;

/// How one scenario ended, as the fuzzer judges it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    Safe,
    /// A violation within the protocol's claimed Byzantine bound.
    Failure,
    /// A violation with more Byzantine peers than the protocol claims to tolerate.
    BeyondBound,
}

fn simulate(config: &SimConfig) -> Result<RunSummary, String> {
    let mut sim =
        Simulation::new(config.clone(), 1).map_err(|e| format!("invalid scenario: {e}"))?;
    sim.run();
    Ok(sim.summary())
}

fn judge(config: &SimConfig, s: &RunSummary) -> Verdict {
    if s.safety_violations == 0 {
        Verdict::Safe
    } else if config.adversary.fraction > byzantine_bound(&config.protocol) {
        Verdict::BeyondBound
    } else {
        Verdict::Failure
    }
}

fn describe(s: &RunSummary) -> String {
    let v = &s.violations;
    format!(
        "{} conflicting commits, {} double spends, {} owner disagreements, {} conservation, {} conflicting certificates",
        v.conflicting_commits,
        v.double_spends,
        v.owner_disagreements,
        v.conservation,
        v.conflicting_certificates
    )
}

pub fn run(args: &FuzzArgs) -> Result<i32, CliError> {
    let protocol = ProtocolKind::parse(args.protocol).ok_or_else(|| {
        CliError::usage(format!(
            "protocol: '{}' is unknown; allowed: {}",
            args.protocol,
            ProtocolKind::names()
        ))
    })?;
    if args.scenarios == 0 && args.only.is_none() {
        return Err(CliError::usage("scenarios: 0 is out of range; allowed 1.."));
    }
    let bound = byzantine_bound(&ProtocolConfig {
        kind: protocol,
        ..ProtocolConfig::default()
    });
    let seeds: Vec<u64> = match args.only {
        Some(seed) => vec![seed],
        None => (args.first_seed..args.first_seed + args.scenarios).collect(),
    };
    let results: Vec<(u64, SimConfig, Result<RunSummary, String>)> =
        crate::jobs::map(args.jobs, &seeds, |&seed| {
            let config = scenario(seed, protocol);
            let summary = simulate(&config);
            (seed, config, summary)
        });
    let (mut failures, mut beyond) = (Vec::new(), 0u64);
    for (seed, config, summary) in &results {
        let summary = summary
            .as_ref()
            .map_err(|e| CliError::Failure(anyhow::anyhow!("fuzz scenario {seed}: {e}")))?;
        match judge(config, summary) {
            Verdict::Safe => {}
            Verdict::Failure => {
                outln!(
                    "FAIL scenario {seed}: {}; replay: {}",
                    describe(summary),
                    replay::shell_line(config)
                );
                failures.push(config.clone());
            }
            Verdict::BeyondBound => {
                beyond += 1;
                outln!(
                    "beyond the bound (byzantine {} > {}) scenario {seed}: {}; replay: {}",
                    config.adversary.fraction,
                    byzantine_bound(&config.protocol),
                    describe(summary),
                    replay::shell_line(config)
                );
            }
        }
    }
    let last = seeds.last().copied().unwrap_or(args.first_seed);
    outln!(
        "fuzz: {} scenarios (seeds {}..{last}), protocol {}, {} failures, {beyond} violations beyond the claimed Byzantine bound ({bound} at the default settings)",
        seeds.len(),
        seeds[0],
        protocol.name(),
        failures.len(),
    );
    if args.shrink
        && let Some(first) = failures.first()
    {
        let fails = |c: &SimConfig| simulate(c).is_ok_and(|s| judge(c, &s) == Verdict::Failure);
        let (small, runs) = shrink::shrink(first.clone(), SHRINK_BUDGET, fails);
        outln!(
            "shrunk in {runs} runs to {} peers, {} ticks, {} tokens, byzantine {}; smallest failing: {}",
            small.peers,
            small.ticks,
            small.tokens(),
            small.adversary.fraction,
            replay::shell_line(&small)
        );
    }
    Ok(if failures.is_empty() { 0 } else { 1 })
}
