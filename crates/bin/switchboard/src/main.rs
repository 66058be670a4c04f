//! `switchboard`: the composition root and command line.
//!
//! One file per command under `cmd/`. Exit codes: 0 success, 1 runtime failure, 2 bad input
//! (configuration, import file, arguments) — with every problem named.
#![forbid(unsafe_code)]

mod cli;
mod cmd;
mod exit;
mod open;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(cmd::run(cli));
    exit::report(result)
}
