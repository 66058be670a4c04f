//! Each call joins its contact's history when it ends: who called (or was called), when, the
//! queue, the last agent and how it ended. The agent's disposition and notes join the same
//! record from the wrap-up (`sb_store::InteractionHistory`, in either order).

use sb_store::InteractionRecord;
use sb_types::{Channel, TenantId, Timestamp, UserId};

use super::control::LiveCall;
use super::deps::CallDeps;

/// Records `call`, ended at `ended_at` for `outcome`, in its contact's history; a failure is
/// logged (the call is over either way, and its events are in the log). A call between two
/// users (`internal`) has no contact and is not recorded.
pub async fn record(
    deps: &CallDeps,
    tenant: TenantId,
    call: &LiveCall,
    ended_at: Timestamp,
    outcome: &str,
) {
    if call.direction == "internal" {
        return;
    }
    let contact = if call.direction == "inbound" {
        &call.caller
    } else {
        &call.number
    };
    let record = InteractionRecord {
        tenant_id: tenant,
        id: call.id.clone(),
        channel: Channel::Voice,
        direction: call.direction.to_owned(),
        contact: if contact.is_empty() {
            "anonymous".to_owned()
        } else {
            contact.clone()
        },
        started_at: call.started_at,
        ended_at: Some(ended_at),
        queue: call.queue.clone(),
        agent: call
            .agent
            .or(call.last_agent)
            .map(|a| UserId::from_uuid(a.as_uuid())),
        outcome: Some(outcome.to_owned()),
        disposition: None,
        notes: None,
    };
    if let Err(e) = deps.store.record_interaction(record).await {
        tracing::warn!(call = %call.id, error = %e, "the call was not added to its contact's history");
    }
}
