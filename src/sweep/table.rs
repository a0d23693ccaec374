//! The sweep's Arrow table: one row per run, one column per summary field.

use crate::error::CliError;
use anyhow::{Context, Result};
use arrow_array::builder::{BooleanBuilder, Float64Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_ipc::writer::FileWriter;
use arrow_schema::{DataType, Field, Schema};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub struct SweepTable {
    temp: PathBuf,
    target: PathBuf,
}

/// Flattens nested objects (`messages_by_type.vote`) so every field is a column.
fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                let name = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&name, v, out);
            }
        }
        other => out.push((prefix.to_string(), other.clone())),
    }
}

impl SweepTable {
    /// Checks the output can be written before any run starts.
    pub fn create(target: &Path) -> Result<Self> {
        if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let name = target
            .file_name()
            .and_then(|n| n.to_str())
            .context("the output needs a file name")?;
        let temp = target.with_file_name(format!(".{name}.partial"));
        std::fs::File::create(&temp).with_context(|| format!("cannot write {}", temp.display()))?;
        Ok(Self {
            temp,
            target: target.to_path_buf(),
        })
    }

    pub fn finish(self, rows: &[Value]) -> Result<PathBuf, CliError> {
        self.write(rows).map_err(CliError::Failure)?;
        std::fs::rename(&self.temp, &self.target)
            .with_context(|| format!("cannot write {}", self.target.display()))
            .map_err(CliError::Failure)?;
        Ok(self.target.clone())
    }

    fn write(&self, rows: &[Value]) -> Result<()> {
        let flat: Vec<Vec<(String, Value)>> = rows
            .iter()
            .map(|r| {
                let mut out = Vec::new();
                flatten("", r, &mut out);
                out
            })
            .collect();
        let columns: Vec<String> = flat
            .first()
            .map(|r| r.iter().map(|(k, _)| k.clone()).collect())
            .unwrap_or_default();
        let get = |row: &[(String, Value)], k: &str| {
            row.iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap_or(Value::Null)
        };
        let mut fields = Vec::new();
        let mut arrays: Vec<ArrayRef> = Vec::new();
        for k in &columns {
            let values: Vec<Value> = flat.iter().map(|r| get(r, k)).collect();
            if values.iter().all(|v| v.is_number() || v.is_null()) {
                let mut b = Float64Builder::new();
                values.iter().for_each(|v| b.append_option(v.as_f64()));
                fields.push(Field::new(k, DataType::Float64, true));
                arrays.push(Arc::new(b.finish()));
            } else if values.iter().all(|v| v.is_boolean() || v.is_null()) {
                let mut b = BooleanBuilder::new();
                values.iter().for_each(|v| b.append_option(v.as_bool()));
                fields.push(Field::new(k, DataType::Boolean, true));
                arrays.push(Arc::new(b.finish()));
            } else {
                let mut b = StringBuilder::new();
                values.iter().for_each(|v| match v {
                    Value::String(s) => b.append_value(s),
                    Value::Null => b.append_null(),
                    other => b.append_value(other.to_string()),
                });
                fields.push(Field::new(k, DataType::Utf8, true));
                arrays.push(Arc::new(b.finish()));
            }
        }
        let schema = Arc::new(Schema::new(fields));
        let batch = RecordBatch::try_new(schema.clone(), arrays)?;
        let file = std::fs::File::create(&self.temp)?;
        let mut writer = FileWriter::try_new_buffered(file, &schema)?;
        writer.write(&batch)?;
        writer.finish()?;
        writer
            .into_inner()?
            .into_inner()
            .map_err(|e| e.into_error())?;
        Ok(())
    }
}
