//! Which flow an inbound call runs: the tenant's point of contact for the dialled number, its
//! flow's published version, compiled against the tenant's names and prompts.

use std::sync::Arc;

use sb_flow::Program;
use sb_sip_dialog::e164::normalize;
use sb_store::ContactKind;
use sb_types::TenantId;

use crate::calls::deps::CallDeps;
use crate::{flow_catalog, known_names};

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
    let version = store
        .get_published_flow(tenant, flow.id)
        .await
        .map_err(|e| format!("flow {:?} has no published version: {e}", poc.flow))?;
    let tenant_name = store
        .get_tenant(tenant)
        .await
        .map_err(|e| format!("tenant: {e}"))?
        .name;
    let mut names = known_names(store, &tenant_name)
        .await
        .map_err(|e| format!("names: {e}"))?;
    names.prompts = deps
        .prompts
        .ids(tenant)
        .await
        .map_err(|e| format!("prompts: {e}"))?;
    let text = version.document.to_string();
    sb_flow::compile_json(&text, &flow_catalog(&names))
        .map(Arc::new)
        .map_err(|d| {
            format!(
                "flow {:?} does not compile: {} problem(s)",
                poc.flow,
                d.len()
            )
        })
}
