//! A sweep file read, checked and expanded: every scenario valid before anything runs, and a
//! hash of the file's bytes that ties shards and manifests to the sweep they belong to.

use super::grid::{Point, SweepFile};
use crate::cli::Cli;
use crate::error::CliError;
use crate::scenario::resolve_file;
use ecrust_systems::SimConfig;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

pub struct SweepPlan {
    pub path: PathBuf,
    /// The file's bytes, copied next to the shards so every task reads the same sweep.
    pub text: String,
    pub file: SweepFile,
    /// Scenarios in grid order; a scenario's index is its position here.
    pub points: Vec<Point>,
    pub configs: Vec<SimConfig>,
    /// `sha256:<hex>` of `text`.
    pub hash: String,
}

impl SweepPlan {
    pub fn load(path: &Path) -> Result<Self, CliError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CliError::usage(format!("sweep: cannot read {}: {e}", path.display())))?;
        let file = SweepFile::parse(path, &text)?;
        let points = file.points()?;
        let cli = Cli::default();
        let configs = points
            .iter()
            .map(|p| {
                resolve_file(&cli, &p.scenario)
                    .map(|(c, _)| c)
                    .map_err(|e| CliError::usage(format!("sweep point {}: {e}", p.label)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            path: path.to_path_buf(),
            hash: hash_text(&text),
            text,
            file,
            points,
            configs,
        })
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// The sweep file's `out` if it has one, else `out/<file stem>.arrow`.
    pub fn default_out(&self) -> PathBuf {
        self.file.out.clone().unwrap_or_else(|| {
            let stem = self
                .path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("sweep");
            PathBuf::from(format!("out/{stem}.arrow"))
        })
    }
}

pub fn hash_text(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}
