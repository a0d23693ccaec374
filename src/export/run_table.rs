//! `run.arrow`: how the run was made and how it ended, as key/value rows.

use super::RunStatus;
use super::staged_file::StagedFile;
use anyhow::{Context, Result};
use arrow_array::{ArrayRef, RecordBatch, StringArray};
use arrow_ipc::writer::FileWriter;
use arrow_schema::{DataType, Field, Schema};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub fn write(
    dir: &Path,
    meta: &HashMap<String, String>,
    status: RunStatus,
    ticks_done: u32,
    summary_json: &str,
) -> Result<PathBuf> {
    let schema = Arc::new(
        Schema::new(vec![
            Field::new("key", DataType::Utf8, false),
            Field::new("value", DataType::Utf8, false),
        ])
        .with_metadata(meta.clone()),
    );
    let ticks_done = ticks_done.to_string();
    let rows = [
        ("status", status.name()),
        ("ticks_done", ticks_done.as_str()),
        ("seed", meta["ecrust.seed"].as_str()),
        ("config", meta["ecrust.config"].as_str()),
        ("summary", summary_json),
        ("version", meta["ecrust.version"].as_str()),
    ];
    let keys: ArrayRef = Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.0)));
    let values: ArrayRef = Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.1)));
    let batch = RecordBatch::try_new(schema.clone(), vec![keys, values])?;
    let (file, out) = StagedFile::create(dir, "run.arrow")?;
    let mut writer =
        FileWriter::try_new_buffered(out, &schema).context("cannot start run.arrow")?;
    writer.write_metadata("ecrust.status", status.name());
    writer.write(&batch).context("cannot write run.arrow")?;
    writer.finish().context("cannot finish run.arrow")?;
    let out = writer.into_inner().context("cannot flush run.arrow")?;
    out.into_inner()
        .map_err(|e| e.into_error())
        .context("cannot flush run.arrow")?;
    file.commit()
}
