//! Export of a run: `ticks`, `blocks` and `run` tables in one directory, as Arrow IPC
//! (`--arrow DIR`) or Parquet (`--parquet DIR`), with the same schemas and metadata; with
//! traced blocks, an `events` table beside them.
//!
//! Rows are streamed in record batches, so memory does not grow with the run. Each file is
//! written under a temporary name and renamed when finished; the footer metadata of every file
//! and the `status` column of the run table say whether the run completed or was interrupted
//! (`partial`). Schemas: `docs/outputs.md`.

mod blocks;
mod events;
mod format;
mod ipc;
pub mod json_columns;
mod parquet;
mod run_table;
mod staged_file;
mod table_file;
mod ticks;

pub use format::Format;
pub use table_file::TableFile;

use anyhow::Result;
use arrow_schema::Schema;
use ecrust_systems::model::blocks::BlockRecord;
use ecrust_systems::model::metrics::TickMetrics;
use ecrust_systems::model::trace::TraceEvent;
use std::collections::HashMap;
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

/// The status footer every table of a run ends with.
fn footer(status: RunStatus, ticks_done: u32) -> [(&'static str, String); 2] {
    [
        ("ecrust.status", status.name().to_string()),
        ("ecrust.ticks_done", ticks_done.to_string()),
    ]
}

pub struct RunExport {
    dir: PathBuf,
    format: Format,
    meta: HashMap<String, String>,
    ticks: TableFile,
    tick_rows: ticks::TickRows,
    blocks: TableFile,
    block_rows: blocks::BlockRows,
    /// The traced blocks' events, when blocks are traced.
    events: Option<(TableFile, events::EventRows)>,
}

impl RunExport {
    /// Creates `dir` if needed and opens the files (`events` too if `traced`); fails before
    /// the run if it cannot.
    pub fn create(
        dir: &Path,
        format: Format,
        config_json: &str,
        seed: u64,
        traced: bool,
    ) -> Result<Self> {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
        let meta = HashMap::from([
            ("ecrust.config".to_string(), config_json.to_string()),
            ("ecrust.seed".to_string(), seed.to_string()),
            (
                "ecrust.version".to_string(),
                env!("CARGO_PKG_VERSION").to_string(),
            ),
        ]);
        let table = |name: &str, schema: Schema| {
            TableFile::create(
                dir,
                &format!("{name}.{}", format.extension()),
                format,
                Arc::new(schema.with_metadata(meta.clone())),
            )
        };
        Ok(Self {
            ticks: table("ticks", ticks::schema())?,
            tick_rows: Default::default(),
            blocks: table("blocks", blocks::schema())?,
            block_rows: Default::default(),
            events: match traced {
                true => Some((table("events", events::schema())?, Default::default())),
                false => None,
            },
            dir: dir.to_path_buf(),
            format,
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

    /// Appends trace events (nothing unless the export was created `traced`).
    pub fn record_events(&mut self, recorded: Vec<TraceEvent>) -> Result<()> {
        if let Some((_, rows)) = &mut self.events {
            rows.extend(recorded);
            if rows.len() >= BATCH_ROWS {
                self.flush_events()?;
            }
        }
        Ok(())
    }

    fn flush_events(&mut self) -> Result<()> {
        if let Some((file, rows)) = &mut self.events
            && rows.len() > 0
        {
            let batch = rows.take_batch(file.schema())?;
            file.write(&batch)?;
        }
        Ok(())
    }

    fn flush_ticks(&mut self) -> Result<()> {
        if self.tick_rows.len() > 0 {
            let batch = self.tick_rows.take_batch(self.ticks.schema())?;
            self.ticks.write(&batch)?;
        }
        Ok(())
    }

    fn flush_blocks(&mut self) -> Result<()> {
        if self.block_rows.len() > 0 {
            let batch = self.block_rows.take_batch(self.blocks.schema())?;
            self.blocks.write(&batch)?;
        }
        Ok(())
    }

    /// Writes what is left (`unfinished` are the blocks the run still holds), closes the
    /// files and moves them into place, then writes the run table.
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
        self.flush_events()?;
        let mut written = vec![
            self.ticks.finish(&footer(status, ticks_done))?,
            self.blocks.finish(&footer(status, ticks_done))?,
        ];
        if let Some((file, _)) = self.events {
            written.push(file.finish(&footer(status, ticks_done))?);
        }
        written.push(run_table::write(
            &self.dir,
            self.format,
            &self.meta,
            status,
            ticks_done,
            summary_json,
        )?);
        Ok(written)
    }
}
