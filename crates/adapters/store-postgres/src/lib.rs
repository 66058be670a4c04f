//! PostgreSQL backend of the storage port: the system of record of a cluster.
//!
//! [`PgStore::connect`] opens a pool and runs the embedded migrations (`migrations/`). Event
//! appends take a transaction-scoped advisory lock so that sequence numbers are handed out in
//! commit order (readers paging by `after_seq` never skip a late commit).
//!
//! One module per aggregate, with the same file names as `sb-store-sqlite`; they speak to the
//! database only through the `codec` module's helpers, so the two backends' aggregate files stay alike.
#![forbid(unsafe_code)]

mod audit;
mod bindings;
mod canned_responses;
mod channels;
mod codec;
mod contacts;
mod conversations;
mod devices;
mod events;
mod flows;
mod history;
mod import;
mod queues;
mod sessions;
mod sip_secrets;
mod skills;
mod store;
mod teams;
mod tenant_settings;
mod tenants;
mod tokens;
mod trunks;
mod users;
mod voicemails;

use sb_store::{StoreError, StoreResult};
use sqlx::postgres::PgPoolOptions;
use std::time::Duration;

/// The PostgreSQL store. Cheap to clone (a pool handle).
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: sqlx::PgPool,
}

/// The name the aggregate modules use, the same in both backends.
pub(crate) type Backend = PgStore;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

impl PgStore {
    /// Connects to `url` (`postgres://user:pass@host:port/db`) and migrates the database.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await
            .map_err(codec::db)?;
        let store = PgStore { pool };
        store.run_migrations().await?;
        Ok(store)
    }

    /// Applies pending migrations (concurrent runners wait on the migrator's advisory lock).
    pub async fn run_migrations(&self) -> StoreResult<()> {
        MIGRATOR
            .run(&self.pool)
            .await
            .map_err(|e| StoreError::backend(format!("migration failed: {e}")))
    }

    /// Closes the pool, waiting for connections to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub(crate) async fn conn(&self) -> StoreResult<sqlx::pool::PoolConnection<sqlx::Postgres>> {
        self.pool.acquire().await.map_err(codec::db)
    }

    /// A write transaction.
    pub(crate) async fn tx(&self) -> StoreResult<sqlx::Transaction<'static, sqlx::Postgres>> {
        self.pool.begin().await.map_err(codec::db)
    }
}
