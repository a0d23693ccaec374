//! `run.arrow` / `run.parquet`: one row saying how the run was made and how it ended: `status`,
//! `ticks_done`, `version`, `config` (JSON), then one typed column per summary field (counts
//! unsigned, rates and means doubles), so SQL engines can aggregate over many runs
//! (`select avg(messages_per_commit) from 'out/*/run.parquet'`).

use super::json_columns;
use super::table_file::TableFile;
use super::{Format, RunStatus};
use crate::report::OPTIONAL_COUNTS;
use anyhow::{Context, Result};
use arrow_array::{ArrayRef, RecordBatch, StringArray, UInt32Array};
use arrow_schema::{DataType, Field, Schema};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Columns before the summary's; a summary field of the same name gets a `summary.` prefix.
const LEADING: [&str; 4] = ["status", "ticks_done", "version", "config"];

pub fn write(
    dir: &Path,
    format: Format,
    meta: &HashMap<String, String>,
    status: RunStatus,
    ticks_done: u32,
    summary_json: &str,
) -> Result<PathBuf> {
    let summary: Value =
        serde_json::from_str(summary_json).context("the run summary is not JSON")?;
    let text = |s: &str| Arc::new(StringArray::from(vec![s.to_string()])) as ArrayRef;
    let mut fields = vec![
        Field::new(LEADING[0], DataType::Utf8, false),
        Field::new(LEADING[1], DataType::UInt32, false),
        Field::new(LEADING[2], DataType::Utf8, false),
        Field::new(LEADING[3], DataType::Utf8, false),
    ];
    let mut arrays: Vec<ArrayRef> = vec![
        text(status.name()),
        Arc::new(UInt32Array::from(vec![ticks_done])),
        text(&meta["ecrust.version"]),
        text(&meta["ecrust.config"]),
    ];
    for (field, array) in json_columns::columns(&[summary], &BTreeMap::new(), &OPTIONAL_COUNTS) {
        let field = if LEADING.contains(&field.name().as_str()) {
            field.clone().with_name(format!("summary.{}", field.name()))
        } else {
            field
        };
        fields.push(field);
        arrays.push(array);
    }
    let schema = Arc::new(Schema::new(fields).with_metadata(meta.clone()));
    let batch = RecordBatch::try_new(schema.clone(), arrays)?;
    let name = format!("run.{}", format.extension());
    let mut file = TableFile::create(dir, &name, format, schema)?;
    file.write(&batch)?;
    file.finish(&super::footer(status, ticks_done))
}
