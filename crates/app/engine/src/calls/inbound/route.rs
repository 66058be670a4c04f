//! Which flow an inbound call runs: the tenant's point of contact for the dialled number, its
//! flow's published version, compiled against the tenant's names and prompts.
//!
//! Compiling reads every name of the tenant (queues, skills, users, flows, prompts) and builds
//! the expression engine: milliseconds per call. [`ProgramCache`] keeps the compiled program
//! per number while the number's flow and published version stay the same, for at most
//! [`NAMES_TTL_MS`] (a name the compile resolved, a queue's id say, may change meanwhile).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sb_flow::Program;
use sb_sip_dialog::e164::normalize;
use sb_store::ContactKind;
use sb_types::{FlowId, TenantId, Timestamp};

use crate::calls::deps::CallDeps;

/// How long a compiled program is used before the names it resolved are read again.
pub(super) const NAMES_TTL_MS: i64 = 30_000;

/// Compiled published flows by tenant and number (see the module documentation); clones
/// share the entries.
#[derive(Debug, Default, Clone)]
pub struct ProgramCache {
    entries: Arc<Mutex<HashMap<(TenantId, String), Compiled>>>,
}

#[derive(Debug)]
struct Compiled {
    flow: FlowId,
    version: u32,
    at: Timestamp,
    program: Arc<Program>,
}

impl ProgramCache {
    fn get(
        &self,
        key: &(TenantId, String),
        flow: FlowId,
        version: u32,
        now: Timestamp,
    ) -> Option<Arc<Program>> {
        let entries = self.entries.lock().ok()?;
        let c = entries.get(key)?;
        let fresh = now.as_millis().saturating_sub(c.at.as_millis()) < NAMES_TTL_MS;
        (c.flow == flow && c.version == version && fresh).then(|| c.program.clone())
    }

    fn put(&self, key: (TenantId, String), compiled: Compiled) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(key, compiled);
        }
    }
}

/// The compiled published flow of the point of contact `number` (E.164), or why not.
pub async fn program(
    deps: &CallDeps,
    tenant: TenantId,
    number: &str,
) -> Result<Arc<Program>, String> {
    let store = &*deps.store;
    let contacts = store
        .list_points_of_contact(tenant)
        .await
        .map_err(|e| format!("points of contact: {e}"))?;
    let poc = contacts
        .into_iter()
        .filter(|p| p.kind == ContactKind::Phone)
        .find(|p| normalize(&p.address, None).is_ok_and(|n| n.as_str() == number))
        .ok_or_else(|| format!("no point of contact for {number}"))?;
    let flow = store
        .get_flow_by_name(tenant, &poc.flow)
        .await
        .map_err(|e| format!("flow {:?}: {e}", poc.flow))?;
    let key = (tenant, number.to_owned());
    let now = (deps.clock)();
    if let Some(published) = flow.published_version
        && let Some(program) = deps.programs.get(&key, flow.id, published, now)
    {
        return Ok(program);
    }
    let version = store
        .get_published_flow(tenant, flow.id)
        .await
        .map_err(|e| format!("flow {:?} has no published version: {e}", poc.flow))?;
    let program = crate::names::compile_published(
        store,
        Some(&deps.prompts),
        tenant,
        &poc.flow,
        &version.document,
    )
    .await
    .map(Arc::new)?;
    let compiled = Compiled {
        flow: flow.id,
        version: version.version,
        at: now,
        program: program.clone(),
    };
    deps.programs.put(key, compiled);
    Ok(program)
}

#[cfg(test)]
mod tests {
    use super::{Compiled, NAMES_TTL_MS, ProgramCache};
    use sb_types::{FlowId, TenantId, Timestamp};
    use std::sync::Arc;

    fn program() -> Arc<sb_flow::Program> {
        let doc = r#"{ "start": "a", "blocks": [{ "id": "a", "type": "end" }] }"#;
        Arc::new(sb_flow::compile_json(doc, &sb_flow::Catalog::default()).expect("compiles"))
    }

    #[test]
    fn a_compiled_flow_is_reused_only_for_its_flow_and_version_and_while_fresh() {
        let cache = ProgramCache::default();
        let key = (TenantId::from_u128(1), "+15550100".to_owned());
        let (flow, other) = (FlowId::from_u128(2), FlowId::from_u128(3));
        let at = Timestamp::from_millis(1_000_000);
        let compiled = Compiled {
            flow,
            version: 3,
            at,
            program: program(),
        };
        cache.put(key.clone(), compiled);
        let later = |ms: i64| Timestamp::from_millis(at.as_millis() + ms);
        assert!(cache.get(&key, flow, 3, later(0)).is_some());
        assert!(cache.get(&key, flow, 3, later(NAMES_TTL_MS - 1)).is_some());
        assert!(
            cache.get(&key, flow, 3, later(NAMES_TTL_MS)).is_none(),
            "stale names"
        );
        assert!(
            cache.get(&key, flow, 4, later(1)).is_none(),
            "a new version"
        );
        assert!(
            cache.get(&key, other, 3, later(1)).is_none(),
            "another flow"
        );
        let number = (key.0, "+15550101".to_owned());
        assert!(
            cache.get(&number, flow, 3, later(1)).is_none(),
            "another number"
        );
    }
}
