//! Submitting the job array with `sbatch` and reporting what it said.

use crate::error::CliError;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// How an accepted submission ended.
pub enum Submitted {
    /// Queued; not waited for.
    Queued,
    /// Waited for (`--wait`): the job id and whether every task succeeded.
    Finished { job: String, success: bool },
}

/// `sbatch` on PATH, or a usage error saying where to run instead.
pub fn find() -> Result<PathBuf, CliError> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("sbatch"))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            CliError::usage(
                "slurm: sbatch not found on PATH; run this on a Slurm login node \
                 (or locally inside scripts/slurm-local.sh -- ...)",
            )
        })
}

/// The command line, as text for people and the script's comment.
pub fn describe(args: &[String]) -> String {
    std::iter::once("sbatch".to_string())
        .chain(args.iter().map(|a| super::script::shell_quote(a)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs `sbatch ARGS` (which include `--parsable`). `on_queued` gets the job id as soon as
/// sbatch prints it, before a `--wait` ends. A refusal (no job id) is a usage error carrying
/// sbatch's own words.
pub fn run(
    sbatch: &Path,
    args: &[String],
    wait: bool,
    on_queued: impl FnOnce(&str),
) -> Result<Submitted, CliError> {
    let mut child = Command::new(sbatch)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| CliError::usage(format!("slurm: cannot run {}: {e}", sbatch.display())))?;
    let mut stderr = child.stderr.take();
    // Read in the background: sbatch --wait may write to stderr while we wait on stdout.
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(s) = stderr.as_mut() {
            let _ = s.read_to_string(&mut text);
        }
        text
    });
    let mut first_line = String::new();
    if let Some(out) = child.stdout.take() {
        let _ = BufReader::new(out).read_line(&mut first_line);
    }
    // `--parsable` prints `JOBID` or `JOBID;CLUSTER`.
    let job = first_line
        .trim()
        .split(';')
        .next()
        .filter(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()))
        .map(str::to_string);
    if let Some(job) = &job {
        on_queued(job);
    }
    let status = child
        .wait()
        .map_err(|e| CliError::Failure(anyhow::anyhow!("slurm: sbatch did not finish: {e}")))?;
    let errors = errors.join().unwrap_or_default();
    match job {
        None => {
            let said = errors
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .unwrap_or("no job id and no reason");
            Err(CliError::usage(format!(
                "slurm: sbatch refused the job ({status}): {said}"
            )))
        }
        Some(job) if wait => Ok(Submitted::Finished {
            job,
            success: status.success(),
        }),
        Some(_) => Ok(Submitted::Queued),
    }
}
