//! The run loop: build the simulation, tick it, report.

use crate::cli::{Cli, SummaryFormat};
use crate::error::CliError;
use crate::progress::Progress;
use crate::report::{RunFacts, to_json, to_text};
use crate::scenario::resolve;
use ecrust_systems::Simulation;
use ecrust_systems::sim::BuildError;
use std::time::Instant;

pub fn run(cli: &Cli) -> Result<i32, CliError> {
    let (config, threads) = resolve(cli)?;
    let started = Instant::now();
    let mut sim = Simulation::new(config, threads).map_err(|e| match e {
        BuildError::Config(e) => CliError::usage(e.to_string()),
        BuildError::Threads(e) => CliError::Failure(anyhow::anyhow!("cannot start threads: {e}")),
    })?;
    let ticks = sim.config().ticks;
    let progress = Progress::new(ticks, cli.quiet);
    while sim.tick() < ticks {
        sim.step();
        progress.update(sim.tick(), sim.metrics().blocks_committed);
    }
    progress.finish();
    let summary = sim.summary();
    let facts = RunFacts {
        wall_seconds: started.elapsed().as_secs_f64(),
        peak_rss_bytes: crate::rss::peak_rss_bytes(),
        interrupted: false,
    };
    match cli.summary {
        SummaryFormat::Json => println!("{}", to_json(&summary, &facts)),
        SummaryFormat::Text => print!("{}", to_text(&summary, &facts)),
    }
    Ok(0)
}
