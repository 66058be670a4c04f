//! Call events in the store's event log: one per state change, the last one (`call.ended`)
//! carrying the CDR: who called whom, when, how it ended, and each leg's quality figures.

use std::sync::Arc;

use sb_media::EndpointStats;
use sb_store::{NewEvent, Store};
use sb_types::{TenantId, Timestamp};
use serde_json::{Value, json};

use super::cause::EndCause;

/// Appends call events for one call.
#[derive(Clone)]
pub struct CallLog {
    store: Arc<dyn Store>,
    tenant: TenantId,
    call: String,
    clock: fn() -> Timestamp,
}

impl CallLog {
    /// Events of call `call` (its id) in `tenant`.
    pub fn new(
        store: Arc<dyn Store>,
        tenant: TenantId,
        call: String,
        clock: fn() -> Timestamp,
    ) -> Self {
        CallLog {
            store,
            tenant,
            call,
            clock,
        }
    }

    /// Appends `call.<kind>` with `payload` (the call id is added); a store failure is
    /// logged, never fatal to the call.
    pub async fn record(&self, kind: &str, mut payload: Value) {
        if let Value::Object(map) = &mut payload {
            map.insert("call".into(), Value::String(self.call.clone()));
        }
        let event = NewEvent {
            tenant_id: self.tenant,
            at: (self.clock)(),
            kind: format!("call.{kind}"),
            subject: self.call.clone(),
            payload,
        };
        if let Err(e) = self.store.append_event(event).await {
            tracing::warn!(call = %self.call, kind, error = %e, "call event not recorded");
        }
    }

    /// The call's id.
    pub fn call(&self) -> &str {
        &self.call
    }

    /// The time now, by the log's clock.
    pub fn now(&self) -> Timestamp {
        (self.clock)()
    }
}

/// The end-of-call figures of one leg.
pub fn leg_figures(leg: &str, stats: Option<&EndpointStats>) -> Value {
    let Some(s) = stats else {
        return json!({ "leg": leg });
    };
    let q = &s.quality;
    json!({
        "leg": leg,
        "packets_received": q.packets_received,
        "packets_sent": q.packets_sent,
        "packets_lost": q.packets_lost,
        "loss_percent": round2(q.loss_percent),
        "jitter_ms": round2(q.jitter_ms),
        "rtt_ms": q.rtt_ms.map(round2),
        "mos": round2(q.mos),
        "r_factor": round2(q.r_factor),
        "bleed_dropped": s.bleed_dropped,
        "remote": s.latched.map(|a| a.to_string()),
    })
}

/// The `call.ended` payload.
pub fn ended(
    cause: &EndCause,
    answered_at: Option<Timestamp>,
    now: Timestamp,
    legs: Vec<Value>,
) -> Value {
    let talk_ms = answered_at.map(|a| now.as_millis().saturating_sub(a.as_millis()).max(0));
    json!({
        "reason": cause.reason,
        "sip_status": cause.sip_status,
        "q850": cause.q850,
        "talk_ms": talk_ms,
        "legs": legs,
    })
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
