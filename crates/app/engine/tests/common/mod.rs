//! A fresh SQLite store and tenants for the engine's integration tests.
#![allow(dead_code)]

use std::sync::Arc;

use sb_store::{NewTenant, Store, Tenant, Timestamp};
use sb_store_sqlite::SqliteStore;

/// The instant the tests count from (2026-01-01T00:00:00Z).
pub const T0: Timestamp = Timestamp::from_millis(1_767_225_600_000);

/// A new store in a temporary directory (kept alive by the returned guard).
pub async fn store() -> (Arc<dyn Store>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(dir.path().join("db.sqlite"))
        .await
        .expect("open");
    (Arc::new(store), dir)
}

/// A tenant named `name`.
pub async fn tenant(s: &dyn Store, name: &str) -> Tenant {
    s.create_tenant(NewTenant {
        name: name.to_owned(),
        display_name: name.to_owned(),
        cluster: "C1".to_owned(),
        ip_allowlist: Vec::new(),
        created_at: T0,
    })
    .await
    .expect("tenant")
}

/// The real time, for the live ACD's clock.
pub fn wall_clock() -> Timestamp {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    Timestamp::from_millis(ms)
}
