//! The command line.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Switchboard: a self-hostable cloud contact center.
#[derive(Parser, Debug)]
#[command(name = "switchboard", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Where the configuration comes from (shared by every command that opens the database).
#[derive(Args, Debug, Clone, Default)]
pub struct ConfigArgs {
    /// TOML configuration file; every key can also be set as SWITCHBOARD_<KEY>.
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Data directory (SQLite database, TLS files, recordings); default ./data.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

/// The commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the platform: API and consoles over HTTPS, SIP, media, routing.
    Serve {
        #[command(flatten)]
        config: ConfigArgs,
        /// Seed the demo tenant `demo` (agents 1001-1003, number +15550100, queue support).
        #[arg(long)]
        demo: bool,
    },
    /// Create or upgrade the database schema, then exit.
    Migrate {
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Operator tasks: tenants, users, passwords, API tokens.
    Admin {
        #[command(flatten)]
        config: ConfigArgs,
        #[command(subcommand)]
        action: AdminCommand,
    },
    /// Import a tenant's whole configuration from a YAML or JSON document (idempotent,
    /// validated before anything is written, applied in one transaction).
    Import {
        #[command(flatten)]
        config: ConfigArgs,
        /// The document (`-` for standard input).
        file: PathBuf,
        /// Only validate; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Export a tenant's whole configuration as one document.
    Export {
        #[command(flatten)]
        config: ConfigArgs,
        /// The tenant's name.
        #[arg(long)]
        tenant: String,
        /// Output format.
        #[arg(long, value_enum, default_value = "yaml")]
        format: Format,
        /// Include users' password hashes (for moving a tenant between installations).
        #[arg(long)]
        include_password_hashes: bool,
    },
    /// Print a JSON Schema (the tenant document, or the configuration file).
    Schema {
        /// Which schema.
        #[arg(value_enum, default_value = "tenant-document")]
        which: SchemaKind,
    },
    /// Print the OpenAPI document of the HTTP API.
    Openapi,
    /// Check and test routing flows, like code.
    Flow {
        #[command(subcommand)]
        action: FlowCommand,
    },
    /// Run the real ACD over a scenario (arrivals, handle times, staffing) with a simulated
    /// clock and print service level, ASA, abandonment and occupancy.
    Simulate {
        /// The scenario (YAML or JSON; see examples/simulate.yaml).
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value = "yaml")]
        format: Format,
    },
}

/// `switchboard flow …`
#[derive(Subcommand, Debug)]
pub enum FlowCommand {
    /// Compile a flow document and print every problem with its block and field.
    Check {
        /// The flow document (JSON or YAML).
        file: PathBuf,
        /// Queues, skills, agents and prompts to check names against: a YAML/JSON catalog, or a
        /// test-case file with a `catalog:` section.
        #[arg(long, value_name = "FILE", conflicts_with = "tenant")]
        catalog: Option<PathBuf>,
        /// Check names against this tenant's configuration in the database instead.
        #[arg(long)]
        tenant: Option<String>,
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Run a flow against scripted cases (digits pressed, time of day, HTTP answers) and print
    /// the path taken; exits 1 if a case fails.
    Test {
        /// The flow document (JSON or YAML).
        file: PathBuf,
        /// The test cases (YAML or JSON).
        #[arg(long, value_name = "CASES")]
        script: PathBuf,
    },
}

/// `switchboard admin …`
#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Create a tenant.
    CreateTenant {
        /// Unique slug: lower-case letters, digits and dashes.
        name: String,
        /// Human name (default: the slug).
        #[arg(long)]
        display_name: Option<String>,
        /// The cluster the tenant lives on.
        #[arg(long, default_value = "C1")]
        cluster: String,
    },
    /// Create a user; the password is read from standard input or SWITCHBOARD_PASSWORD, or
    /// generated and printed.
    CreateUser {
        /// The tenant's name.
        #[arg(long)]
        tenant: String,
        /// The user name (agents: their SIP user name, e.g. 1001).
        username: String,
        /// admin, supervisor or agent.
        #[arg(long, default_value = "agent")]
        role: String,
        /// Human name.
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from standard input (one line).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password (read from standard input or SWITCHBOARD_PASSWORD, or generated and
    /// printed); also unlocks the account and ends its sessions.
    ResetPassword {
        /// The tenant's name.
        #[arg(long)]
        tenant: String,
        /// The user name.
        username: String,
        /// Read the password from standard input (one line).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a user's SIP password (for a SIP phone or the softphone to register); prints a
    /// generated one unless --password-stdin.
    SipPassword {
        /// The tenant's name.
        #[arg(long)]
        tenant: String,
        /// The user name (the SIP user name).
        username: String,
        /// Read the password from standard input (one line).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Issue a bearer API token acting as a user; prints the secret once.
    Token {
        /// The tenant's name.
        #[arg(long)]
        tenant: String,
        /// The user the token acts as.
        username: String,
        /// What the token is for.
        #[arg(long, default_value = "cli")]
        name: String,
        /// Lifetime in days (default: until revoked).
        #[arg(long)]
        expires_in_days: Option<u32>,
    },
}

/// Document formats.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum Format {
    /// YAML.
    Yaml,
    /// JSON.
    Json,
}

/// Published schemas.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum SchemaKind {
    /// The tenant configuration document of `import`/`export`.
    TenantDocument,
}
