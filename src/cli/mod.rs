//! Command-line flags. Every flag overrides the same key of the `--config` file.

mod gather;
mod sweep;

pub use gather::GatherArgs;
pub use sweep::SweepArgs;

use clap::{Parser, Subcommand, ValueEnum};
use ecrust_systems::config::{BEHAVIOURS, Behaviour, PROTOCOLS, ProtocolKind};
use std::path::PathBuf;

/// `--protocol`'s help, from the table of protocols.
fn protocol_help() -> String {
    let rows: Vec<String> = PROTOCOLS
        .iter()
        .map(|e| format!("{} ({})", e.name, e.help))
        .collect();
    format!(
        "Protocol the peers run: {} [default: {}]",
        rows.join("; "),
        ProtocolKind::default().name()
    )
}

/// `fuzz --protocol`'s help, from the table of protocols.
fn fuzz_protocol_help() -> String {
    format!("The protocol under test: {}", ProtocolKind::names())
}

/// `--byzantine-behaviour`'s help, from the table of behaviours.
fn behaviour_help() -> String {
    let rows: Vec<String> = BEHAVIOURS
        .iter()
        .map(|e| format!("{} ({})", e.name, e.help))
        .collect();
    format!(
        "What Byzantine peers do: {} [default: {}]",
        rows.join("; "),
        Behaviour::default().name()
    )
}

#[derive(Parser, Debug, Default)]
#[command(
    name = "ecrust-ecs",
    version,
    about = "Deterministic simulator of the ecRust (echo-consent) consensus protocol",
    long_about = "Simulates peers voting on blocks of token transfers over a lossy, delayed \
                  network until the blocks commit, and reports messages and ticks per commit.\n\
                  The same seed and configuration give the same figures and digest on any \
                  number of threads."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Scenario file (TOML); flags override its values.
    #[arg(long, value_name = "FILE.toml")]
    pub config: Option<PathBuf>,
    /// Protocol the peers run (`config::PROTOCOLS`).
    #[arg(long, value_name = "NAME", help = protocol_help())]
    pub protocol: Option<String>,
    /// Number of peers [default: 2000].
    #[arg(long)]
    pub peers: Option<u32>,
    /// Number of ticks (rounds) to simulate [default: 1000].
    #[arg(long)]
    pub ticks: Option<u32>,
    /// Seed of every random stream [default: 1].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Vote threshold T: a part is decided when its vote balance exceeds T [default: 2].
    #[arg(long)]
    pub threshold: Option<u32>,
    /// v2: equivocating members a committee of 32 is designed to tolerate, 0..=15; its quorum
    /// is floor((32 + B) / 2) + 1. The fuzzer judges runs against the Byzantine share at which
    /// a committee holds more than B of them 1 time in 5,000 (10: 0.1; 15: 0.2); not a safety
    /// claim for a real network (docs/protocol-v2.md) [default: 10].
    #[arg(long, value_name = "B")]
    pub tolerance: Option<u32>,
    /// Message loss probability, 0.0..=0.5 [default: 0.02].
    #[arg(long)]
    pub loss: Option<f64>,
    /// Message delay in ticks: MIN..MAX (uniform), N, or geometric:STAY [default: geometric:0.5].
    #[arg(long, value_name = "MIN..MAX")]
    pub delay: Option<String>,
    /// Peer topology [default: ring-gradient]. line-gradient is the original simulator's own
    /// rule (ids equal mod 4, probability falling with id distance on a line; ~N/6 peers per
    /// node; --degree does not apply).
    #[arg(long, value_enum)]
    pub topology: Option<TopologyArg>,
    /// Expected seeded peers per node [default: the original's link probabilities].
    #[arg(long)]
    pub degree: Option<f64>,
    /// Tokens in circulation [default: peers / 200].
    #[arg(long)]
    pub tokens: Option<u32>,
    /// Parts per block, MIN..MAX within 1..6 [default: 1..3].
    #[arg(long, value_name = "MIN..MAX")]
    pub block_size: Option<String>,
    /// Fraction of new blocks that get a double-spending twin [default: 0].
    #[arg(long)]
    pub conflict_rate: Option<f64>,
    /// Per-link loss: each link's rate is loss x (1 + SPREAD x u), u in [-1, 1] fixed per link [default: 0].
    #[arg(long, value_name = "SPREAD")]
    pub loss_spread: Option<f64>,
    /// Probability per tick that a peer goes offline (for `churn_downtime` ticks) [default: 0].
    #[arg(long)]
    pub churn: Option<f64>,
    /// Ticks a churned peer stays offline [default: 50].
    #[arg(long, value_name = "TICKS")]
    pub churn_downtime: Option<u32>,
    /// Session churn: share of peers offline at any time, 0.0..=0.9; peers leave and come back
    /// in sessions, keeping their state (not with --churn; docs/topology.md) [default: 0].
    #[arg(long, value_name = "SHARE")]
    pub session_churn: Option<f64>,
    /// Mean online session in ticks; offline periods get the mean that gives the share [default: 100].
    #[arg(long, value_name = "TICKS")]
    pub session_mean: Option<u32>,
    /// Weibull shape of session and offline lengths, 0.2..=10 [default: exponential].
    #[arg(long, value_name = "K")]
    pub session_shape: Option<f64>,
    /// dht under session churn: ticks between a peer's maintenance rounds; 0 = none [default: 10].
    #[arg(long, value_name = "TICKS")]
    pub maintenance_every: Option<u32>,
    /// A scripted partition, AT..HEAL:G1,G2,... (ring fractions summing to 1); repeatable,
    /// replaces the scenario file's `[[partition]]` tables.
    #[arg(long, value_name = "AT..HEAL:GROUPS")]
    pub partition: Vec<String>,
    /// Threshold policy: `fixed` (always --threshold) or `adaptive:MIN..MAX` [default: fixed].
    #[arg(long, value_name = "POLICY")]
    pub threshold_policy: Option<String>,
    /// The original's rule switches, NAME=VALUE,... (ours by default; each other value is the
    /// original simulator's): holder-reply=at-once|never, negative-balance=rejects|commits,
    /// behind=catch-up|vote-no; docs/protocol.md, "Rule switches".
    #[arg(long, value_name = "LIST")]
    pub rules: Option<String>,
    /// Fraction of peers that are Byzantine, 0..=0.5 [default: 0].
    #[arg(long)]
    pub byzantine: Option<f64>,
    /// What Byzantine peers do (`config::BEHAVIOURS`).
    #[arg(long, value_name = "BEHAVIOUR", help = behaviour_help())]
    pub byzantine_behaviour: Option<String>,
    /// Where Byzantine peers sit: random (a seeded draw per peer) or targeted (the positions
    /// nearest the tokens' keys, capturing token 0's committee, then token 1's, ...; the
    /// claimed bound assumes random) [default: random].
    #[arg(long, value_name = "PLACEMENT")]
    pub byzantine_placement: Option<String>,
    /// Worker threads; 0 = one per core [default: 0].
    #[arg(long)]
    pub threads: Option<usize>,
    /// Run the global safety checker (the default).
    #[arg(long, conflicts_with = "no_check")]
    pub check: bool,
    /// Skip the safety checker.
    #[arg(long)]
    pub no_check: bool,
    /// Exit with code 1 when the safety checker finds a violation (the fuzzer's replays).
    #[arg(long, conflicts_with = "no_check")]
    pub fail_on_violation: bool,
    /// Summary format on stdout.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub summary: SummaryFormat,
    /// Write ticks.arrow, blocks.arrow and run.arrow (Arrow IPC) into this directory (and
    /// events.arrow with --trace-blocks / --trace-first).
    #[arg(long, value_name = "DIR")]
    pub arrow: Option<PathBuf>,
    /// Write ticks.parquet, blocks.parquet and run.parquet (zstd) into this directory (and
    /// events.parquet with --trace-blocks / --trace-first).
    #[arg(long, value_name = "DIR", conflicts_with = "arrow")]
    pub parquet: Option<PathBuf>,
    /// Trace these blocks (block indices, the blocks table's `block` column, e.g. `0,5,9`):
    /// write every message about them and every change of their entries to `events` beside
    /// the other tables (needs --arrow or --parquet).
    #[arg(long, value_name = "IDS")]
    pub trace_blocks: Option<String>,
    /// Trace the first N blocks submitted (twins included), as --trace-blocks 0,...,N-1.
    #[arg(long, value_name = "N", conflicts_with = "trace_blocks")]
    pub trace_first: Option<u32>,
    /// Profile the run and write a flamegraph SVG here.
    #[arg(long, value_name = "FILE.svg")]
    pub flamegraph: Option<PathBuf>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Subcommands; without one, `ecrust-ecs` runs a single scenario.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a grid of scenarios: here in parallel, one shard of it, or as a Slurm job array.
    Sweep(SweepArgs),
    /// Merge the shards of a sweep (`sweep --shard` / `--slurm`) into one table.
    Gather(GatherArgs),
    /// Run random small scenarios with the safety checker; report any failing seed.
    Fuzz {
        /// How many scenarios.
        #[arg(long, default_value_t = 100)]
        scenarios: u64,
        /// First scenario seed (scenario i uses seed + i).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Re-run only the scenario with this seed, printing its configuration.
        #[arg(long)]
        only: Option<u64>,
        /// Runs at once; 0 = one per core.
        #[arg(long, default_value_t = 0)]
        jobs: usize,
        /// The protocol under test: one of `config::PROTOCOLS`.
        #[arg(long, value_name = "NAME", default_value = "v2", help = fuzz_protocol_help())]
        protocol: String,
        /// Shrink the first failing scenario (fewer peers, ticks, tokens, attackers) while it
        /// still fails, and print the smallest failing command.
        #[arg(long)]
        shrink: bool,
    },
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum TopologyArg {
    Random,
    RingGradient,
    RingGaussian,
    LineGradient,
    SmallWorld,
    Dht,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum SummaryFormat {
    #[default]
    Text,
    Json,
}
