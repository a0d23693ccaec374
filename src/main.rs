//! `ecrust-ecs`: run a scenario and report what happened.

/// `println!` that does not panic when stdout is a closed pipe (`| head`): the reader is gone,
/// so what is left to print is dropped.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// `print!` with the same rule as [`outln!`].
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($arg)*);
    }};
}

mod cli;
mod error;
mod export;
mod flamegraph;
mod fuzz;
mod gather;
mod interrupt;
mod jobs;
mod progress;
mod report;
mod rss;
mod run;
mod scenario;
mod sweep;

use clap::Parser;

/// Peers' pools and message buffers grow and shrink all run long, from every worker thread;
/// mimalloc's per-thread free lists serve that faster than the system allocator (see
/// BENCHMARKS.md for the measured difference). `.cargo/config.toml` builds it to commit its
/// arena on demand: peak RSS then stays flat as runs get longer, at some cost in speed
/// (BENCHMARKS.md, "Memory flatness").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
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
        Err(e) if e.exit_code() == 0 => {
            // Help and version go to stdout.
            let _ = e.print();
            return Ok(0);
        }
        Err(e) => {
            // Bad input is one line on stderr, like every other usage error.
            eprintln!("{}", error::clap_error_line(&e));
            return Ok(error::EXIT_USAGE);
        }
    };
    match &cli.command {
        Some(cli::Command::Sweep(args)) => sweep::run(args),
        Some(cli::Command::Gather(args)) => gather::run(args),
        Some(cli::Command::Fuzz {
            scenarios,
            seed,
            only,
            jobs,
            protocol,
            shrink,
        }) => fuzz::run(&fuzz::FuzzArgs {
            scenarios: *scenarios,
            first_seed: *seed,
            only: *only,
            jobs: *jobs,
            protocol,
            shrink: *shrink,
        }),
        None => run::run(&cli),
    }
}
