//! The small JSON files that make a directory of shards checkable: `sweep.json` (which sweep,
//! how many shards) and `shard-I.json` per shard (its scenarios and how far it got).

use crate::error::CliError;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const SWEEP_MANIFEST: &str = "sweep.json";
/// The copy of the sweep file every shard of a `--slurm` sweep reads.
pub const SWEEP_COPY: &str = "sweep.toml";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepManifest {
    /// `sha256:<hex>` of the sweep file's bytes.
    pub sweep_hash: String,
    /// Where the sweep file was read from (for people; the hash is what counts).
    pub sweep_file: String,
    pub scenarios: usize,
    pub shards: usize,
    pub version: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShardStatus {
    /// Started and not finished: still running, or killed.
    Running,
    Complete,
    Failed,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShardManifest {
    pub sweep_hash: String,
    pub shard: usize,
    pub shards: usize,
    /// Scenario indices of this shard, ascending (index ≡ shard mod shards).
    pub scenarios: Vec<usize>,
    pub status: ShardStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

pub fn shard_table(dir: &Path, shard: usize) -> PathBuf {
    dir.join(format!("shard-{shard}.parquet"))
}

pub fn shard_manifest(dir: &Path, shard: usize) -> PathBuf {
    dir.join(format!("shard-{shard}.json"))
}

/// Scenario indices of shard `shard` of `shards`: those congruent to it.
pub fn scenarios_of(shard: usize, shards: usize, scenarios: usize) -> Vec<usize> {
    (shard..scenarios).step_by(shards).collect()
}

/// Writes JSON under a temporary name unique to this process, then renames it: concurrent
/// writers (shards starting together) never see each other's half-written files.
pub fn write_json(path: &Path, value: &impl Serialize) -> Result<()> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .context("a manifest needs a file name")?;
    let temp = path.with_file_name(format!(".{name}.{}.partial", std::process::id()));
    let text = serde_json::to_string_pretty(value)?;
    std::fs::write(&temp, text + "\n")
        .with_context(|| format!("cannot write {}", temp.display()))?;
    std::fs::rename(&temp, path).with_context(|| format!("cannot write {}", path.display()))
}

pub fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not a manifest", path.display()))
}

impl SweepManifest {
    /// The manifest of the sweep in `dir`, if there is one.
    pub fn read(dir: &Path) -> Result<Option<Self>, CliError> {
        let path = dir.join(SWEEP_MANIFEST);
        if !path.exists() {
            return Ok(None);
        }
        read_json(&path)
            .map(Some)
            .map_err(|e| CliError::usage(format!("{e:#}")))
    }

    /// Refuses a directory that holds another sweep, or this one cut into another number of
    /// shards, before anything in it is touched.
    pub fn check_same(&self, other: &SweepManifest, dir: &Path) -> Result<(), CliError> {
        if self.sweep_hash != other.sweep_hash {
            return Err(CliError::usage(format!(
                "sweep: {} holds the shards of another sweep ({}, {}); use another --out",
                dir.display(),
                self.sweep_file,
                short(&self.sweep_hash)
            )));
        }
        if self.shards != other.shards {
            return Err(CliError::usage(format!(
                "sweep: {} holds this sweep in {} shards, not {}; use --shard I/{} or another --out",
                dir.display(),
                self.shards,
                other.shards,
                self.shards
            )));
        }
        Ok(())
    }
}

/// The first 12 hex digits of a hash, enough for people to tell sweeps apart.
pub fn short(hash: &str) -> &str {
    let end = hash.len().min("sha256:".len() + 12);
    &hash[..end]
}
