//! Skills and agents' proficiencies.

use crate::Backend;
use crate::codec::{Conn, Row, db, found, get, get_uuid, key, touched, write_err};
use sb_store::{Skill, SkillRepo, StoreError, StoreResult, UserSkill, validate};
use sb_types::{SkillId, TenantId, UserId};

fn from_row(row: &Row) -> StoreResult<Skill> {
    Ok(Skill {
        id: SkillId::from_uuid(get_uuid(row, "id")?),
        tenant_id: TenantId::from_uuid(get_uuid(row, "tenant_id")?),
        name: get(row, "name")?,
    })
}

fn user_skill_from_row(row: &Row) -> StoreResult<(UserId, UserSkill)> {
    let proficiency: i64 = get(row, "proficiency")?;
    let skill = UserSkill {
        skill_id: SkillId::from_uuid(get_uuid(row, "skill_id")?),
        proficiency: u8::try_from(proficiency)
            .map_err(|e| crate::codec::corrupt("proficiency", e))?,
    };
    Ok((UserId::from_uuid(get_uuid(row, "user_id")?), skill))
}

pub(crate) async fn insert(c: &mut Conn, s: &Skill) -> StoreResult<()> {
    sqlx::query("INSERT INTO skills (id, tenant_id, name) VALUES ($1, $2, $3)")
        .bind(key(s.id.0))
        .bind(key(s.tenant_id.0))
        .bind(&s.name)
        .execute(c)
        .await
        .map_err(write_err(&format!("skill {:?}", s.name), "tenant"))?;
    Ok(())
}

pub(crate) async fn list(c: &mut Conn, tenant: TenantId) -> StoreResult<Vec<Skill>> {
    let sql = "SELECT id, tenant_id, name FROM skills WHERE tenant_id = $1 ORDER BY name";
    let rows = sqlx::query(sql)
        .bind(key(tenant.0))
        .fetch_all(c)
        .await
        .map_err(db)?;
    rows.iter().map(from_row).collect()
}

/// Every (user, skill) pair of the tenant, or of one user.
pub(crate) async fn user_skill_rows(
    c: &mut Conn,
    tenant: TenantId,
    user: Option<UserId>,
) -> StoreResult<Vec<(UserId, UserSkill)>> {
    let sql = "SELECT user_id, skill_id, proficiency FROM user_skills \
               WHERE tenant_id = $1 AND ($2 IS NULL OR user_id = $2) ORDER BY user_id, skill_id";
    let rows = sqlx::query(sql)
        .bind(key(tenant.0))
        .bind(user.map(|u| key(u.0)))
        .fetch_all(c)
        .await
        .map_err(db)?;
    rows.iter().map(user_skill_from_row).collect()
}

/// Replaces a user's skills (the caller checked the user exists in the tenant).
pub(crate) async fn replace_user_skills(
    c: &mut Conn,
    tenant: TenantId,
    user: UserId,
    skills: &[UserSkill],
) -> StoreResult<()> {
    sqlx::query("DELETE FROM user_skills WHERE tenant_id = $1 AND user_id = $2")
        .bind(key(tenant.0))
        .bind(key(user.0))
        .execute(&mut *c)
        .await
        .map_err(db)?;
    for s in skills {
        let sql = "INSERT INTO user_skills (tenant_id, user_id, skill_id, proficiency) \
                   VALUES ($1, $2, $3, $4)";
        sqlx::query(sql)
            .bind(key(tenant.0))
            .bind(key(user.0))
            .bind(key(s.skill_id.0))
            .bind(i64::from(s.proficiency))
            .execute(&mut *c)
            .await
            .map_err(write_err("user skill", &format!("skill {}", s.skill_id)))?;
    }
    Ok(())
}

fn check_user_skills(skills: &mut [UserSkill]) -> StoreResult<()> {
    for (i, s) in skills.iter().enumerate() {
        validate::proficiency(&format!("skills[{i}].proficiency"), s.proficiency)?;
    }
    skills.sort();
    let dup = skills.windows(2).any(|w| w[0].skill_id == w[1].skill_id);
    if dup {
        return Err(StoreError::invalid("skills", "a skill is listed twice"));
    }
    Ok(())
}

#[async_trait::async_trait]
impl SkillRepo for Backend {
    async fn create_skill(&self, tenant: TenantId, name: &str) -> StoreResult<Skill> {
        validate::name("name", name)?;
        let s = Skill {
            id: SkillId::from_uuid(uuid::Uuid::now_v7()),
            tenant_id: tenant,
            name: name.to_owned(),
        };
        insert(&mut *self.conn().await?, &s).await?;
        Ok(s)
    }

    async fn get_skill(&self, tenant: TenantId, id: SkillId) -> StoreResult<Skill> {
        let sql = "SELECT id, tenant_id, name FROM skills WHERE tenant_id = $1 AND id = $2";
        let row = sqlx::query(sql)
            .bind(key(tenant.0))
            .bind(key(id.0))
            .fetch_optional(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        from_row(&found(row, || format!("skill {id}"))?)
    }

    async fn list_skills(&self, tenant: TenantId) -> StoreResult<Vec<Skill>> {
        list(&mut *self.conn().await?, tenant).await
    }

    async fn delete_skill(&self, tenant: TenantId, id: SkillId) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM skills WHERE tenant_id = $1 AND id = $2")
            .bind(key(tenant.0))
            .bind(key(id.0))
            .execute(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        touched(done, || format!("skill {id}"))
    }

    async fn set_user_skills(
        &self,
        tenant: TenantId,
        user: UserId,
        mut skills: Vec<UserSkill>,
    ) -> StoreResult<()> {
        check_user_skills(&mut skills)?;
        let mut tx = self.tx().await?;
        crate::users::by_id(&mut tx, tenant, user).await?;
        replace_user_skills(&mut tx, tenant, user, &skills).await?;
        tx.commit().await.map_err(db)
    }

    async fn user_skills(&self, tenant: TenantId, user: UserId) -> StoreResult<Vec<UserSkill>> {
        let mut c = self.conn().await?;
        crate::users::by_id(&mut c, tenant, user).await?;
        let rows = user_skill_rows(&mut c, tenant, Some(user)).await?;
        let mut out: Vec<UserSkill> = rows.into_iter().map(|(_, s)| s).collect();
        out.sort();
        Ok(out)
    }
}
