//! A table file in either format, written under a temporary name and renamed when finished.

use super::Format;
use super::ipc::IpcWriter;
use super::parquet::ParquetWriter;
use super::staged_file::StagedFile;
use anyhow::{Context, Result};
use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use std::path::{Path, PathBuf};

enum Writer {
    Arrow(IpcWriter),
    Parquet(ParquetWriter),
}

pub struct TableFile {
    name: String,
    schema: SchemaRef,
    writer: Writer,
    file: StagedFile,
}

impl TableFile {
    /// Starts `dir/NAME` (as `dir/.NAME.partial` until `finish`).
    pub fn create(dir: &Path, name: &str, format: Format, schema: SchemaRef) -> Result<Self> {
        let (file, out) = StagedFile::create(dir, name)?;
        let writer = match format {
            Format::Arrow => IpcWriter::create(out, &schema).map(Writer::Arrow),
            Format::Parquet => ParquetWriter::create(out, &schema).map(Writer::Parquet),
        }
        .with_context(|| format!("cannot start {name}"))?;
        Ok(Self {
            name: name.to_string(),
            schema,
            writer,
            file,
        })
    }

    /// Starts the file at `path`, in the directory it names (created if needed).
    pub fn create_at(path: &Path, format: Format, schema: SchemaRef) -> Result<Self> {
        let (dir, name) = split(path)?;
        Self::create(dir, name, format, schema)
    }

    /// Fails if `path` could not be written: its directory is created and a temporary file
    /// opened and removed, so a long job is refused before it starts, not after.
    pub fn check_writable(path: &Path) -> Result<()> {
        let (dir, name) = split(path)?;
        let _probe = StagedFile::create(dir, name)?;
        Ok(())
    }

    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        match &mut self.writer {
            Writer::Arrow(w) => w.write(batch),
            Writer::Parquet(w) => w.write(batch),
        }
        .with_context(|| format!("cannot write {}", self.name))
    }

    /// Closes the file with `footer` metadata and moves it to its final name.
    pub fn finish(self, footer: &[(&str, String)]) -> Result<PathBuf> {
        match self.writer {
            Writer::Arrow(w) => w.finish(footer),
            Writer::Parquet(w) => w.finish(footer),
        }
        .with_context(|| format!("cannot finish {}", self.name))?;
        self.file.commit()
    }
}

/// The directory (created if needed) and file name of `path`.
fn split(path: &Path) -> Result<(&Path, &str)> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .with_context(|| format!("{} needs a file name", path.display()))?;
    Ok((dir, name))
}
