//! `ecrust-ecs gather DIR --out merged.parquet`: the shards of a sweep (`sweep --shard` or
//! `--slurm`) merged into the table a local sweep writes, once every shard is complete and
//! every scenario is present exactly once; otherwise it names the missing shards.

mod merge;
mod read;

use crate::cli::GatherArgs;
use crate::error::CliError;
use crate::export::{Format, TableFile};
use crate::sweep::manifest::{self, SweepManifest};
use crate::sweep::survey::{self, ShardState};
use std::collections::HashMap;

pub fn run(args: &GatherArgs) -> Result<i32, CliError> {
    let dir = &args.dir;
    let sweep = SweepManifest::read(dir)?.ok_or_else(|| {
        CliError::usage(format!(
            "gather: {} holds no {}; it is not the output of sweep --shard or --slurm",
            dir.display(),
            manifest::SWEEP_MANIFEST
        ))
    })?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| dir.join("merged.parquet"));
    let format = Format::of_path(&out).unwrap_or(Format::Parquet);
    TableFile::check_writable(&out).map_err(|e| CliError::usage(format!("gather out: {e:#}")))?;
    let states = survey::survey(dir, &sweep);
    let missing = survey::missing(&states);
    if !missing.is_empty() {
        return Err(CliError::Failure(anyhow::anyhow!(
            "gather: {} of {} shards missing or incomplete: {}; rerun them with \
             `ecrust-ecs sweep --slurm --resume {}` (or sweep --shard I/{})",
            missing.len(),
            sweep.shards,
            survey::describe_missing(&states),
            dir.display(),
            sweep.shards
        )));
    }
    let mut shards = Vec::with_capacity(states.len());
    for state in states {
        if let ShardState::Complete(m) = state {
            shards.push(read::shard(dir, &m)?);
        }
    }
    let merged = merge::in_scenario_order(&shards, sweep.scenarios, metadata(&sweep))?;
    let mut file = TableFile::create_at(&out, format, merged.schema())?;
    file.write(&merged)?;
    let written = file.finish(&[("ecrust.status", "complete".to_string())])?;
    outln!(
        "gather: {} shards, {} runs merged into {}",
        sweep.shards,
        merged.num_rows(),
        written.display()
    );
    Ok(0)
}

/// The metadata of the local sweep's table, so the merged table says the same.
fn metadata(sweep: &SweepManifest) -> HashMap<String, String> {
    HashMap::from([
        ("ecrust.sweep_hash".to_string(), sweep.sweep_hash.clone()),
        ("ecrust.scenarios".to_string(), sweep.scenarios.to_string()),
        ("ecrust.version".to_string(), sweep.version.clone()),
    ])
}
