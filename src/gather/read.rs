//! Reading one shard's table back, checked against its manifest.

use crate::error::CliError;
use crate::sweep::SCENARIO_COLUMN;
use crate::sweep::manifest::{self, ShardManifest};
use anyhow::{Context, Result, bail};
use arrow_array::{Array, RecordBatch, RecordBatchReader, UInt32Array};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::path::Path;

/// The shard's rows as one batch; its scenario column must be exactly the manifest's list.
pub fn shard(dir: &Path, m: &ShardManifest) -> Result<RecordBatch, CliError> {
    let path = manifest::shard_table(dir, m.shard);
    read_checked(&path, m)
        .with_context(|| format!("gather: shard {} ({})", m.shard, path.display()))
        .map_err(CliError::Failure)
}

fn read_checked(path: &Path, m: &ShardManifest) -> Result<RecordBatch> {
    let file = std::fs::File::open(path).context("cannot open")?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .context("not a Parquet file")?
        .build()?;
    let schema = reader.schema();
    let batches = reader.collect::<Result<Vec<_>, _>>()?;
    let batch = arrow_select::concat::concat_batches(&schema, &batches)?;
    let scenarios = batch
        .column_by_name(SCENARIO_COLUMN)
        .and_then(|c| c.as_any().downcast_ref::<UInt32Array>())
        .context("no u32 scenario column")?;
    let found: Vec<usize> = scenarios.values().iter().map(|&s| s as usize).collect();
    if scenarios.null_count() > 0 || found != m.scenarios {
        bail!(
            "its scenarios {:?} are not the manifest's {:?}",
            found,
            m.scenarios
        );
    }
    Ok(batch)
}
