//! The [`Store`] trait itself: identity, migrations, health.

use crate::Backend;
use crate::codec::db;
use sb_store::{Store, StoreResult};

#[async_trait::async_trait]
impl Store for Backend {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn migrate(&self) -> StoreResult<()> {
        self.run_migrations().await
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        Ok(())
    }
}
