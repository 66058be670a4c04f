//! The tenant's objects by name.

use sb_flow::Catalog;
use sb_types::{AgentId, FlowId, QueueId, SkillId};
use std::collections::BTreeMap;

/// Names a document may refer to, with the ids they stand for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Names {
    /// Queues by name.
    pub queues: BTreeMap<String, QueueId>,
    /// Skills by name.
    pub skills: BTreeMap<String, SkillId>,
    /// Users (agents) by user name.
    pub users: BTreeMap<String, AgentId>,
    /// Flows by name.
    pub flows: BTreeMap<String, FlowId>,
    /// Prompt names.
    pub prompts: Vec<String>,
}

impl Names {
    /// Adds names that have no id yet (objects of a document being validated) with stable
    /// placeholder ids, keeping the ids of names already known.
    pub fn with_document_names(mut self, doc: &sb_store::TenantDocument) -> Self {
        let mut n = 0u128;
        let mut next = || {
            n += 1;
            uuid::Uuid::from_u128(n)
        };
        for q in &doc.queues {
            self.queues
                .entry(q.name.clone())
                .or_insert_with(|| QueueId::from_uuid(next()));
        }
        for s in &doc.skills {
            self.skills
                .entry(s.clone())
                .or_insert_with(|| SkillId::from_uuid(next()));
        }
        for u in &doc.users {
            self.users
                .entry(u.username.clone())
                .or_insert_with(|| AgentId::from_uuid(next()));
        }
        for f in &doc.flows {
            self.flows
                .entry(f.name.clone())
                .or_insert_with(|| FlowId::from_uuid(next()));
        }
        self
    }
}

/// The catalog flows of this tenant compile against.
pub fn flow_catalog(names: &Names) -> Catalog {
    let mut catalog = Catalog::default();
    for (name, id) in &names.queues {
        catalog = catalog.with_queue(name, *id);
    }
    for (name, id) in &names.skills {
        catalog = catalog.with_skill(name, *id);
    }
    for (name, id) in &names.users {
        catalog = catalog.with_agent(name, *id);
    }
    for prompt in &names.prompts {
        catalog = catalog.with_prompt(prompt);
    }
    catalog
}

/// Compiles a published flow document of tenant `tenant` against the tenant's names and the
/// prompts of `prompts` (the built-in ones only when `None`); `flow` names it in errors.
pub(crate) async fn compile_published(
    store: &dyn sb_store::Store,
    prompts: Option<&crate::prompts::PromptLibrary>,
    tenant: sb_types::TenantId,
    flow: &str,
    document: &serde_json::Value,
) -> Result<sb_flow::Program, String> {
    let tenant_name = store
        .get_tenant(tenant)
        .await
        .map_err(|e| format!("tenant: {e}"))?
        .name;
    let mut names = known_names(store, &tenant_name)
        .await
        .map_err(|e| format!("names: {e}"))?;
    if let Some(prompts) = prompts {
        names.prompts = prompts
            .ids(tenant)
            .await
            .map_err(|e| format!("prompts: {e}"))?;
    }
    sb_flow::compile_json(&document.to_string(), &flow_catalog(&names))
        .map_err(|d| format!("flow {flow:?} does not compile: {} problem(s)", d.len()))
}

/// The names that exist in the tenant called `tenant` (empty if there is no such tenant yet).
pub async fn known_names(
    store: &dyn sb_store::Store,
    tenant: &str,
) -> sb_store::StoreResult<Names> {
    // The built-in prompts always exist; a tenant's uploads are files the caller adds
    // (`PromptLibrary::ids`).
    let mut names = Names {
        prompts: crate::prompts::default_ids().collect(),
        ..Names::default()
    };
    let tenant = match store.get_tenant_by_name(tenant).await {
        Ok(t) => t.id,
        Err(sb_store::StoreError::NotFound { .. }) => return Ok(names),
        Err(e) => return Err(e),
    };
    for q in store.list_queues(tenant).await? {
        names.queues.insert(q.name, q.id);
    }
    for s in store.list_skills(tenant).await? {
        names.skills.insert(s.name, s.id);
    }
    for u in store.list_users(tenant).await? {
        names
            .users
            .insert(u.username, AgentId::from_uuid(u.id.as_uuid()));
    }
    for f in store.list_flows(tenant).await? {
        names.flows.insert(f.name, f.id);
    }
    Ok(names)
}
