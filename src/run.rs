//! The run loop: build the simulation, tick it, export, report.

use crate::cli::{Cli, SummaryFormat};
use crate::error::{CliError, EXIT_INTERRUPTED, EXIT_VIOLATION};
use crate::export::{Format, RunExport, RunStatus};
use crate::flamegraph::Profiler;
use crate::interrupt::Interrupt;
use crate::progress::Progress;
use crate::report::{RunFacts, to_json, to_text};
use crate::scenario::resolve;
use anyhow::Context;
use ecrust_systems::Simulation;
use ecrust_systems::model::trace::TraceSet;
use ecrust_systems::sim::BuildError;
use std::time::Instant;

pub fn run(cli: &Cli) -> Result<i32, CliError> {
    let (config, threads) = resolve(cli)?;
    let config_json = serde_json::to_string(&config).context("cannot describe the config")?;
    let seed = config.seed;
    // Outputs are opened before the run, so a bad path fails now, not after an hour.
    let target = cli.arrow.as_ref().map(|dir| (dir, Format::Arrow));
    let target = target.or(cli.parquet.as_ref().map(|dir| (dir, Format::Parquet)));
    let traced = trace_set(cli, target.is_some())?;
    let mut export = match target {
        Some((dir, format)) => Some(
            RunExport::create(dir, format, &config_json, seed, traced.is_some())
                .map_err(|e| CliError::usage(format!("{}: {e:#}", format.extension())))?,
        ),
        None => None,
    };
    let profiler = cli.flamegraph.as_deref().map(Profiler::start).transpose()?;
    let started = Instant::now();
    let mut sim = Simulation::new(config, threads).map_err(|e| match e {
        BuildError::Config(e) => CliError::usage(e.to_string()),
        BuildError::Threads(e) => CliError::Failure(anyhow::anyhow!("cannot start threads: {e}")),
    })?;
    if export.is_some() {
        sim.keep_block_records();
    }
    if let Some(set) = traced {
        sim.trace_blocks(set);
    }
    let interrupt = Interrupt::install();
    let ticks = sim.config().ticks;
    let progress = Progress::new(ticks, cli.quiet);
    let mut status = RunStatus::Complete;
    // The configured ticks, then the drain until every block has an outcome.
    while !sim.finished() {
        if interrupt.requested() {
            status = RunStatus::Partial;
            break;
        }
        sim.step();
        if let Some(export) = &mut export {
            export.record_tick(&sim.metrics().last)?;
            export.record_blocks(sim.take_retired_blocks())?;
            export.record_events(sim.take_trace_events())?;
        }
        progress.update(sim.tick().min(ticks), sim.metrics().blocks_committed);
    }
    progress.finish();
    let summary = sim.summary();
    let facts = RunFacts {
        wall_seconds: started.elapsed().as_secs_f64(),
        peak_rss_bytes: crate::rss::peak_rss_bytes(),
        interrupted: status == RunStatus::Partial,
        placement: sim.config().adversary.placement,
        captured_committees: sim.captured_committees(),
    };
    let json = to_json(&summary, &facts);
    if let Some(export) = export {
        export.finish(status, sim.tick(), sim.held_blocks(), &json.to_string())?;
    }
    if let Some(profiler) = profiler {
        profiler.finish()?;
    }
    match cli.summary {
        SummaryFormat::Json => outln!("{json}"),
        SummaryFormat::Text => out!("{}", to_text(&summary, &facts)),
    }
    Ok(match status {
        RunStatus::Partial => EXIT_INTERRUPTED,
        RunStatus::Complete if cli.fail_on_violation && summary.safety_violations > 0 => {
            eprintln!(
                "safety violated: {} violations ({:?})",
                summary.safety_violations, summary.violations
            );
            EXIT_VIOLATION
        }
        RunStatus::Complete => 0,
    })
}

/// The blocks `--trace-blocks` / `--trace-first` ask to trace; they need a table directory.
fn trace_set(cli: &Cli, has_output: bool) -> Result<Option<TraceSet>, CliError> {
    let set = match (&cli.trace_blocks, cli.trace_first) {
        (Some(list), _) => TraceSet::parse_list(list)
            .map_err(|e| CliError::usage(format!("--trace-blocks: {e} (expected e.g. 0,5,9)")))?,
        (None, Some(n)) => TraceSet::first(n),
        (None, None) => return Ok(None),
    };
    if !has_output {
        return Err(CliError::usage(
            "--trace-blocks and --trace-first write events beside the other tables: add --arrow DIR or --parquet DIR",
        ));
    }
    Ok(Some(set))
}
