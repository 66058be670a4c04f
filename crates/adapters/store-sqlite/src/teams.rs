//! Teams and their members.

use crate::Backend;
use crate::codec::{Conn, Row, db, get, get_uuid, key, touched, write_err};
use sb_store::{StoreError, StoreResult, Team, TeamRepo, validate};
use sb_types::{TeamId, TenantId, UserId};

fn from_row(row: &Row) -> StoreResult<Team> {
    Ok(Team {
        id: TeamId::from_uuid(get_uuid(row, "id")?),
        tenant_id: TenantId::from_uuid(get_uuid(row, "tenant_id")?),
        name: get(row, "name")?,
        members: Vec::new(),
    })
}

pub(crate) async fn insert(c: &mut Conn, t: &Team) -> StoreResult<()> {
    sqlx::query("INSERT INTO teams (id, tenant_id, name) VALUES ($1, $2, $3)")
        .bind(key(t.id.0))
        .bind(key(t.tenant_id.0))
        .bind(&t.name)
        .execute(&mut *c)
        .await
        .map_err(write_err(&format!("team {:?}", t.name), "tenant"))?;
    set_members(c, t).await
}

/// Replaces the members of an existing team of the tenant.
pub(crate) async fn set_members(c: &mut Conn, t: &Team) -> StoreResult<()> {
    sqlx::query("DELETE FROM team_members WHERE tenant_id = $1 AND team_id = $2")
        .bind(key(t.tenant_id.0))
        .bind(key(t.id.0))
        .execute(&mut *c)
        .await
        .map_err(db)?;
    for user in &t.members {
        sqlx::query("INSERT INTO team_members (tenant_id, team_id, user_id) VALUES ($1, $2, $3)")
            .bind(key(t.tenant_id.0))
            .bind(key(t.id.0))
            .bind(key(user.0))
            .execute(&mut *c)
            .await
            .map_err(write_err("team member", &format!("user {user}")))?;
    }
    Ok(())
}

async fn members(c: &mut Conn, tenant: TenantId, team: TeamId) -> StoreResult<Vec<UserId>> {
    let sql = "SELECT user_id FROM team_members WHERE tenant_id = $1 AND team_id = $2 \
               ORDER BY user_id";
    let rows = sqlx::query(sql)
        .bind(key(tenant.0))
        .bind(key(team.0))
        .fetch_all(c)
        .await
        .map_err(db)?;
    rows.iter()
        .map(|r| get_uuid(r, "user_id").map(UserId::from_uuid))
        .collect()
}

pub(crate) async fn list(c: &mut Conn, tenant: TenantId) -> StoreResult<Vec<Team>> {
    let sql = "SELECT id, tenant_id, name FROM teams WHERE tenant_id = $1 ORDER BY name";
    let rows = sqlx::query(sql)
        .bind(key(tenant.0))
        .fetch_all(&mut *c)
        .await
        .map_err(db)?;
    let mut teams = rows.iter().map(from_row).collect::<StoreResult<Vec<_>>>()?;
    for t in &mut teams {
        t.members = members(c, tenant, t.id).await?;
    }
    Ok(teams)
}

async fn by_id(c: &mut Conn, tenant: TenantId, id: TeamId) -> StoreResult<Team> {
    let sql = "SELECT id, tenant_id, name FROM teams WHERE tenant_id = $1 AND id = $2";
    let row = sqlx::query(sql)
        .bind(key(tenant.0))
        .bind(key(id.0))
        .fetch_optional(&mut *c)
        .await
        .map_err(db)?;
    let mut team = from_row(&crate::codec::found(row, || format!("team {id}"))?)?;
    team.members = members(c, tenant, id).await?;
    Ok(team)
}

fn normalise(mut members: Vec<UserId>) -> StoreResult<Vec<UserId>> {
    members.sort();
    if members.windows(2).any(|w| w[0] == w[1]) {
        return Err(StoreError::invalid("members", "a user is listed twice"));
    }
    Ok(members)
}

#[async_trait::async_trait]
impl TeamRepo for Backend {
    async fn create_team(
        &self,
        tenant: TenantId,
        name: &str,
        members: Vec<UserId>,
    ) -> StoreResult<Team> {
        validate::name("name", name)?;
        let team = Team {
            id: TeamId::from_uuid(uuid::Uuid::now_v7()),
            tenant_id: tenant,
            name: name.to_owned(),
            members: normalise(members)?,
        };
        let mut tx = self.tx().await?;
        insert(&mut tx, &team).await?;
        tx.commit().await.map_err(db)?;
        Ok(team)
    }

    async fn get_team(&self, tenant: TenantId, id: TeamId) -> StoreResult<Team> {
        by_id(&mut *self.conn().await?, tenant, id).await
    }

    async fn list_teams(&self, tenant: TenantId) -> StoreResult<Vec<Team>> {
        list(&mut *self.conn().await?, tenant).await
    }

    async fn set_team_members(
        &self,
        tenant: TenantId,
        id: TeamId,
        members: Vec<UserId>,
    ) -> StoreResult<Team> {
        let members = normalise(members)?;
        let mut tx = self.tx().await?;
        let team = Team {
            members,
            ..by_id(&mut tx, tenant, id).await?
        };
        set_members(&mut tx, &team).await?;
        tx.commit().await.map_err(db)?;
        Ok(team)
    }

    async fn delete_team(&self, tenant: TenantId, id: TeamId) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM teams WHERE tenant_id = $1 AND id = $2")
            .bind(key(tenant.0))
            .bind(key(id.0))
            .execute(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        touched(done, || format!("team {id}"))
    }
}
