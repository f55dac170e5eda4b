//! The `bestiary` binary: parse the command line, run the subcommand, exit non-zero with one
//! clear line on failure.

use clap::Parser;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    // A missing .env is the normal case; a malformed one is worth a warning.
    let dotenv = dotenvy::dotenv();
    bestiary::telemetry::init();
    if let Err(error) = dotenv
        && !error.not_found()
    {
        tracing::warn!(%error, "ignored .env");
    }
    let cli = bestiary::cli::Cli::parse();
    match bestiary::run::run(cli.command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
