//! `sweep --shard I/N --out DIR`: run the scenarios whose index is I mod N and write
//! `DIR/shard-I.parquet` and `DIR/shard-I.json`. What one Slurm array task does.

use super::manifest::{self, ShardManifest, ShardStatus, SweepManifest};
use super::plan::SweepPlan;
use super::{runner, table};
use crate::error::CliError;
use crate::export::{Format, TableFile};
use anyhow::Context;
use std::path::Path;

/// Test hook: shard indices (comma-separated) that fail on purpose, as a crashed task would,
/// leaving a `failed` manifest and no table. Only the shard runner reads it; it exists so the
/// Slurm test can prove that gather notices a lost shard and `--resume` recovers it.
pub const FAIL_SHARD_ENV: &str = "ECRUST_FAIL_SHARD";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardSpec {
    pub index: usize,
    pub count: usize,
}

impl ShardSpec {
    /// Parses `I/N` with 0 <= I < N.
    pub fn parse(spec: &str) -> Result<Self, CliError> {
        let bad = |why: &str| CliError::usage(format!("sweep: --shard {spec}: {why}"));
        let (i, n) = spec
            .split_once('/')
            .ok_or_else(|| bad("expected I/N, e.g. 0/4"))?;
        let index: usize = i
            .trim()
            .parse()
            .map_err(|_| bad("expected I/N, e.g. 0/4"))?;
        let count: usize = n
            .trim()
            .parse()
            .map_err(|_| bad("expected I/N, e.g. 0/4"))?;
        if count == 0 {
            return Err(bad("the shard count N must be at least 1"));
        }
        if index >= count {
            return Err(bad(&format!(
                "the shard index must be below the count, allowed 0..={}",
                count - 1
            )));
        }
        Ok(Self { index, count })
    }
}

/// Refuses more shards than scenarios: an empty shard would have no table to write.
pub fn check_count(count: usize, plan: &SweepPlan) -> Result<(), CliError> {
    if count == 0 || count > plan.len() {
        return Err(CliError::usage(format!(
            "sweep: {count} shards for {} scenarios; allowed 1..={}",
            plan.len(),
            plan.len()
        )));
    }
    Ok(())
}

pub fn sweep_manifest(plan: &SweepPlan, shards: usize) -> SweepManifest {
    SweepManifest {
        sweep_hash: plan.hash.clone(),
        sweep_file: plan.path.display().to_string(),
        scenarios: plan.len(),
        shards,
        version: env!("CARGO_PKG_VERSION").to_string(),
    }
}

pub fn run(plan: &SweepPlan, spec: ShardSpec, dir: &Path, jobs: usize) -> Result<i32, CliError> {
    check_count(spec.count, plan)?;
    let wanted = sweep_manifest(plan, spec.count);
    match SweepManifest::read(dir)? {
        Some(found) => found.check_same(&wanted, dir)?,
        None => {
            std::fs::create_dir_all(dir).map_err(|e| {
                CliError::usage(format!("sweep out: cannot create {}: {e}", dir.display()))
            })?;
            manifest::write_json(&dir.join(manifest::SWEEP_MANIFEST), &wanted)
                .map_err(|e| CliError::usage(format!("sweep out: {e:#}")))?;
        }
    }
    let scenarios = manifest::scenarios_of(spec.index, spec.count, plan.len());
    let mut shard = ShardManifest {
        sweep_hash: plan.hash.clone(),
        shard: spec.index,
        shards: spec.count,
        scenarios: scenarios.clone(),
        status: ShardStatus::Running,
        error: None,
    };
    let manifest_path = manifest::shard_manifest(dir, spec.index);
    manifest::write_json(&manifest_path, &shard)?;
    let result = write_table(plan, spec, dir, &scenarios, jobs);
    match &result {
        Ok(()) => shard.status = ShardStatus::Complete,
        Err(e) => {
            shard.status = ShardStatus::Failed;
            shard.error = Some(format!("{e:#}"));
        }
    }
    manifest::write_json(&manifest_path, &shard)?;
    result?;
    outln!(
        "sweep: shard {}/{}: {} runs written to {}",
        spec.index,
        spec.count,
        scenarios.len(),
        manifest::shard_table(dir, spec.index).display()
    );
    Ok(0)
}

fn write_table(
    plan: &SweepPlan,
    spec: ShardSpec,
    dir: &Path,
    scenarios: &[usize],
    jobs: usize,
) -> anyhow::Result<()> {
    if fails_on_purpose(spec.index) {
        anyhow::bail!(
            "shard {} failed on purpose ({FAIL_SHARD_ENV} is set)",
            spec.index
        );
    }
    eprintln!(
        "sweep: shard {}/{}: {} runs",
        spec.index,
        spec.count,
        scenarios.len()
    );
    let rows = runner::run_scenarios(plan, scenarios, jobs);
    let mut metadata = table::metadata(plan);
    metadata.insert(
        "ecrust.shard".into(),
        format!("{}/{}", spec.index, spec.count),
    );
    let batch = table::build(plan, scenarios, &rows, metadata)?;
    let path = manifest::shard_table(dir, spec.index);
    let mut file = TableFile::create_at(&path, Format::Parquet, batch.schema())?;
    file.write(&batch)?;
    file.finish(&[("ecrust.status", "complete".to_string())])
        .context("cannot write the shard's table")?;
    Ok(())
}

fn fails_on_purpose(index: usize) -> bool {
    std::env::var(FAIL_SHARD_ENV)
        .is_ok_and(|v| v.split(',').any(|s| s.trim().parse::<usize>() == Ok(index)))
}

#[cfg(test)]
mod tests {
    use super::ShardSpec;

    #[test]
    fn shard_specs() {
        assert_eq!(
            ShardSpec::parse("1/4").ok(),
            Some(ShardSpec { index: 1, count: 4 })
        );
        for bad in ["5/4", "4/4", "0/0", "x/4", "1", "-1/4"] {
            assert!(ShardSpec::parse(bad).is_err(), "{bad}");
        }
    }
}
