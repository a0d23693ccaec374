//! The batch script each array task runs: one shard of the sweep, by its task id.

use std::path::Path;

pub const SCRIPT: &str = "shard.sbatch";

/// Quotes `s` for a POSIX shell: paths with spaces or quotes stay one word.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// `exe` and `dir` are absolute: the task runs on another node, maybe in another directory.
/// `sbatch_command` is recorded as a comment, so people can see (and redo) what was run.
pub fn text(exe: &Path, dir: &Path, shards: usize, sbatch_command: &str) -> String {
    let exe = shell_quote(&exe.to_string_lossy());
    let config = shell_quote(
        &dir.join(super::super::manifest::SWEEP_COPY)
            .to_string_lossy(),
    );
    let out = shell_quote(&dir.to_string_lossy());
    format!(
        "#!/bin/sh\n\
         # Written by `ecrust-ecs sweep --slurm`: each task of the job array runs one shard of\n\
         # the sweep (the scenarios whose index is the task id modulo {shards}). Submitted as:\n\
         #   {sbatch_command}\n\
         # `ecrust-ecs gather` merges the shards; `ecrust-ecs sweep --slurm --resume DIR`\n\
         # resubmits the ones that are missing.\n\
         exec {exe} sweep --config {config} --shard \"${{SLURM_ARRAY_TASK_ID}}/{shards}\" \
         --out {out} --jobs \"${{SLURM_CPUS_PER_TASK:-1}}\"\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_keeps_one_word() {
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }

    #[test]
    fn the_script_runs_the_task_s_shard() {
        let s = text(Path::new("/bin/e"), Path::new("/o/d"), 4, "sbatch x");
        assert!(s.starts_with("#!/bin/sh\n"));
        assert!(s.contains("--shard \"${SLURM_ARRAY_TASK_ID}/4\""), "{s}");
        assert!(s.contains("--config '/o/d/sweep.toml'"), "{s}");
    }
}
