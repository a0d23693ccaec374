//! `ecrust-ecs`: run a scenario and report what happened.

mod cli;
mod error;
mod progress;
mod report;
mod rss;
mod run;
mod scenario;

use clap::Parser;
use error::CliError;

fn main() {
    let code = match real_main() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
    };
    std::process::exit(code);
}

/// Folds clap's multi-line usage error into one line: the message and the allowed values.
fn one_line(rendered: &str) -> String {
    rendered
        .lines()
        .map(str::trim)
        .filter(|l| {
            !l.is_empty() && !l.starts_with("For more information") && !l.starts_with("Usage:")
        })
        .map(|l| l.trim_start_matches("error: "))
        .collect::<Vec<_>>()
        .join(" ")
}

fn real_main() -> Result<i32, CliError> {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version go to stdout with exit code 0.
            let _ = e.print();
            return Ok(e.exit_code());
        }
        Err(e) => return Err(CliError::usage(one_line(&e.render().to_string()))),
    };
    run::run(&cli)
}
