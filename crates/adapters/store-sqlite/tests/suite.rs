//! The storage conformance suite against SQLite, each test on a fresh file in a temp dir.

use sb_store_sqlite::SqliteStore;
use sb_store_suite::{Fixture, store_suite};
use std::sync::Arc;

async fn fresh() -> Option<Fixture> {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(dir.path().join("switchboard.db"))
        .await
        .expect("open");
    Some(Fixture::new(Arc::new(store), dir))
}

store_suite!(fresh);
