//! `persona`: the operator command line of persona-edge.

use clap::Parser;
use persona_store::cli::{run, Cli};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("persona: {error}");
            ExitCode::from(error.exit_code() as u8)
        }
    }
}
