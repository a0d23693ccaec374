//! `sweep --slurm`: the sweep as a Slurm job array, one shard per task. The output directory
//! gets a copy of the sweep file, `sweep.json`, the batch script and the tasks' logs; each task
//! writes its shard there (a shared filesystem on a real cluster), and `gather` merges them.

mod sbatch;
mod script;

use super::SweepArgs;
use super::manifest::{self, SweepManifest};
use super::plan::SweepPlan;
use super::shard::{check_count, sweep_manifest};
use super::survey;
use crate::error::CliError;
use anyhow::Context;
use std::path::{Path, PathBuf};

/// Array indices must stay below Slurm's MaxArraySize, 1001 by default.
const DEFAULT_MAX_SHARDS: usize = 1000;

/// A new submission of the whole sweep into `dir`.
pub fn submit(args: &SweepArgs, plan: &SweepPlan, dir: &Path) -> Result<i32, CliError> {
    let shards = args
        .shards
        .unwrap_or_else(|| plan.len().min(DEFAULT_MAX_SHARDS));
    check_count(shards, plan)?;
    if let Some(found) = SweepManifest::read(dir)? {
        if found.sweep_hash != plan.hash {
            return Err(CliError::usage(format!(
                "slurm: {} holds the shards of another sweep ({}, {}); use another --out",
                dir.display(),
                found.sweep_file,
                manifest::short(&found.sweep_hash)
            )));
        }
        return Err(CliError::usage(format!(
            "slurm: {} already holds this sweep; resubmit its missing shards with \
             --resume {}, or use another --out",
            dir.display(),
            dir.display()
        )));
    }
    // Nothing is written before we know there is a Slurm to submit to.
    let sbatch = sbatch::find()?;
    let new_dir = !dir.exists();
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::usage(format!("slurm: cannot create {}: {e}", dir.display())))?;
    std::fs::write(dir.join(manifest::SWEEP_COPY), &plan.text)
        .with_context(|| format!("cannot copy the sweep file into {}", dir.display()))?;
    manifest::write_json(
        &dir.join(manifest::SWEEP_MANIFEST),
        &sweep_manifest(plan, shards),
    )?;
    let all: Vec<usize> = (0..shards).collect();
    let submitted = submit_shards(args, &job_name(&plan.path), &sbatch, dir, shards, &all);
    if let Err(CliError::Usage(_)) = &submitted {
        // sbatch refused: nothing runs, so leave the directory as it was and a corrected
        // command can use it again.
        forget_submission(dir, new_dir);
    }
    submitted
}

/// Removes what `submit` wrote, and the directory itself if it made it.
fn forget_submission(dir: &Path, made_dir: bool) {
    for name in [
        manifest::SWEEP_MANIFEST,
        manifest::SWEEP_COPY,
        script::SCRIPT,
    ] {
        let _ = std::fs::remove_file(dir.join(name));
    }
    let _ = std::fs::remove_dir(dir.join("logs"));
    if made_dir {
        let _ = std::fs::remove_dir(dir);
    }
}

/// Resubmits the shards of `dir` that are not complete.
pub fn resume(args: &SweepArgs, dir: &Path) -> Result<i32, CliError> {
    let found = SweepManifest::read(dir)?.ok_or_else(|| {
        CliError::usage(format!(
            "slurm: --resume {}: no {} there; it is not the output of sweep --slurm",
            dir.display(),
            manifest::SWEEP_MANIFEST
        ))
    })?;
    let plan = SweepPlan::load(&dir.join(manifest::SWEEP_COPY))?;
    if plan.hash != found.sweep_hash {
        return Err(CliError::usage(format!(
            "slurm: --resume {}: {} was edited after the sweep was submitted",
            dir.display(),
            manifest::SWEEP_COPY
        )));
    }
    if let Some(config) = &args.config {
        let given = SweepPlan::load(config)?;
        if given.hash != found.sweep_hash {
            return Err(CliError::usage(format!(
                "slurm: --resume {}: it holds another sweep than {}",
                dir.display(),
                config.display()
            )));
        }
    }
    let states = survey::survey(dir, &found);
    let missing = survey::missing(&states);
    if missing.is_empty() {
        outln!(
            "slurm: all {} shards of {} are complete; merge with: {}",
            found.shards,
            dir.display(),
            gather_command(dir)
        );
        return Ok(0);
    }
    let sbatch = sbatch::find()?;
    eprintln!(
        "slurm: resubmitting shards {}",
        survey::describe_missing(&states)
    );
    let name = job_name(Path::new(&found.sweep_file));
    submit_shards(args, &name, &sbatch, dir, found.shards, &missing)
}

/// `ecrust-<sweep file stem>`, what `squeue` shows.
fn job_name(sweep_file: &Path) -> String {
    let stem = sweep_file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("sweep");
    format!("ecrust-{stem}")
}

fn submit_shards(
    args: &SweepArgs,
    job_name: &str,
    sbatch: &Path,
    dir: &Path,
    shards: usize,
    indices: &[usize],
) -> Result<i32, CliError> {
    // Absolute, because tasks may start elsewhere than here.
    let dir =
        std::fs::canonicalize(dir).with_context(|| format!("cannot resolve {}", dir.display()))?;
    let exe = std::env::current_exe().context("cannot find this program's path")?;
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs).with_context(|| format!("cannot create {}", logs.display()))?;
    let array = array_spec(indices);
    let mut sbatch_args = vec![
        "--parsable".to_string(),
        format!("--array={array}"),
        // Requeue a task whose node fails or is preempted instead of losing its shard.
        "--requeue".to_string(),
        format!("--job-name={job_name}"),
        format!("--output={}", logs.join("shard-%a-job-%A.out").display()),
    ];
    sbatch_args.extend(args.partition.iter().map(|p| format!("--partition={p}")));
    sbatch_args.extend(args.time.iter().map(|t| format!("--time={t}")));
    if args.wait {
        sbatch_args.push("--wait".to_string());
    }
    sbatch_args.extend(args.sbatch_args.iter().cloned());
    let script_path = dir.join(script::SCRIPT);
    sbatch_args.push(script_path.display().to_string());
    let script = script::text(&exe, &dir, shards, &sbatch::describe(&sbatch_args));
    std::fs::write(&script_path, script)
        .with_context(|| format!("cannot write {}", script_path.display()))?;
    let gather = gather_command(&dir);
    let outcome = sbatch::run(sbatch, &sbatch_args, args.wait, |job| {
        outln!(
            "slurm: submitted job {job}: shards {array} of {shards} into {}",
            dir.display()
        );
    })?;
    match outcome {
        sbatch::Submitted::Queued => {
            outln!("slurm: when it ends, merge with: {gather}");
            Ok(0)
        }
        sbatch::Submitted::Finished { job, success: true } => {
            outln!("slurm: job {job} finished; merge with: {gather}");
            Ok(0)
        }
        sbatch::Submitted::Finished {
            job,
            success: false,
        } => Err(CliError::Failure(anyhow::anyhow!(
            "slurm: job {job} ended with failed tasks (logs in {}); `{gather}` names the \
                 missing shards, `ecrust-ecs sweep --slurm --resume {}` reruns them",
            logs.display(),
            dir.display()
        ))),
    }
}

fn gather_command(dir: &Path) -> String {
    let merged: PathBuf = dir.join("merged.parquet");
    format!(
        "ecrust-ecs gather {} --out {}",
        script::shell_quote(&dir.display().to_string()),
        script::shell_quote(&merged.display().to_string())
    )
}

/// `0-3`, `1,4-6`: the indices as sbatch's --array takes them.
fn array_spec(indices: &[usize]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < indices.len() {
        let start = indices[i];
        let mut end = start;
        while i + 1 < indices.len() && indices[i + 1] == end + 1 {
            i += 1;
            end = indices[i];
        }
        parts.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
        i += 1;
    }
    parts.join(",")
}

#[cfg(test)]
mod tests {
    #[test]
    fn array_specs_fold_runs() {
        assert_eq!(super::array_spec(&[0, 1, 2, 3]), "0-3");
        assert_eq!(super::array_spec(&[1, 4, 5, 6, 9]), "1,4-6,9");
        assert_eq!(super::array_spec(&[2]), "2");
    }
}
