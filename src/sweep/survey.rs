//! Which shards of a sweep directory are complete: a `complete` manifest of this sweep and its
//! table in place. Gather merges only when all are; `--resume` resubmits the others.

use super::manifest::{self, ShardManifest, ShardStatus, SweepManifest};
use std::path::Path;

pub enum ShardState {
    Complete(ShardManifest),
    /// Why the shard cannot be used, in a few words.
    Missing(String),
}

/// The state of every shard of `sweep` in `dir`, in shard order.
pub fn survey(dir: &Path, sweep: &SweepManifest) -> Vec<ShardState> {
    (0..sweep.shards)
        .map(|shard| state(dir, sweep, shard))
        .collect()
}

fn state(dir: &Path, sweep: &SweepManifest, shard: usize) -> ShardState {
    let path = manifest::shard_manifest(dir, shard);
    if !path.exists() {
        return ShardState::Missing("not started".into());
    }
    let m: ShardManifest = match manifest::read_json(&path) {
        Ok(m) => m,
        Err(e) => return ShardState::Missing(format!("{e:#}")),
    };
    if m.sweep_hash != sweep.sweep_hash || m.shards != sweep.shards || m.shard != shard {
        return ShardState::Missing("its manifest belongs to another sweep".into());
    }
    match m.status {
        ShardStatus::Running => ShardState::Missing("started, never finished".into()),
        ShardStatus::Failed => ShardState::Missing(format!(
            "failed: {}",
            m.error.as_deref().unwrap_or("no reason given")
        )),
        ShardStatus::Complete if !manifest::shard_table(dir, shard).exists() => {
            ShardState::Missing("its table is gone".into())
        }
        ShardStatus::Complete => ShardState::Complete(m),
    }
}

/// `"1 (failed: ...), 3 (not started)"`: the shards that are not complete.
pub fn describe_missing(states: &[ShardState]) -> String {
    states
        .iter()
        .enumerate()
        .filter_map(|(i, s)| match s {
            ShardState::Missing(why) => Some(format!("{i} ({why})")),
            ShardState::Complete(_) => None,
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn missing(states: &[ShardState]) -> Vec<usize> {
    states
        .iter()
        .enumerate()
        .filter(|(_, s)| matches!(s, ShardState::Missing(_)))
        .map(|(i, _)| i)
        .collect()
}
