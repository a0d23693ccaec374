//! `sweep --config F`: every scenario here, in parallel, into one table file.

use super::plan::SweepPlan;
use super::{runner, table};
use crate::error::CliError;
use crate::export::{Format, TableFile};
use std::path::{Path, PathBuf};

/// The output file and its format: `--format`, else `--out`'s extension, else the sweep
/// file's `out` (its extension swapped for `--format`'s), else Arrow.
pub fn output(
    plan: &SweepPlan,
    out: Option<&Path>,
    format: Option<Format>,
) -> Result<(PathBuf, Format), CliError> {
    match (out, format) {
        (Some(out), Some(format)) => match Format::of_path(out) {
            Some(named) if named != format => Err(CliError::usage(format!(
                "sweep: --format {} but --out {} names {}",
                format.extension(),
                out.display(),
                named.extension()
            ))),
            _ => Ok((out.to_path_buf(), format)),
        },
        (Some(out), None) => Ok((
            out.to_path_buf(),
            Format::of_path(out).unwrap_or(Format::Arrow),
        )),
        (None, format) => {
            let default = plan.default_out();
            let format = format
                .or_else(|| Format::of_path(&default))
                .unwrap_or(Format::Arrow);
            Ok((default.with_extension(format.extension()), format))
        }
    }
}

pub fn run(plan: &SweepPlan, out: &Path, format: Format, jobs: usize) -> Result<i32, CliError> {
    // Refuse an unwritable output now, not after the runs.
    TableFile::check_writable(out).map_err(|e| CliError::usage(format!("sweep out: {e:#}")))?;
    eprintln!("sweep: {} runs", plan.len());
    let indices: Vec<usize> = (0..plan.len()).collect();
    let rows = runner::run_scenarios(plan, &indices, jobs);
    let batch = table::build(plan, &indices, &rows, table::metadata(plan))?;
    let mut file = TableFile::create_at(out, format, batch.schema())?;
    file.write(&batch)?;
    let written = file.finish(&[("ecrust.status", "complete".to_string())])?;
    outln!(
        "sweep: {} runs written to {}",
        rows.len(),
        written.display()
    );
    Ok(0)
}
