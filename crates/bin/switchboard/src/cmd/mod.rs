//! One file per command.

mod admin;
mod demo;
mod email;
mod export;
pub(crate) mod flow;
mod import;
mod schema;
mod serve;
mod simulate;
mod sip;

use crate::cli::{Cli, Command};

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { config, demo } => serve::run(&config, demo).await,
        Command::Migrate { config } => serve::migrate(&config).await,
        Command::Admin { config, action } => admin::run(&config, action).await,
        Command::Import {
            config,
            file,
            dry_run,
        } => import::run(&config, &file, dry_run).await,
        Command::Export {
            config,
            tenant,
            format,
            include_password_hashes,
        } => export::run(&config, &tenant, format, include_password_hashes).await,
        Command::Schema { which } => schema::run(which),
        Command::Openapi => schema::openapi(),
        Command::Flow { action } => flow::run(action).await,
        Command::Simulate { file, format } => simulate::run(&file, format),
    }
}
