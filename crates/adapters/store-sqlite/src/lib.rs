//! SQLite backend of the storage port: the single-box default.
//!
//! [`SqliteStore::open`] creates the file if missing, sets WAL mode with `synchronous=FULL`
//! (nothing acknowledged is lost on power failure), foreign keys on and a busy timeout, and runs
//! the embedded migrations (`migrations/`). Writers that read first (import, draft saving) use
//! `BEGIN IMMEDIATE` so two of them never deadlock on the lock upgrade. Event appends, the
//! hottest write (a dozen per call), are committed in groups by one writer task
//! (`group_commit`): one WAL sync per batch instead of one per event.
//!
//! One module per aggregate, with the same file names as `sb-store-postgres`; they speak to the
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
mod group_commit;
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
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::time::Duration;

/// The SQLite store. Cheap to clone (a pool handle and the event writer's). Open it inside a
/// tokio runtime: event appends are committed in groups by a task of that runtime.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: sqlx::SqlitePool,
    events: group_commit::EventWriter,
}

/// The name the aggregate modules use, the same in both backends.
pub(crate) type Backend = SqliteStore;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

impl SqliteStore {
    /// Opens (creating if missing) the database file at `path` and migrates it.
    pub async fn open(path: impl AsRef<Path>) -> StoreResult<Self> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .map_err(codec::db)?;
        let events = group_commit::EventWriter::start(pool.clone());
        let store = SqliteStore { pool, events };
        store.run_migrations().await?;
        Ok(store)
    }

    /// Applies pending migrations.
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

    /// How many transactions the event writer has committed (one per batch of appends):
    /// with `events` appended, `events / event_commits` is the group commit's batch size.
    pub fn event_commits(&self) -> u64 {
        self.events.commits()
    }

    pub(crate) async fn conn(&self) -> StoreResult<sqlx::pool::PoolConnection<sqlx::Sqlite>> {
        self.pool.acquire().await.map_err(codec::db)
    }

    /// A write transaction that takes the write lock at once.
    pub(crate) async fn tx(&self) -> StoreResult<sqlx::Transaction<'static, sqlx::Sqlite>> {
        self.pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(codec::db)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::Row as _;

    #[tokio::test]
    async fn open_creates_the_file_in_wal_mode_with_full_sync_and_foreign_keys() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("new.db");
        let store = SqliteStore::open(&path).await.expect("open");
        assert!(path.exists());
        let mut c = store.conn().await.expect("conn");
        let mode: String = sqlx::query("PRAGMA journal_mode")
            .fetch_one(&mut *c)
            .await
            .and_then(|r| r.try_get(0))
            .expect("journal_mode");
        assert_eq!(mode, "wal");
        for (pragma, want) in [("PRAGMA synchronous", 2i64), ("PRAGMA foreign_keys", 1)] {
            let got: i64 = sqlx::query(pragma)
                .fetch_one(&mut *c)
                .await
                .and_then(|r| r.try_get(0))
                .expect("pragma");
            assert_eq!(got, want, "{pragma}");
        }
    }

    #[tokio::test]
    async fn reopening_and_migrating_again_keeps_the_data() {
        use sb_store::{NewTenant, Store, TenantRepo};
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("db");
        let store = SqliteStore::open(&path).await.expect("open");
        let new = NewTenant {
            name: "acme".to_owned(),
            display_name: String::new(),
            cluster: "C14".to_owned(),
            ip_allowlist: Vec::new(),
            created_at: sb_store::Timestamp::from_millis(5),
        };
        let t = store.create_tenant(new).await.expect("create");
        store.migrate().await.expect("migrate twice");
        store.close().await;
        let again = SqliteStore::open(&path).await.expect("reopen");
        assert_eq!(again.get_tenant(t.id).await.expect("still there"), t);
        assert_eq!(again.backend(), "sqlite");
        again.ping().await.expect("ping");
    }
}
