//! Errors at the edge, with the exit code each one means.

use std::fmt;

/// Exit code for bad input (flags, config values, unreadable or unwritable paths).
pub const EXIT_USAGE: i32 = 2;
/// Exit code for a failure during the run.
pub const EXIT_FAILURE: i32 = 1;
/// Exit code for a run stopped by SIGINT (128 + 2, as shells report it).
pub const EXIT_INTERRUPTED: i32 = 130;
/// Exit code for a run whose safety checker found a violation, under `--fail-on-violation`.
pub const EXIT_VIOLATION: i32 = 1;

#[derive(Debug)]
pub enum CliError {
    /// The input is wrong; nothing was run.
    Usage(String),
    /// Something failed while running.
    Failure(anyhow::Error),
}

impl CliError {
    pub fn usage(msg: impl Into<String>) -> Self {
        CliError::Usage(msg.into())
    }

    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Usage(_) => EXIT_USAGE,
            CliError::Failure(_) => EXIT_FAILURE,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(m) => f.write_str(m),
            CliError::Failure(e) => write!(f, "{e:#}"),
        }
    }
}

impl From<anyhow::Error> for CliError {
    fn from(e: anyhow::Error) -> Self {
        CliError::Failure(e)
    }
}

/// clap's multi-line usage error folded into one line: the error, its details (e.g. the
/// possible values), without the usage and `--help` hints.
pub fn clap_error_line(e: &clap::Error) -> String {
    e.render()
        .to_string()
        .lines()
        .map(str::trim)
        .filter(|l| {
            !l.is_empty() && !l.starts_with("Usage:") && !l.starts_with("For more information")
        })
        .collect::<Vec<_>>()
        .join(" ")
}
