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

fn real_main() -> Result<i32, CliError> {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version to stdout (exit 0) and usage errors to stderr (exit 2).
            let _ = e.print();
            return Ok(e.exit_code());
        }
    };
    run::run(&cli)
}
