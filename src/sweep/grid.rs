//! Sweep files and the grid of scenarios they describe.

use crate::error::CliError;
use crate::scenario::ScenarioFile;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepFile {
    #[allow(dead_code)]
    pub description: Option<String>,
    pub out: Option<PathBuf>,
    #[serde(default)]
    pub base: toml::Table,
    pub grid: BTreeMap<String, Vec<toml::Value>>,
}

/// One run of the grid.
pub struct Point {
    pub label: String,
    pub values: Vec<(String, Value)>,
    pub scenario: ScenarioFile,
}

impl SweepFile {
    /// Parses the text of the sweep file at `path` (named in errors).
    pub fn parse(path: &Path, text: &str) -> Result<Self, CliError> {
        toml::from_str(text).map_err(|e| {
            CliError::usage(format!(
                "sweep {}: {}",
                path.display(),
                e.message().trim().replace('\n', " ")
            ))
        })
    }

    /// Every combination of the grid's values over the base, in a fixed order.
    pub fn points(&self) -> Result<Vec<Point>, CliError> {
        if self.grid.is_empty() || self.grid.values().any(|v| v.is_empty()) {
            return Err(CliError::usage(
                "sweep: [grid] needs at least one key with values",
            ));
        }
        let keys: Vec<&String> = self.grid.keys().collect();
        let mut combos: Vec<Vec<&toml::Value>> = vec![vec![]];
        for k in &keys {
            combos = combos
                .into_iter()
                .flat_map(|c| {
                    self.grid[*k].iter().map(move |v| {
                        let mut c = c.clone();
                        c.push(v);
                        c
                    })
                })
                .collect();
        }
        combos
            .into_iter()
            .map(|combo| {
                let mut table = self.base.clone();
                let mut values = Vec::new();
                let mut label = Vec::new();
                for (k, v) in keys.iter().zip(combo) {
                    match (table.get_mut(k.as_str()), v) {
                        // A grid of protocol names over a base with `[base.protocol.NAME]`
                        // sections keeps the sections: the name goes in as `protocol.name`.
                        (Some(toml::Value::Table(protocol)), toml::Value::String(_))
                            if k.as_str() == "protocol" =>
                        {
                            protocol.insert("name".into(), v.clone());
                        }
                        _ => {
                            table.insert((*k).clone(), v.clone());
                        }
                    }
                    values.push(((*k).clone(), toml_to_json(v)));
                    label.push(format!("{k}={v}"));
                }
                let label = label.join(" ");
                let scenario: ScenarioFile =
                    toml::Value::Table(table)
                        .try_into()
                        .map_err(|e: toml::de::Error| {
                            CliError::usage(format!("sweep point {label}: {}", e.message().trim()))
                        })?;
                Ok(Point {
                    label,
                    values,
                    scenario,
                })
            })
            .collect()
    }
}

fn toml_to_json(v: &toml::Value) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}
