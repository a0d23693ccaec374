//! Scenario files: a flat TOML table of simulation parameters, merged under the flags.

use crate::cli::{Cli, TopologyArg};
use crate::error::CliError;
use ecrust_systems::config::{
    Behaviour, OriginalRules, PROTOCOLS, PartitionSpec, Placement, ProtocolKind, SessionLengths,
    ThresholdPolicy,
};
use ecrust_systems::{DelayModel, SimConfig, Topology};
use serde::Deserialize;
use std::path::Path;

/// A scenario file. Unknown keys are errors, so a typo never silently runs the default.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// `protocol = "v2"` (a name of `config::PROTOCOLS`), or the table `[protocol]` with an
    /// optional `name` and a section `[protocol.NAME]` per protocol with its keys.
    pub protocol: Option<ProtocolKey>,
    /// v2: equivocating members tolerated per committee of 32 (also `[protocol.v2]`).
    pub tolerance: Option<u32>,
    pub peers: Option<u32>,
    pub ticks: Option<u32>,
    pub seed: Option<u64>,
    /// The original's vote threshold (also `[protocol.original]`).
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
    /// Session churn: share offline, mean session, Weibull shape, maintenance interval.
    pub session_churn: Option<f64>,
    pub session_mean: Option<u32>,
    pub session_shape: Option<f64>,
    pub maintenance_every: Option<u32>,
    pub loss_spread: Option<f64>,
    pub byzantine: Option<f64>,
    pub byzantine_behaviour: Option<String>,
    /// `random` or `targeted` (`config::Placement`).
    pub byzantine_placement: Option<String>,
    /// The original's `fixed` or `adaptive:MIN..MAX` (also `[protocol.original]`).
    pub threshold_policy: Option<String>,
    /// The original's rule switches, `NAME=VALUE,...` (also `[protocol.original]`).
    pub rules: Option<String>,
    /// `[[partition]]` tables: `at`, `heal`, `groups` (fractions of the ring).
    pub partition: Option<Vec<PartitionSpec>>,
    /// Free text for people; ignored by the simulator.
    #[allow(dead_code)]
    pub description: Option<String>,
}

/// The value of `protocol` in a scenario file: the old form, `protocol = "v2"`, or a table,
/// `[protocol]` with an optional `name = "v2"` and sections `[protocol.original]`,
/// `[protocol.v2]`, ..., each taking the keys its row of `config::PROTOCOLS` lists.
#[derive(Debug, Default, Clone)]
pub struct ProtocolKey {
    pub name: Option<String>,
    /// The keys of the sections, merged (a key belongs to one protocol).
    pub scoped: ScopedKeys,
    /// Where each scoped key was given: (protocol, key).
    pub given: Vec<(String, String)>,
}

/// Every key some protocol's section takes. Each is also a top-level key of the old form, with
/// the same meaning; `ScenarioFile::with_scoped_keys` moves them there.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopedKeys {
    pub threshold: Option<u32>,
    pub threshold_policy: Option<String>,
    pub tolerance: Option<u32>,
    pub rules: Option<String>,
}

impl<'de> Deserialize<'de> for ProtocolKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let table = match toml::Value::deserialize(d)? {
            toml::Value::String(name) => {
                return Ok(Self {
                    name: Some(name),
                    ..Self::default()
                });
            }
            toml::Value::Table(table) => table,
            other => {
                return Err(D::Error::custom(format!(
                    "protocol: a {} is neither a name nor a table; allowed: {} or [protocol.NAME] sections",
                    other.type_str(),
                    ProtocolKind::names()
                )));
            }
        };
        let mut key = Self::default();
        let mut flat = toml::Table::new();
        for (section, value) in table {
            if section == "name" {
                let name = value
                    .as_str()
                    .ok_or_else(|| D::Error::custom("protocol.name: expected a string"))?;
                key.name = Some(name.to_owned());
                continue;
            }
            let entry = PROTOCOLS
                .iter()
                .find(|e| e.name == section)
                .ok_or_else(|| {
                    D::Error::custom(format!(
                        "[protocol.{section}]: unknown protocol; allowed: {} (or `name`)",
                        ProtocolKind::names()
                    ))
                })?;
            let toml::Value::Table(keys) = value else {
                return Err(D::Error::custom(format!(
                    "protocol.{section}: expected a table [protocol.{section}]"
                )));
            };
            for (name, value) in keys {
                if !entry.keys.contains(&name.as_str()) {
                    return Err(D::Error::custom(format!(
                        "[protocol.{section}] {name}: unknown key; allowed: {}",
                        entry.keys.join(", ")
                    )));
                }
                key.given.push((section.clone(), name.clone()));
                flat.insert(name, value);
            }
        }
        key.scoped = toml::Value::Table(flat)
            .try_into()
            .map_err(|e: toml::de::Error| {
                D::Error::custom(format!("[protocol]: {}", e.message().trim()))
            })?;
        Ok(key)
    }
}

impl ScenarioFile {
    /// The protocol's name, in either form.
    fn protocol_name(&self) -> Option<&str> {
        self.protocol.as_ref()?.name.as_deref()
    }

    /// The file with the keys of the `[protocol.NAME]` sections moved to the top level, where
    /// the old form has them with the same meaning. A key given both ways is an error.
    fn with_scoped_keys(&self) -> Result<Self, CliError> {
        let mut file = self.clone();
        let Some(protocol) = &self.protocol else {
            return Ok(file);
        };
        macro_rules! scoped {
            ($key:ident) => {
                if let Some(v) = protocol.scoped.$key.clone() {
                    if file.$key.is_some() {
                        let section = protocol
                            .given
                            .iter()
                            .find(|(_, k)| k == stringify!($key))
                            .map_or("?", |(s, _)| s.as_str());
                        return Err(CliError::usage(format!(
                            "{}: given both at the top level and in [protocol.{section}]; keep one",
                            stringify!($key)
                        )));
                    }
                    file.$key = Some(v);
                }
            };
        }
        scoped!(threshold);
        scoped!(threshold_policy);
        scoped!(tolerance);
        scoped!(rules);
        Ok(file)
    }

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
    let file = &file.with_scoped_keys()?;
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
    take!(session_churn => faults.sessions.offline);
    take!(session_mean => faults.sessions.mean_session);
    take!(maintenance_every => faults.sessions.maintenance_every);
    if let Some(shape) = cli.session_shape.or(file.session_shape) {
        c.faults.sessions.lengths = SessionLengths::Weibull { shape };
    }
    take!(byzantine => adversary.fraction);
    if let Some(tokens) = cli.tokens.or(file.tokens) {
        c.workload.tokens = Some(tokens);
    }
    if let Some(d) = cli.degree.or(file.degree) {
        c.network.degree = Some(d);
    }
    if let Some(s) = cli.protocol.as_deref().or(file.protocol_name()) {
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
    if let Some(s) = cli.rules.as_deref().or(file.rules.as_deref()) {
        c.protocol.rules =
            OriginalRules::parse(s).map_err(|e| CliError::usage(format!("rules: {e}")))?;
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
    if let Some(s) = cli
        .byzantine_placement
        .as_deref()
        .or(file.byzantine_placement.as_deref())
    {
        c.adversary.placement = Placement::parse(s).ok_or_else(|| {
            CliError::usage(format!(
                "byzantine_placement: '{s}' is unknown; allowed: {}",
                Placement::NAMES
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
            TopologyArg::LineGradient => Topology::LineGradient,
            TopologyArg::SmallWorld => Topology::SmallWorld,
            TopologyArg::Dht => Topology::Dht,
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

    #[test]
    fn a_scenario_file_sets_session_churn_and_flags_override_it() {
        let file = ScenarioFile::parse(
            "session_churn = 0.1\nsession_mean = 500\nsession_shape = 0.5\nmaintenance_every = 20\n",
        )
        .unwrap();
        let cli = Cli {
            session_mean: Some(200),
            ..Cli::default()
        };
        let (c, _) = resolve_file(&cli, &file).unwrap();
        let s = c.faults.sessions;
        assert_eq!(
            (s.offline, s.mean_session, s.maintenance_every),
            (0.1, 200, 20)
        );
        assert_eq!(s.lengths, SessionLengths::Weibull { shape: 0.5 });
        // Left out, the lengths are exponential and maintenance runs every 10 ticks.
        let (c, _) = resolve_file(&Cli::default(), &ScenarioFile::default()).unwrap();
        assert_eq!(c.faults.sessions.lengths, SessionLengths::Exponential);
        assert!(!c.faults.sessions.on());
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

    /// Every key a row of `config::PROTOCOLS` lists is taken in its `[protocol.NAME]` section,
    /// with the meaning of the top-level key of the same name.
    #[test]
    fn every_scoped_key_of_the_table_is_taken() {
        let values = [
            ("threshold", "3"),
            ("threshold_policy", "\"adaptive:1..3\""),
            ("tolerance", "12"),
            ("rules", "\"original\""),
        ];
        for e in PROTOCOLS {
            for key in e.keys {
                let value = values
                    .iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, v)| *v)
                    .unwrap_or_else(|| panic!("a test value for {key}"));
                let old = ScenarioFile::parse(&format!("{key} = {value}\n")).unwrap();
                let new = ScenarioFile::parse(&format!("[protocol.{}]\n{key} = {value}\n", e.name))
                    .unwrap_or_else(|err| panic!("[protocol.{}] {key}: {err}", e.name));
                let old = resolve_file(&Cli::default(), &old).unwrap().0;
                let new = resolve_file(&Cli::default(), &new).unwrap().0;
                assert_eq!(old, new, "[protocol.{}] {key}", e.name);
                assert_ne!(
                    old,
                    SimConfig::default(),
                    "{key} = {value} changes something"
                );
            }
        }
    }

    #[test]
    fn scoped_keys_are_checked() {
        let err = ScenarioFile::parse("[protocol.v2]\nthreshold = 3\n").unwrap_err();
        assert!(err.contains("allowed: tolerance"), "{err}");
        let err = ScenarioFile::parse("[protocol.v3]\ntolerance = 3\n").unwrap_err();
        assert!(err.contains("unknown protocol"), "{err}");
        let both = ScenarioFile::parse("tolerance = 5\n[protocol.v2]\ntolerance = 5\n").unwrap();
        let err = resolve_file(&Cli::default(), &both)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("tolerance: given both"), "{err}");
        let named = ScenarioFile::parse("[protocol]\nname = \"original\"\n").unwrap();
        let (c, _) = resolve_file(&Cli::default(), &named).unwrap();
        assert_eq!(c.protocol.kind, ProtocolKind::Original);
    }

    /// `byzantine_placement` in a file and `--byzantine-placement` both parse; the flag wins.
    #[test]
    fn the_placement_parses_from_a_file_and_a_flag() {
        let file =
            ScenarioFile::parse("byzantine = 0.1\nbyzantine_placement = \"targeted\"\n").unwrap();
        let (c, _) = resolve_file(&Cli::default(), &file).unwrap();
        assert_eq!(c.adversary.placement, Placement::Targeted);
        let cli = Cli::try_parse_from(["ecrust-ecs", "--byzantine-placement", "random"]).unwrap();
        let (c, _) = resolve_file(&cli, &file).unwrap();
        assert_eq!(c.adversary.placement, Placement::Random);
        let bad = ScenarioFile::parse("byzantine_placement = \"nearby\"\n").unwrap();
        let err = resolve_file(&Cli::default(), &bad).unwrap_err().to_string();
        assert!(err.starts_with("byzantine_placement: 'nearby'"), "{err}");
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
