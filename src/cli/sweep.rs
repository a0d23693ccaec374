//! The flags of `ecrust-ecs sweep`.

use crate::export::Format;
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct SweepArgs {
    /// Sweep file: a `[base]` scenario and a `[grid]` of values per key.
    #[arg(long, value_name = "FILE.toml", required_unless_present = "resume")]
    pub config: Option<PathBuf>,
    /// Output. Here: a table file [default: the sweep file's `out`, else out/<name>.arrow].
    /// With --shard or --slurm: a directory of shards [default: that path without extension].
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Runs at once; 0 = one per core.
    #[arg(long, default_value_t = 0)]
    pub jobs: usize,
    /// Table format [default: from --out's extension, else arrow; shards are always parquet].
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Run only shard I of N (the scenarios whose index is I mod N): OUT/shard-I.parquet.
    #[arg(long, value_name = "I/N", conflicts_with = "slurm")]
    pub shard: Option<String>,
    /// Submit the sweep to Slurm as a job array, one shard per task (needs sbatch).
    #[arg(long)]
    pub slurm: bool,
    /// Shards, i.e. array tasks [default: one per scenario, at most 1000].
    #[arg(long, requires = "slurm", value_name = "N")]
    pub shards: Option<usize>,
    /// Slurm partition for the tasks [default: the cluster's default].
    #[arg(long, requires = "slurm", value_name = "P")]
    pub partition: Option<String>,
    /// Time limit of one task, as sbatch takes it (e.g. 30, 2:00:00, 1-0) [default: the partition's].
    #[arg(long, requires = "slurm", value_name = "T")]
    pub time: Option<String>,
    /// One more argument for sbatch (repeatable), e.g. --sbatch-arg=--account=lab.
    #[arg(
        long = "sbatch-arg",
        requires = "slurm",
        value_name = "ARG",
        allow_hyphen_values = true
    )]
    pub sbatch_args: Vec<String>,
    /// Wait until the job array ends (sbatch --wait); exit non-zero if a task failed.
    #[arg(long, requires = "slurm")]
    pub wait: bool,
    /// Resubmit only the missing or incomplete shards of this sweep output directory.
    #[arg(
        long,
        requires = "slurm",
        value_name = "DIR",
        conflicts_with_all = ["out", "shards"]
    )]
    pub resume: Option<PathBuf>,
}
