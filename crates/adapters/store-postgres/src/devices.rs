//! Agents' device choices: one row per agent who chose a desk phone or a number; none for the
//! registered phone.

use crate::Backend;
use crate::codec::{Conn, db, get_uuid, key};
use sb_store::{AgentDevice, AgentDeviceRepo, StoreError, StoreResult, validate};
use sb_types::{TenantId, UserId};

/// `NotFound` unless `user` is a user of `tenant`.
async fn user_of(c: &mut Conn, tenant: TenantId, user: UserId) -> StoreResult<()> {
    let sql = "SELECT 1 FROM users WHERE id = $1 AND tenant_id = $2";
    let row = sqlx::query(sql)
        .bind(key(user.0))
        .bind(key(tenant.0))
        .fetch_optional(c)
        .await
        .map_err(db)?;
    row.map(|_| ())
        .ok_or_else(|| StoreError::not_found(format!("user {user}")))
}

fn device_of(kind: &str, number: Option<String>) -> StoreResult<AgentDevice> {
    match (kind, number) {
        ("desk", None) => Ok(AgentDevice::Desk),
        ("pstn", Some(n)) => Ok(AgentDevice::Pstn(n)),
        _ => Err(crate::codec::corrupt("kind", format!("device {kind:?}"))),
    }
}

#[async_trait::async_trait]
impl AgentDeviceRepo for Backend {
    async fn get_agent_device(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> StoreResult<Option<AgentDevice>> {
        let mut c = self.conn().await?;
        user_of(&mut c, tenant, user).await?;
        let sql = "SELECT kind, number FROM agent_devices WHERE user_id = $1";
        let row: Option<(String, Option<String>)> = sqlx::query_as(sql)
            .bind(key(user.0))
            .fetch_optional(&mut *c)
            .await
            .map_err(db)?;
        row.map(|(kind, number)| device_of(&kind, number))
            .transpose()
    }

    async fn set_agent_device(
        &self,
        tenant: TenantId,
        user: UserId,
        device: Option<AgentDevice>,
    ) -> StoreResult<()> {
        validate::agent_device(device.as_ref())?;
        let mut c = self.conn().await?;
        user_of(&mut c, tenant, user).await?;
        let (kind, number) = match device {
            None => {
                let sql = "DELETE FROM agent_devices WHERE user_id = $1";
                sqlx::query(sql)
                    .bind(key(user.0))
                    .execute(&mut *c)
                    .await
                    .map_err(db)?;
                return Ok(());
            }
            Some(AgentDevice::Desk) => ("desk", None),
            Some(AgentDevice::Pstn(n)) => ("pstn", Some(n)),
        };
        let sql = "INSERT INTO agent_devices (user_id, tenant_id, kind, number) \
                   VALUES ($1, $2, $3, $4) ON CONFLICT (user_id) DO UPDATE \
                   SET kind = excluded.kind, number = excluded.number";
        sqlx::query(sql)
            .bind(key(user.0))
            .bind(key(tenant.0))
            .bind(kind)
            .bind(number)
            .execute(&mut *c)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn list_agent_devices(&self) -> StoreResult<Vec<(TenantId, UserId, AgentDevice)>> {
        let sql = "SELECT tenant_id, user_id, kind, number FROM agent_devices \
                   ORDER BY tenant_id, user_id";
        let rows = sqlx::query(sql)
            .fetch_all(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        rows.iter()
            .map(|r| {
                let kind: String = crate::codec::get(r, "kind")?;
                let number: Option<String> = crate::codec::get(r, "number")?;
                Ok((
                    TenantId(get_uuid(r, "tenant_id")?),
                    UserId(get_uuid(r, "user_id")?),
                    device_of(&kind, number)?,
                ))
            })
            .collect()
    }
}
