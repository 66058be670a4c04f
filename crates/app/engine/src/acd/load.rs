//! A tenant's ACD configuration from the store: its queues and its routed users.

use super::EngineAcdError;
use crate::{known_names, queue_config};
use sb_acd::{AcdConfig, AcdSettings, AgentConfig, AgentSkill, CapacityRules, OverflowTarget};
use sb_store::Store;
use sb_types::{AgentId, Role, TenantId, UserId};
use std::collections::HashSet;

/// The ACD agent of a user: the same UUID (a user's id is also its agent id).
pub fn agent_of(user: UserId) -> AgentId {
    AgentId::from_uuid(user.as_uuid())
}

/// The tenant's ACD configuration: every queue whose settings are valid (others are skipped
/// with a warning, with the queues that overflow into them), and every enabled agent or
/// supervisor with their skills and the default capacity (one call at a time).
pub async fn load_config(store: &dyn Store, tenant: TenantId) -> Result<AcdConfig, EngineAcdError> {
    let name = store.get_tenant(tenant).await?.name;
    let names = known_names(store, &name).await?;
    let mut queues = Vec::new();
    for q in store.list_queues(tenant).await? {
        match queue_config(q.id, &q.name, q.channel, &q.settings, &names) {
            Ok(config) => queues.push(config),
            Err((field, reason)) => {
                tracing::warn!(%tenant, queue = %q.name, %field, %reason, "queue not routed")
            }
        }
    }
    drop_dangling_overflows(&mut queues);
    let mut agents = Vec::new();
    for user in store.list_users(tenant).await? {
        if user.disabled || !matches!(user.role, Role::Agent | Role::Supervisor) {
            continue;
        }
        let skills = store.user_skills(tenant, user.id).await?;
        agents.push(AgentConfig {
            id: agent_of(user.id),
            skills: skills
                .iter()
                .map(|s| AgentSkill {
                    skill: s.skill_id,
                    proficiency: s.proficiency,
                })
                .collect(),
            capacity: CapacityRules::default(),
        });
    }
    Ok(AcdConfig {
        tenant,
        settings: AcdSettings::default(),
        queues,
        agents,
    })
}

/// Removes queues overflowing into a queue that is not routed, until none does.
fn drop_dangling_overflows(queues: &mut Vec<sb_acd::QueueConfig>) {
    loop {
        let ids: HashSet<_> = queues.iter().map(|q| q.id).collect();
        let before = queues.len();
        queues.retain(|q| match q.overflow {
            OverflowTarget::Queue { queue } if !ids.contains(&queue) => {
                tracing::warn!(queue = %q.name, "queue not routed: its overflow queue is not");
                false
            }
            _ => true,
        });
        if queues.len() == before {
            return;
        }
    }
}
