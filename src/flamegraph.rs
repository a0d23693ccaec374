//! `--flamegraph FILE.svg`: sample the whole run (every thread) with pprof and write a
//! flamegraph. See `profiles/README.md` for recipes and how to read one.

use crate::error::CliError;
use std::path::{Path, PathBuf};

/// Samples per second: a prime, so sampling does not lock step with periodic work.
pub const FREQUENCY_HZ: i32 = 997;

#[cfg(feature = "flamegraph")]
pub struct Profiler {
    guard: pprof::ProfilerGuard<'static>,
    path: PathBuf,
}

#[cfg(feature = "flamegraph")]
impl Profiler {
    /// Checks that `path` can be written, then starts sampling.
    pub fn start(path: &Path) -> Result<Self, CliError> {
        std::fs::File::create(path).map_err(|e| {
            CliError::usage(format!("flamegraph: cannot write {}: {e}", path.display()))
        })?;
        let guard = pprof::ProfilerGuardBuilder::default()
            .frequency(FREQUENCY_HZ)
            .blocklist(&["libc", "libgcc", "pthread", "vdso"])
            .build()
            .map_err(|e| CliError::Failure(anyhow::anyhow!("cannot start the profiler: {e}")))?;
        Ok(Self {
            guard,
            path: path.to_path_buf(),
        })
    }

    /// Stops sampling and writes the SVG.
    pub fn finish(self) -> anyhow::Result<PathBuf> {
        use anyhow::Context;
        let report = self
            .guard
            .report()
            .build()
            .context("cannot build the profile")?;
        let temp = self.path.with_extension("svg.partial");
        let file = std::fs::File::create(&temp)
            .with_context(|| format!("cannot write {}", temp.display()))?;
        report
            .flamegraph(file)
            .context("cannot render the flamegraph")?;
        std::fs::rename(&temp, &self.path)
            .with_context(|| format!("cannot write {}", self.path.display()))?;
        Ok(self.path)
    }
}

#[cfg(not(feature = "flamegraph"))]
pub struct Profiler;

#[cfg(not(feature = "flamegraph"))]
impl Profiler {
    pub fn start(_: &Path) -> Result<Self, CliError> {
        Err(CliError::usage(
            "flamegraph: this binary was built without the `flamegraph` feature",
        ))
    }

    pub fn finish(self) -> anyhow::Result<PathBuf> {
        unreachable!("a profiler cannot be started without the feature")
    }
}
