//! Tenant document import and export: load the snapshot and apply the plan inside one
//! transaction (planning itself is shared, in `sb_store::plan_import`).

use crate::codec::{Conn, db};
use crate::{
    Backend, audit, canned_responses, channels, contacts, flows, queues, skills, teams,
    tenant_settings, tenants, trunks, users,
};
use sb_store::{
    ExportOptions, ImportOp, ImportSummary, StoreResult, TenantDocument, TenantDocuments,
    TenantSnapshot, Timestamp, plan_import,
};
use sb_types::TenantId;

/// Everything the tenant has, read on one connection (a transaction for consistency).
pub(crate) async fn load_snapshot(c: &mut Conn, tenant: TenantId) -> StoreResult<TenantSnapshot> {
    let mut snap = TenantSnapshot::empty(tenants::by_id(c, tenant).await?);
    if let Some(settings) = tenant_settings::load(c, tenant).await? {
        snap.settings = settings;
    }
    snap.skills = skills::list(c, tenant).await?;
    snap.users = users::list(c, tenant).await?;
    snap.user_skills = skills::user_skill_rows(c, tenant, None).await?;
    snap.teams = teams::list(c, tenant).await?;
    snap.queues = queues::list(c, tenant).await?;
    snap.points_of_contact = contacts::list(c, tenant).await?;
    for flow in flows::list(c, tenant).await? {
        let latest = flows::latest(c, flow.id).await?;
        snap.flows.push((flow, latest));
    }
    snap.trunks = trunks::list(c, Some(tenant)).await?;
    snap.channels = channels::list(c, tenant).await?;
    snap.canned_responses = canned_responses::list(c, tenant).await?;
    Ok(snap)
}

async fn apply(c: &mut Conn, tenant: TenantId, op: &ImportOp) -> StoreResult<()> {
    match op {
        ImportOp::InsertTenant(t) => tenants::insert(c, t).await,
        ImportOp::UpdateTenant(t) => tenants::update(c, t).await,
        ImportOp::SetTenantSettings { tenant, settings } => {
            tenant_settings::put(c, *tenant, settings).await
        }
        ImportOp::InsertSkill(s) => skills::insert(c, s).await,
        ImportOp::InsertUser(u) => users::insert(c, u).await,
        ImportOp::UpdateUser(u) => users::update(c, u).await,
        ImportOp::SetUserSkills { user, skills } => {
            skills::replace_user_skills(c, tenant, *user, skills).await
        }
        ImportOp::InsertTeam(t) => teams::insert(c, t).await,
        ImportOp::UpdateTeam(t) => teams::set_members(c, t).await,
        ImportOp::InsertFlow(f) => flows::insert(c, f).await,
        ImportOp::PutFlowVersion(v) => flows::put_version(c, v).await,
        ImportOp::SetPublished { flow, version } => flows::set_published(c, *flow, *version).await,
        ImportOp::InsertQueue(q) => queues::insert(c, q).await,
        ImportOp::UpdateQueue(q) => queues::update(c, q).await,
        ImportOp::InsertPointOfContact(p) => contacts::insert(c, p).await,
        ImportOp::UpdatePointOfContact(p) => contacts::update(c, p).await,
        ImportOp::InsertTrunk(t) => trunks::insert(c, t).await,
        ImportOp::UpdateTrunk(t) => trunks::update(c, t).await,
        ImportOp::InsertChannel(ch) => channels::insert(c, ch).await,
        ImportOp::UpdateChannel(ch) => channels::update(c, ch).await,
        ImportOp::PutCannedResponse(r) => canned_responses::put(c, r).await.map(|_| ()),
    }
}

#[async_trait::async_trait]
impl TenantDocuments for Backend {
    async fn import_tenant_document(
        &self,
        doc: &TenantDocument,
        actor: &str,
        now: Timestamp,
    ) -> StoreResult<ImportSummary> {
        let mut tx = self.tx().await?;
        // Imports of the same tenant run one after the other, each planning on fresh state.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(&doc.tenant.name)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let current = match tenants::by_name(&mut tx, &doc.tenant.name).await? {
            Some(t) => Some(load_snapshot(&mut tx, t.id).await?),
            None => None,
        };
        let mut new_id = uuid::Uuid::now_v7;
        let plan = plan_import(doc, current.as_ref(), actor, now, &mut new_id)?;
        let tenant = plan.summary.tenant_id;
        for op in &plan.ops {
            apply(&mut tx, tenant, op).await?;
        }
        audit::insert(&mut tx, &plan.audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(plan.summary)
    }

    async fn export_tenant_document(
        &self,
        tenant: TenantId,
        options: ExportOptions,
    ) -> StoreResult<TenantDocument> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let snap = load_snapshot(&mut tx, tenant).await?;
        tx.rollback().await.map_err(db)?;
        Ok(snap.to_document(options))
    }
}
