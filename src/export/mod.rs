//! Arrow IPC export of a run: `ticks.arrow`, `blocks.arrow` and `run.arrow` in one directory.
//!
//! Rows are streamed in record batches, so memory does not grow with the run. Each file is
//! written under a temporary name and renamed when finished; the footer metadata of
//! `ticks.arrow` and `blocks.arrow`, and the `status` row of `run.arrow`, say whether the run
//! completed or was interrupted (`partial`). Schemas: `docs/outputs.md`.

mod blocks;
mod run_table;
mod staged_file;
mod ticks;

use anyhow::{Context, Result};
use arrow_ipc::writer::FileWriter;
use arrow_schema::Schema;
use ecrust_systems::model::blocks::BlockRecord;
use ecrust_systems::model::metrics::TickMetrics;
use staged_file::StagedFile;
use std::collections::HashMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Rows per record batch: small enough to bound memory, large enough to read fast.
const BATCH_ROWS: usize = 1024;

/// How the run that wrote the files ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunStatus {
    Complete,
    /// Stopped early (SIGINT): the files hold the ticks done.
    Partial,
}

impl RunStatus {
    pub fn name(self) -> &'static str {
        match self {
            RunStatus::Complete => "complete",
            RunStatus::Partial => "partial",
        }
    }
}

/// One Arrow IPC file being written.
struct Table {
    schema: Arc<Schema>,
    writer: FileWriter<BufWriter<File>>,
    file: StagedFile,
}

impl Table {
    fn create(
        dir: &Path,
        name: &str,
        schema: Schema,
        meta: &HashMap<String, String>,
    ) -> Result<Self> {
        let schema = Arc::new(schema.with_metadata(meta.clone()));
        let (file, out) = StagedFile::create(dir, name)?;
        let writer = FileWriter::try_new_buffered(out, &schema)
            .with_context(|| format!("cannot start {name}"))?;
        Ok(Self {
            schema,
            writer,
            file,
        })
    }

    fn finish(mut self, status: RunStatus, ticks_done: u32) -> Result<PathBuf> {
        self.writer.write_metadata("ecrust.status", status.name());
        self.writer
            .write_metadata("ecrust.ticks_done", ticks_done.to_string());
        self.writer
            .finish()
            .context("cannot finish an Arrow file")?;
        let out = self
            .writer
            .into_inner()
            .context("cannot flush an Arrow file")?;
        out.into_inner()
            .map_err(|e| e.into_error())
            .context("cannot flush an Arrow file")?;
        self.file.commit()
    }
}

pub struct ArrowExport {
    dir: PathBuf,
    meta: HashMap<String, String>,
    ticks: Table,
    tick_rows: ticks::TickRows,
    blocks: Table,
    block_rows: blocks::BlockRows,
}

impl ArrowExport {
    /// Creates `dir` if needed and opens the files; fails before the run if it cannot.
    pub fn create(dir: &Path, config_json: &str, seed: u64) -> Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let meta = HashMap::from([
            ("ecrust.config".to_string(), config_json.to_string()),
            ("ecrust.seed".to_string(), seed.to_string()),
            (
                "ecrust.version".to_string(),
                env!("CARGO_PKG_VERSION").to_string(),
            ),
        ]);
        Ok(Self {
            ticks: Table::create(dir, "ticks.arrow", ticks::schema(), &meta)?,
            tick_rows: Default::default(),
            blocks: Table::create(dir, "blocks.arrow", blocks::schema(), &meta)?,
            block_rows: Default::default(),
            dir: dir.to_path_buf(),
            meta,
        })
    }

    pub fn record_tick(&mut self, m: &TickMetrics) -> Result<()> {
        self.tick_rows.push(m);
        if self.tick_rows.len() >= BATCH_ROWS {
            self.flush_ticks()?;
        }
        Ok(())
    }

    pub fn record_blocks(&mut self, records: impl IntoIterator<Item = BlockRecord>) -> Result<()> {
        self.block_rows.extend(records);
        if self.block_rows.len() >= BATCH_ROWS {
            self.flush_blocks()?;
        }
        Ok(())
    }

    fn flush_ticks(&mut self) -> Result<()> {
        if self.tick_rows.len() > 0 {
            let batch = self.tick_rows.take_batch(&self.ticks.schema)?;
            self.ticks
                .writer
                .write(&batch)
                .context("cannot write ticks.arrow")?;
        }
        Ok(())
    }

    fn flush_blocks(&mut self) -> Result<()> {
        if self.block_rows.len() > 0 {
            let batch = self.block_rows.take_batch(&self.blocks.schema)?;
            self.blocks
                .writer
                .write(&batch)
                .context("cannot write blocks.arrow")?;
        }
        Ok(())
    }

    /// Writes what is left (`unfinished` are the blocks the run still holds), closes the
    /// files and moves them into place, then writes `run.arrow`.
    pub fn finish(
        mut self,
        status: RunStatus,
        ticks_done: u32,
        unfinished: Vec<BlockRecord>,
        summary_json: &str,
    ) -> Result<Vec<PathBuf>> {
        self.block_rows.extend(unfinished);
        self.flush_ticks()?;
        self.flush_blocks()?;
        let mut written = vec![
            self.ticks.finish(status, ticks_done)?,
            self.blocks.finish(status, ticks_done)?,
        ];
        written.push(run_table::write(
            &self.dir,
            &self.meta,
            status,
            ticks_done,
            summary_json,
        )?);
        Ok(written)
    }
}
