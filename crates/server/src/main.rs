//! The `zkrs` binary: parse the command line, then run an offline tool or load the config
//! and run the server.

use std::process::ExitCode;

use clap::Parser;
use server::cli::{Cli, JvmFlags};

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = Cli::parse();
    if let Some(tool) = &cli.tool {
        return server::tools::run(tool);
    }
    let config = match cli.load_config(&JvmFlags::from_env()) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!("Invalid config, exiting abnormally: {e}");
            return ExitCode::from(2);
        }
    };
    match server::runtime::run_blocking(config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("Unexpected exception, exiting abnormally: {e}");
            ExitCode::from(1)
        }
    }
}
