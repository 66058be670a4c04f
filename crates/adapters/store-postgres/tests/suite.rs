//! The storage conformance suite against PostgreSQL. Each test gets a fresh database created on
//! the server named by `SWITCHBOARD_TEST_POSTGRES_URL` (see `scripts/test-postgres.sh`). Without
//! that variable the tests are skipped with a message, unless `CI` is set: then they fail.

use sb_store_postgres::PgStore;
use sb_store_suite::{Fixture, store_suite};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

const URL_VAR: &str = "SWITCHBOARD_TEST_POSTGRES_URL";

/// Drops the test database when the test ends.
struct TestDatabase {
    admin_url: String,
    name: String,
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let (url, name) = (self.admin_url.clone(), self.name.clone());
        // Dropping runs outside the test's runtime, so use a small one of its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(rt) = rt {
                rt.block_on(drop_database(&url, &name));
            }
        })
        .join();
    }
}

async fn drop_database(admin_url: &str, name: &str) {
    use sqlx::Executor as _;
    if let Ok(pool) = sqlx::PgPool::connect(admin_url).await {
        let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        let _ = pool.execute(sqlx::AssertSqlSafe(sql)).await;
        pool.close().await;
    }
}

/// The URL with its database path replaced by `db`.
fn with_database(url: &str, db: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{db}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

async fn fresh() -> Option<Fixture> {
    let Ok(admin_url) = std::env::var(URL_VAR) else {
        if std::env::var_os("CI").is_some() {
            panic!(
                "{URL_VAR} is not set but CI is: run the PostgreSQL tests through scripts/test-postgres.sh run"
            );
        }
        eprintln!(
            "SKIPPED: {URL_VAR} is not set; run `scripts/test-postgres.sh run cargo test -p sb-store-postgres`"
        );
        return None;
    };
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "sb_test_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let admin = sqlx::PgPool::connect(&admin_url)
        .await
        .expect("connect to the test server");
    use sqlx::Executor as _;
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .await
        .expect("create test database");
    admin.close().await;
    let guard = TestDatabase {
        admin_url: admin_url.clone(),
        name: name.clone(),
    };
    let store = PgStore::connect(&with_database(&admin_url, &name))
        .await
        .expect("connect");
    Some(Fixture::new(Arc::new(store), guard))
}

store_suite!(fresh);
