//! Import planning, shared by every backend: compare a [`TenantDocument`] with the tenant's
//! current [`TenantSnapshot`], validate every reference, and produce the exact writes
//! ([`ImportOp`]s) plus the summary. Backends load the snapshot and apply the ops inside ONE
//! transaction; nothing is written unless the whole plan was made without error.

use crate::document::{Change, Counts};
use crate::{
    CannedResponse, ChannelConfig, Flow, FlowVersion, ImportSummary, NewAuditEntry, PointOfContact,
    Queue, Skill, StoreError, Team, Tenant, TenantDocument, TenantSnapshot, Trunk, User, UserSkill,
    validate,
};
use sb_types::{
    ChannelId, FlowId, PointOfContactId, QueueId, SkillId, TeamId, TenantId, Timestamp, TrunkId,
    UserId,
};
use std::collections::{BTreeSet, HashMap};

mod canned_responses;
mod entities;
mod flows;
mod users;

/// One write of an import, in the order it must be applied.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportOp {
    /// Insert the tenant.
    InsertTenant(Tenant),
    /// Update the tenant's display name, cluster and allowlist.
    UpdateTenant(Tenant),
    /// Replace the tenant's settings document (insert it if the tenant had none).
    SetTenantSettings {
        /// The tenant.
        tenant: TenantId,
        /// The new settings, a checked object.
        settings: serde_json::Value,
    },
    /// Insert a skill.
    InsertSkill(Skill),
    /// Insert a user.
    InsertUser(User),
    /// Update a user's display name, role, disabled flag, password hash and `updated_at`.
    UpdateUser(User),
    /// Replace a user's skills.
    SetUserSkills {
        /// The user.
        user: UserId,
        /// The new skills.
        skills: Vec<UserSkill>,
    },
    /// Insert a team with its members.
    InsertTeam(Team),
    /// Replace a team's members.
    UpdateTeam(Team),
    /// Insert a flow (no version yet).
    InsertFlow(Flow),
    /// Insert a flow version, or replace it if (flow, version) exists (a draft being overwritten
    /// or published).
    PutFlowVersion(FlowVersion),
    /// Move a flow's published pointer.
    SetPublished {
        /// The flow.
        flow: FlowId,
        /// The version that now runs.
        version: u32,
    },
    /// Insert a queue.
    InsertQueue(Queue),
    /// Update a queue's channel and settings.
    UpdateQueue(Queue),
    /// Insert a point of contact.
    InsertPointOfContact(PointOfContact),
    /// Update a point of contact's flow and settings.
    UpdatePointOfContact(PointOfContact),
    /// Insert a trunk.
    InsertTrunk(Trunk),
    /// Update a trunk's settings.
    UpdateTrunk(Trunk),
    /// Insert a channel account.
    InsertChannel(ChannelConfig),
    /// Update a channel account's settings.
    UpdateChannel(ChannelConfig),
    /// Insert a canned response, or replace the subject, body and `updated_at` of the one with
    /// its name (keeping the stored id).
    PutCannedResponse(CannedResponse),
}

/// The writes of an import, its summary and its audit entry.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportPlan {
    /// Writes, in order.
    pub ops: Vec<ImportOp>,
    /// What the writes amount to.
    pub summary: ImportSummary,
    /// The audit entry to append in the same transaction.
    pub audit: NewAuditEntry,
}

/// Generates fresh ids (UUID v7 in the backends, counters in tests).
pub type IdGenerator<'a> = &'a mut (dyn FnMut() -> uuid::Uuid + Send);

/// Plans the import of `doc` over `current` (`None` when no tenant has the document's name).
pub fn plan_import(
    doc: &TenantDocument,
    current: Option<&TenantSnapshot>,
    actor: &str,
    now: Timestamp,
    new_id: IdGenerator<'_>,
) -> Result<ImportPlan, StoreError> {
    if doc.version != crate::DOCUMENT_VERSION {
        return Err(StoreError::invalid(
            "version",
            "only version 1 is supported",
        ));
    }
    let (tenant, change) = plan_tenant(doc, current, now, new_id)?;
    let settings = plan_settings(doc, current, tenant.id)?;
    let empty = TenantSnapshot::empty(tenant.clone());
    let mut p = Planner::new(current.unwrap_or(&empty), now, new_id);
    p.push_tenant(&tenant, change, settings);
    p.plan_sections(doc)?;
    let audit = audit_entry(&tenant, actor, now, &p.summary);
    Ok(ImportPlan {
        ops: p.ops,
        summary: p.summary,
        audit,
    })
}

fn plan_tenant(
    doc: &TenantDocument,
    current: Option<&TenantSnapshot>,
    now: Timestamp,
    new_id: IdGenerator<'_>,
) -> Result<(Tenant, Change), StoreError> {
    let t = &doc.tenant;
    validate::tenant_name(&t.name).map_err(|e| e.within("tenant"))?;
    validate::display_name(&t.display_name).map_err(|e| e.within("tenant"))?;
    validate::name("cluster", &t.cluster).map_err(|e| e.within("tenant"))?;
    let Some(snap) = current else {
        let tenant = Tenant {
            id: TenantId::from_uuid(new_id()),
            name: t.name.clone(),
            display_name: t.display_name.clone(),
            cluster: t.cluster.clone(),
            ip_allowlist: t.ip_allowlist.clone(),
            created_at: now,
        };
        return Ok((tenant, Change::Created));
    };
    let mut tenant = snap.tenant.clone();
    tenant.display_name.clone_from(&t.display_name);
    tenant.cluster.clone_from(&t.cluster);
    tenant.ip_allowlist.clone_from(&t.ip_allowlist);
    let change = changed(tenant != snap.tenant);
    Ok((tenant, change))
}

/// The write of the document's `tenant.settings`, checked: none when the document has none
/// (the stored settings are kept) or they equal the stored ones.
fn plan_settings(
    doc: &TenantDocument,
    current: Option<&TenantSnapshot>,
    tenant: TenantId,
) -> Result<Option<ImportOp>, StoreError> {
    let Some(settings) = &doc.tenant.settings else {
        return Ok(None);
    };
    validate::tenant_settings(settings).map_err(|e| e.within("tenant"))?;
    let stored = current.map(|s| &s.settings);
    let empty = settings.as_object().is_some_and(serde_json::Map::is_empty);
    let same = stored.map_or(empty, |stored| stored == settings);
    Ok((!same).then(|| ImportOp::SetTenantSettings {
        tenant,
        settings: settings.clone(),
    }))
}

fn changed(differs: bool) -> Change {
    if differs {
        Change::Updated
    } else {
        Change::Unchanged
    }
}

fn audit_entry(tenant: &Tenant, actor: &str, now: Timestamp, s: &ImportSummary) -> NewAuditEntry {
    NewAuditEntry {
        tenant_id: tenant.id,
        at: now,
        actor: actor.to_owned(),
        ip: None,
        action: "tenant.import".to_owned(),
        target: tenant.name.clone(),
        details: serde_json::to_value(s).unwrap_or(serde_json::Value::Null),
    }
}

/// Fails with `section[i]` for the first key seen twice.
fn no_duplicates<K: Ord>(
    section: &str,
    keys: impl IntoIterator<Item = K>,
) -> Result<(), StoreError> {
    let mut seen = BTreeSet::new();
    for (i, key) in keys.into_iter().enumerate() {
        if !seen.insert(key) {
            return Err(StoreError::invalid(
                format!("{section}[{i}]"),
                "listed twice",
            ));
        }
    }
    Ok(())
}

/// The planning state: the snapshot, the names known so far, the writes and the counts.
struct Planner<'a, 'g> {
    snap: &'a TenantSnapshot,
    tenant_id: TenantId,
    now: Timestamp,
    new_id: IdGenerator<'g>,
    skills: HashMap<String, SkillId>,
    users: HashMap<String, UserId>,
    flows: BTreeSet<String>,
    ops: Vec<ImportOp>,
    summary: ImportSummary,
}

impl<'a, 'g> Planner<'a, 'g> {
    fn new(snap: &'a TenantSnapshot, now: Timestamp, new_id: IdGenerator<'g>) -> Self {
        Planner {
            snap,
            tenant_id: snap.tenant.id,
            now,
            new_id,
            skills: snap.skills.iter().map(|s| (s.name.clone(), s.id)).collect(),
            users: snap
                .users
                .iter()
                .map(|u| (u.username.clone(), u.id))
                .collect(),
            flows: snap.flows.iter().map(|(f, _)| f.name.clone()).collect(),
            ops: Vec::new(),
            summary: empty_summary(snap.tenant.id),
        }
    }

    /// The tenant's own writes: its row when it changed, then its settings when they did (new
    /// settings count as a change of the tenant: they are part of its section).
    fn push_tenant(&mut self, tenant: &Tenant, change: Change, settings: Option<ImportOp>) {
        match change {
            Change::Created => self.ops.push(ImportOp::InsertTenant(tenant.clone())),
            Change::Updated => self.ops.push(ImportOp::UpdateTenant(tenant.clone())),
            Change::Unchanged => {}
        }
        let change = match change {
            Change::Unchanged if settings.is_some() => Change::Updated,
            other => other,
        };
        self.ops.extend(settings);
        self.summary.tenant.count(change);
    }

    fn plan_sections(&mut self, doc: &TenantDocument) -> Result<(), StoreError> {
        self.plan_skills(&doc.skills)?;
        self.plan_users(&doc.users)?;
        self.plan_teams(&doc.teams)?;
        self.plan_flows(&doc.flows)?;
        self.plan_queues(&doc.queues)?;
        self.plan_points_of_contact(&doc.points_of_contact)?;
        self.plan_trunks(&doc.trunks)?;
        self.plan_channels(&doc.channels)?;
        self.plan_canned_responses(&doc.canned_responses)
    }

    fn id(&mut self) -> uuid::Uuid {
        (self.new_id)()
    }

    fn skill_id(&mut self) -> SkillId {
        SkillId::from_uuid(self.id())
    }
    fn user_id(&mut self) -> UserId {
        UserId::from_uuid(self.id())
    }
    fn team_id(&mut self) -> TeamId {
        TeamId::from_uuid(self.id())
    }
    fn flow_id(&mut self) -> FlowId {
        FlowId::from_uuid(self.id())
    }
    fn queue_id(&mut self) -> QueueId {
        QueueId::from_uuid(self.id())
    }
    fn poc_id(&mut self) -> PointOfContactId {
        PointOfContactId::from_uuid(self.id())
    }
    fn trunk_id(&mut self) -> TrunkId {
        TrunkId::from_uuid(self.id())
    }
    fn channel_id(&mut self) -> ChannelId {
        ChannelId::from_uuid(self.id())
    }
}

fn empty_summary(tenant_id: TenantId) -> ImportSummary {
    let z = Counts::default();
    ImportSummary {
        tenant_id,
        tenant: z,
        skills: z,
        teams: z,
        users: z,
        queues: z,
        points_of_contact: z,
        flows: z,
        trunks: z,
        channels: z,
        canned_responses: z,
    }
}

#[cfg(test)]
mod tests;
