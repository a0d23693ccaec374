//! `ecrust-ecs sweep`: a grid of scenarios, one table row per run.
//!
//! A sweep file has a `[base]` scenario (the keys of a scenario file) and a `[grid]` table
//! whose keys take a list of values each; every combination is a scenario, numbered in grid
//! order. The sweep runs here (`local`), one shard at a time (`--shard I/N`, what a cluster
//! task runs), or as a Slurm job array of shards (`--slurm`); `ecrust-ecs gather` merges
//! shards into the table the local sweep writes.

mod grid;
mod local;
pub mod manifest;
mod plan;
mod runner;
mod shard;
mod slurm;
pub mod survey;
mod table;

pub use crate::cli::SweepArgs;
pub use table::SCENARIO_COLUMN;

use crate::error::CliError;
use crate::export::Format;
use plan::SweepPlan;
use std::path::{Path, PathBuf};

pub fn run(args: &SweepArgs) -> Result<i32, CliError> {
    if let Some(dir) = &args.resume {
        return slurm::resume(args, dir);
    }
    let config = args
        .config
        .as_deref()
        .ok_or_else(|| CliError::usage("sweep: --config FILE.toml is required"))?;
    // Parsed before the file is read, so a bad spec is reported as such.
    let spec = args
        .shard
        .as_deref()
        .map(shard::ShardSpec::parse)
        .transpose()?;
    let plan = SweepPlan::load(config)?;
    if spec.is_some() || args.slurm {
        if args.format == Some(Format::Arrow) {
            return Err(CliError::usage(
                "sweep: shards are written as parquet; drop --format arrow",
            ));
        }
        let dir = shard_dir(&plan, args.out.as_deref());
        return match spec {
            Some(spec) => shard::run(&plan, spec, &dir, args.jobs),
            None => slurm::submit(args, &plan, &dir),
        };
    }
    let (out, format) = local::output(&plan, args.out.as_deref(), args.format)?;
    local::run(&plan, &out, format, args.jobs)
}

/// `--out`, else the sweep's default output without its extension (`out/sweep-x/`).
fn shard_dir(plan: &SweepPlan, out: Option<&Path>) -> PathBuf {
    out.map(Path::to_path_buf)
        .unwrap_or_else(|| plan.default_out().with_extension(""))
}
