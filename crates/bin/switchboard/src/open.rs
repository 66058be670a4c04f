//! Loading the configuration and opening the configured store. The only place that names a
//! storage backend (DESIGN.md § 3, invariant 3).

use crate::cli::ConfigArgs;
use crate::exit::bad_input;
use anyhow::Context;
use sb_config::{Config, Sources};
use sb_store::Store;
use std::sync::Arc;

/// Loads the configuration from the file, the environment and the flags.
pub fn load_config(args: &ConfigArgs) -> anyhow::Result<Config> {
    let sources = Sources {
        file: args.config.clone(),
        env: std::env::vars()
            .filter(|(k, _)| k.starts_with("SWITCHBOARD_"))
            .collect(),
        data_dir: args.data_dir.clone(),
    };
    sb_config::load(&sources).map_err(|e| bad_input(e.to_string()))
}

/// An open store, and how to close it cleanly.
pub struct OpenStore {
    /// The store behind the port.
    pub store: Arc<dyn Store>,
    closer: Closer,
}

enum Closer {
    Sqlite(Arc<sb_store_sqlite::SqliteStore>),
    Postgres(Arc<sb_store_postgres::PgStore>),
}

impl OpenStore {
    /// Waits for writes in flight and closes the connections (checkpointing SQLite's WAL).
    pub async fn close(self) {
        match self.closer {
            Closer::Sqlite(s) => s.close().await,
            Closer::Postgres(s) => s.close().await,
        }
    }
}

/// Opens (creating and migrating) the configured database.
pub async fn open_store(config: &Config) -> anyhow::Result<OpenStore> {
    if config.is_postgres() {
        let store = sb_store_postgres::PgStore::connect(&config.database.url)
            .await
            .context("connecting to PostgreSQL (database.url)")?;
        let store = Arc::new(store);
        return Ok(OpenStore {
            store: store.clone(),
            closer: Closer::Postgres(store),
        });
    }
    let path = match config.database.url.strip_prefix("sqlite:") {
        Some(p) => std::path::PathBuf::from(p.trim_start_matches("//")),
        None => config.sqlite_path(),
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let store = sb_store_sqlite::SqliteStore::open(&path)
        .await
        .with_context(|| format!("opening the SQLite database {}", path.display()))?;
    let store = Arc::new(store);
    Ok(OpenStore {
        store: store.clone(),
        closer: Closer::Sqlite(store),
    })
}
