//! `ecrust-ecs sweep`: a grid of scenarios run in parallel, one Arrow row per run.
//!
//! A sweep file has a `[base]` scenario (the keys of a scenario file) and a `[grid]` table
//! whose keys take a list of values each; every combination is run (each run on one thread,
//! runs in parallel), and all summary fields plus the grid's values go to one Arrow file.

mod grid;
mod table;

use crate::cli::Cli;
use crate::error::CliError;
use crate::report::{RunFacts, to_json};
use crate::scenario::{ScenarioFile, resolve_file};
use ecrust_systems::Simulation;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Instant;

pub fn run(config: &Path, out: Option<&Path>, jobs: usize) -> Result<i32, CliError> {
    let sweep = grid::SweepFile::load(config)?;
    let out: PathBuf = out
        .map(Path::to_path_buf)
        .or_else(|| sweep.out.clone())
        .unwrap_or_else(|| {
            let stem = config
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("sweep");
            PathBuf::from(format!("out/{stem}.arrow"))
        });
    let points = sweep.points()?;
    // Every point must be a valid scenario before anything runs.
    let cli = Cli::default();
    let configs = points
        .iter()
        .map(|p| {
            let file: ScenarioFile = p.scenario.clone();
            resolve_file(&cli, &file)
                .map(|(c, _)| c)
                .map_err(|e| CliError::usage(format!("sweep point {}: {e}", p.label)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let writer = table::SweepTable::create(&out)
        .map_err(|e| CliError::usage(format!("sweep out: {e:#}")))?;
    eprintln!("sweep: {} runs", configs.len());
    let work: Vec<_> = configs.into_iter().zip(points.iter()).collect();
    let rows: Vec<Value> = crate::jobs::map(jobs, &work, |(config, point)| {
        let config = config.clone();
        let started = Instant::now();
        let mut sim = Simulation::new(config, 1).expect("validated above");
        sim.run();
        let summary = sim.summary();
        let facts = RunFacts {
            wall_seconds: started.elapsed().as_secs_f64(),
            peak_rss_bytes: None,
            interrupted: false,
        };
        let mut row = to_json(&summary, &facts);
        if let Value::Object(map) = &mut row {
            for (k, v) in &point.values {
                map.insert(format!("grid_{k}"), v.clone());
            }
        }
        eprintln!(
            "  {}: commit_rate {:.3}, messages/commit {:.0}, violations {}",
            point.label,
            summary.commit_rate.unwrap_or(0.0),
            summary.messages_per_commit.unwrap_or(0.0),
            summary.safety_violations
        );
        row
    });
    let written = writer.finish(&rows)?;
    println!(
        "sweep: {} runs written to {}",
        rows.len(),
        written.display()
    );
    Ok(0)
}
