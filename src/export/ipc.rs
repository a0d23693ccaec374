//! One Arrow IPC file being written: schema metadata up front, status in the footer.

use anyhow::{Context, Result};
use arrow_array::RecordBatch;
use arrow_ipc::writer::FileWriter;
use arrow_schema::SchemaRef;
use std::fs::File;
use std::io::BufWriter;

pub struct IpcWriter {
    writer: FileWriter<BufWriter<File>>,
}

impl IpcWriter {
    pub fn create(out: File, schema: &SchemaRef) -> Result<Self> {
        Ok(Self {
            writer: FileWriter::try_new_buffered(out, schema)?,
        })
    }

    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        Ok(self.writer.write(batch)?)
    }

    /// Writes `footer` into the file's footer metadata and flushes it to disk.
    pub fn finish(mut self, footer: &[(&str, String)]) -> Result<()> {
        for (key, value) in footer {
            self.writer.write_metadata(*key, value.clone());
        }
        self.writer.finish()?;
        self.writer
            .into_inner()?
            .into_inner()
            .map_err(|e| e.into_error())
            .context("cannot flush")?;
        Ok(())
    }
}
