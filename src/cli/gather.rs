//! The flags of `ecrust-ecs gather`.

use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct GatherArgs {
    /// Directory of a sharded sweep (holds sweep.json and shard-I.parquet files).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Merged table; `.arrow` writes Arrow IPC, anything else Parquet [default: DIR/merged.parquet].
    #[arg(long, value_name = "FILE.parquet")]
    pub out: Option<PathBuf>,
}
