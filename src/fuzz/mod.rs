//! `ecrust-ecs fuzz`: deterministic simulation testing that attacks safety. Scenario `s` is
//! made from seed `s` alone (see `scenario.rs`: double-signing owners and Byzantine peers of
//! every behaviour among the faults) and run with the safety checker. A violation is a failure
//! unless the Byzantine share exceeds the bound the protocol claims (or, placed targeted, they
//! capture some committee); then it is reported as beyond the bound. Each is printed with a command that replays it; `--shrink` reduces the
//! first failure to the smallest scenario that still fails.

mod replay;
mod scenario;
mod shrink;

use crate::error::CliError;
use ecrust_systems::config::{Placement, ProtocolConfig, ProtocolKind};
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

/// A scenario's summary and how many tokens' committees its Byzantine peers captured (`None`
/// for a protocol without committees).
struct Ran {
    summary: RunSummary,
    captured: Option<u32>,
}

fn simulate(config: &SimConfig) -> Result<Ran, String> {
    let mut sim =
        Simulation::new(config.clone(), 1).map_err(|e| format!("invalid scenario: {e}"))?;
    sim.run();
    Ok(Ran {
        summary: sim.summary(),
        captured: sim.captured_committees(),
    })
}

/// The claimed bound is a share under random placement, where capture is a rare draw; a
/// targeted adversary captures committees on purpose, so its run is beyond the bound as soon
/// as some token's committee holds more Byzantine members than the protocol tolerates. A
/// protocol without committees is judged by its share either way.
fn beyond_bound(config: &SimConfig, ran: &Ran) -> bool {
    let by_share = config.adversary.fraction > byzantine_bound(&config.protocol);
    match (config.adversary.placement, ran.captured) {
        (Placement::Targeted, Some(captured)) => captured > 0,
        _ => by_share,
    }
}

fn judge(config: &SimConfig, ran: &Ran) -> Verdict {
    if ran.summary.safety_violations == 0 {
        Verdict::Safe
    } else if beyond_bound(config, ran) {
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
    let results: Vec<(u64, SimConfig, Result<Ran, String>)> =
        crate::jobs::map(args.jobs, &seeds, |&seed| {
            let config = scenario(seed, protocol);
            let summary = simulate(&config);
            (seed, config, summary)
        });
    let (mut failures, mut beyond) = (Vec::new(), 0u64);
    for (seed, config, ran) in &results {
        let ran = ran
            .as_ref()
            .map_err(|e| CliError::Failure(anyhow::anyhow!("fuzz scenario {seed}: {e}")))?;
        let summary = &ran.summary;
        match judge(config, ran) {
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
                let why = match config.adversary.placement {
                    Placement::Random => format!(
                        "byzantine {} > {}",
                        config.adversary.fraction,
                        byzantine_bound(&config.protocol)
                    ),
                    Placement::Targeted => {
                        format!(
                            "targeted: {} committees captured",
                            ran.captured.unwrap_or(0)
                        )
                    }
                };
                outln!(
                    "beyond the bound ({why}) scenario {seed}: {}; replay: {}",
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
