//! Scenario files: a flat TOML table of simulation parameters, merged under the flags.

use crate::cli::{Cli, TopologyArg};
use crate::error::CliError;
use ecrust_systems::config::{Behaviour, PartitionSpec, ProtocolKind, ThresholdPolicy};
use ecrust_systems::{DelayModel, SimConfig, Topology};
use serde::Deserialize;
use std::path::Path;

/// A scenario file. Unknown keys are errors, so a typo never silently runs the default.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// `v2` (the default) or `original`.
    pub protocol: Option<String>,
    /// v2: equivocating members tolerated per committee of 32.
    pub tolerance: Option<u32>,
    pub peers: Option<u32>,
    pub ticks: Option<u32>,
    pub seed: Option<u64>,
    pub threshold: Option<u32>,
    pub loss: Option<f64>,
    pub delay: Option<String>,
    pub topology: Option<String>,
    pub degree: Option<f64>,
    pub tokens: Option<u32>,
    pub block_size: Option<String>,
    pub entry_ttl: Option<u32>,
    pub mempool_cap: Option<u32>,
    pub gc_after: Option<u32>,
    pub learned_peers: Option<u32>,
    pub conflict_rate: Option<f64>,
    pub check: Option<bool>,
    pub threads: Option<usize>,
    pub churn: Option<f64>,
    pub churn_downtime: Option<u32>,
    pub loss_spread: Option<f64>,
    pub byzantine: Option<f64>,
    pub byzantine_behaviour: Option<String>,
    /// `fixed` or `adaptive:MIN..MAX`.
    pub threshold_policy: Option<String>,
    /// `[[partition]]` tables: `at`, `heal`, `groups` (fractions of the ring).
    pub partition: Option<Vec<PartitionSpec>>,
    /// Free text for people; ignored by the simulator.
    #[allow(dead_code)]
    pub description: Option<String>,
}

impl ScenarioFile {
    pub fn load(path: &Path) -> Result<Self, CliError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CliError::usage(format!("config: cannot read {}: {e}", path.display())))?;
        Self::parse(&text)
            .map_err(|msg| CliError::usage(format!("config {}: {msg}", path.display())))
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| {
            let at = e
                .span()
                .map(|s| {
                    let start = s.start.min(text.len());
                    let line = text[..start].matches('\n').count() + 1;
                    let content = text.lines().nth(line - 1).unwrap_or("").trim();
                    format!(" (line {line}: `{content}`)")
                })
                .unwrap_or_default();
            format!("{}{at}", e.message().trim().replace('\n', " "))
        })
    }
}

/// Parses `MIN..MAX` (or `N`) into an inclusive range.
fn parse_range(field: &'static str, s: &str) -> Result<(u32, u32), CliError> {
    let bad = || CliError::usage(format!("{field}: '{s}' is not MIN..MAX or N"));
    match s.split_once("..") {
        Some((a, b)) => Ok((
            a.trim().parse().map_err(|_| bad())?,
            b.trim_start_matches('=')
                .trim()
                .parse()
                .map_err(|_| bad())?,
        )),
        None => {
            let n = s.trim().parse().map_err(|_| bad())?;
            Ok((n, n))
        }
    }
}

/// Parses `AT..HEAL:G1,G2,...` into a partition (validated with the rest of the config).
fn parse_partition(s: &str) -> Result<PartitionSpec, CliError> {
    let bad = || {
        CliError::usage(format!(
            "partition: '{s}' is not AT..HEAL:G1,G2,... (e.g. 100..300:0.5,0.5)"
        ))
    };
    let (span, groups) = s.split_once(':').ok_or_else(bad)?;
    let (at, heal) = parse_range("partition", span).map_err(|_| bad())?;
    let groups = groups
        .split(',')
        .map(|g| g.trim().parse::<f64>().map_err(|_| bad()))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(PartitionSpec { at, heal, groups })
}

fn parse_delay(s: &str) -> Result<DelayModel, CliError> {
    DelayModel::parse(s).ok_or_else(|| {
        CliError::usage(format!(
            "delay: '{s}' is not MIN..MAX, N or geometric:STAY (e.g. 1..4)"
        ))
    })
}

fn parse_topology(s: &str) -> Result<Topology, CliError> {
    Topology::parse(s).ok_or_else(|| {
        CliError::usage(format!(
            "topology: '{s}' is unknown; allowed: {}",
            Topology::NAMES
        ))
    })
}

/// The configuration and thread count a command line asks for.
pub fn resolve(cli: &Cli) -> Result<(SimConfig, usize), CliError> {
    let file = match &cli.config {
        Some(path) => ScenarioFile::load(path)?,
        None => ScenarioFile::default(),
    };
    resolve_file(cli, &file)
}

/// The configuration a scenario (already parsed) gives under the flags of `cli`. Whatever
/// neither sets keeps `SimConfig::default()`, the one source of defaults.
pub fn resolve_file(cli: &Cli, file: &ScenarioFile) -> Result<(SimConfig, usize), CliError> {
    let mut c = SimConfig::default();
    // A flag wins over the file; either replaces the default.
    macro_rules! take {
        ($flag:ident => $($dst:ident).+) => {
            if let Some(v) = cli.$flag.or(file.$flag) {
                c.$($dst).+ = v;
            }
        };
    }
    take!(peers => peers);
    take!(ticks => ticks);
    take!(seed => seed);
    take!(threshold => protocol.threshold);
    take!(tolerance => protocol.tolerance);
    take!(loss => network.loss);
    take!(loss_spread => network.loss_spread);
    take!(conflict_rate => workload.conflict_rate);
    take!(churn => faults.churn);
    take!(byzantine => adversary.fraction);
    if let Some(tokens) = cli.tokens.or(file.tokens) {
        c.workload.tokens = Some(tokens);
    }
    if let Some(d) = cli.degree.or(file.degree) {
        c.network.degree = Some(d);
    }
    if let Some(s) = cli.protocol.as_deref().or(file.protocol.as_deref()) {
        c.protocol.kind = ProtocolKind::parse(s).ok_or_else(|| {
            CliError::usage(format!(
                "protocol: '{s}' is unknown; allowed: {}",
                ProtocolKind::names()
            ))
        })?;
    }
    if let Some(s) = cli
        .threshold_policy
        .as_deref()
        .or(file.threshold_policy.as_deref())
    {
        c.protocol.threshold_policy = ThresholdPolicy::parse(s).ok_or_else(|| {
            CliError::usage(format!(
                "threshold_policy: '{s}' is not `fixed` or `adaptive:MIN..MAX`"
            ))
        })?;
    }
    if let Some(s) = cli
        .byzantine_behaviour
        .as_deref()
        .or(file.byzantine_behaviour.as_deref())
    {
        c.adversary.behaviour = Behaviour::parse(s).ok_or_else(|| {
            CliError::usage(format!(
                "byzantine_behaviour: '{s}' is unknown; allowed: {}",
                Behaviour::names()
            ))
        })?;
    }
    if let Some(d) = cli.churn_downtime.or(file.churn_downtime) {
        c.faults.churn_downtime = d;
    }
    if !cli.partition.is_empty() {
        c.faults.partitions = cli
            .partition
            .iter()
            .map(|s| parse_partition(s))
            .collect::<Result<_, _>>()?;
    } else if let Some(p) = &file.partition {
        c.faults.partitions = p.clone();
    }
    for (v, dst) in [
        (file.entry_ttl, &mut c.protocol.entry_ttl),
        (file.mempool_cap, &mut c.protocol.mempool_cap),
        (file.gc_after, &mut c.protocol.gc_after),
        (file.learned_peers, &mut c.protocol.learned_peers),
    ] {
        if let Some(v) = v {
            *dst = v;
        }
    }
    if let Some(s) = cli.delay.as_deref().or(file.delay.as_deref()) {
        c.network.delay = parse_delay(s)?;
    }
    if let Some(t) = cli.topology {
        c.network.topology = match t {
            TopologyArg::Random => Topology::Random,
            TopologyArg::RingGradient => Topology::RingGradient,
            TopologyArg::RingGaussian => Topology::RingGaussian,
            TopologyArg::SmallWorld => Topology::SmallWorld,
        };
    } else if let Some(s) = &file.topology {
        c.network.topology = parse_topology(s)?;
    }
    if let Some(s) = cli.block_size.as_deref().or(file.block_size.as_deref()) {
        (c.workload.block_size_min, c.workload.block_size_max) = parse_range("block_size", s)?;
    }
    if let Some(check) = file.check {
        c.check = check;
    }
    if cli.check {
        c.check = true;
    }
    if cli.no_check {
        c.check = false;
    }
    c.validate().map_err(|e| CliError::usage(e.to_string()))?;
    let threads = cli.threads.or(file.threads).unwrap_or(0);
    if threads > 1024 {
        return Err(CliError::usage(format!(
            "threads: {threads} is out of range; allowed 0..=1024 (0 = one per core)"
        )));
    }
    Ok((c, threads))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn unknown_keys_are_rejected_with_their_line() {
        let err = ScenarioFile::parse("peers = 10\nbogus = 3\n").unwrap_err();
        assert!(err.contains("bogus") && err.contains("line 2"), "{err}");
    }

    #[test]
    fn flags_override_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.toml");
        std::fs::write(&path, "peers = 300\nloss = 0.1\ntopology = \"random\"\n").unwrap();
        let cli = Cli {
            config: Some(path),
            loss: Some(0.2),
            ..Cli::default()
        };
        let (c, _) = resolve(&cli).unwrap();
        assert_eq!(c.peers, 300);
        assert_eq!(c.network.loss, 0.2);
        assert_eq!(c.network.topology, Topology::Random);
    }

    #[test]
    fn a_scenario_file_can_ask_for_the_small_world_topology() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.toml");
        std::fs::write(&path, "peers = 1000\ntopology = \"small-world\"\n").unwrap();
        let cli = Cli {
            config: Some(path),
            ..Cli::default()
        };
        let (c, _) = resolve(&cli).unwrap();
        assert_eq!(c.network.topology, Topology::SmallWorld);
        // 16 near peers and round(log2 1000) = 10 far draws.
        assert_eq!(c.expected_degree(), 26.0);
    }

    /// Every name of the tables of protocols and behaviours parses, in a scenario file and as
    /// a flag, to its row, and prints back as the same name.
    #[test]
    fn every_name_of_the_tables_parses_and_round_trips() {
        use ecrust_systems::config::{BEHAVIOURS, PROTOCOLS};
        for e in PROTOCOLS {
            let file = ScenarioFile::parse(&format!("protocol = \"{}\"\n", e.name)).unwrap();
            let (c, _) = resolve_file(&Cli::default(), &file).unwrap();
            assert_eq!(c.protocol.kind, e.kind, "{}", e.name);
            assert_eq!(e.kind.name(), e.name);
            let cli = Cli::try_parse_from(["ecrust-ecs", "--protocol", e.name]).unwrap();
            let (c, _) = resolve_file(&cli, &ScenarioFile::default()).unwrap();
            assert_eq!(c.protocol.kind, e.kind, "{}", e.name);
        }
        for e in BEHAVIOURS {
            let text = format!("byzantine = 0.1\nbyzantine_behaviour = \"{}\"\n", e.name);
            let (c, _) =
                resolve_file(&Cli::default(), &ScenarioFile::parse(&text).unwrap()).unwrap();
            assert_eq!(c.adversary.behaviour, e.behaviour, "{}", e.name);
            assert_eq!(e.behaviour.name(), e.name);
            let cli = Cli::try_parse_from(["ecrust-ecs", "--byzantine-behaviour", e.name]).unwrap();
            let (c, _) = resolve_file(&cli, &ScenarioFile::default()).unwrap();
            assert_eq!(c.adversary.behaviour, e.behaviour, "{}", e.name);
        }
    }

    #[test]
    fn bad_values_are_usage_errors() {
        let cli = Cli {
            loss: Some(1.5),
            ..Cli::default()
        };
        let err = resolve(&cli).unwrap_err();
        assert!(err.to_string().starts_with("loss:"), "{err}");
    }
}
