//! Inbound INVITEs from carriers: which trunk and tenant, then the hand-over to call control.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sb_sip::{HeaderName, Method, Request, StatusCode};
use sb_sip_dialog::Error as DialogError;
use sb_sip_dialog::e164::E164;
use sb_sip_dialog::transaction::TxId;
use sb_sip_transport::{RequestHandler, Responder, ServerRequest};
use sb_store::{NewEvent, Store};
use sb_types::{TenantId, Timestamp, TrunkId};
use serde_json::json;

use super::directory::TrunkDirectory;

/// The Warning of the answer to a matched call while call control is not there yet.
pub const NOT_ROUTED_WARNING: &str = "399 switchboard \"inbound call routing is not enabled yet\"";

/// An inbound call matched to a trunk and a tenant's number.
#[derive(Debug, Clone)]
pub struct InboundCall {
    /// The tenant whose number was dialled.
    pub tenant: TenantId,
    /// The trunk it arrived on.
    pub trunk: TrunkId,
    /// The trunk's name.
    pub trunk_name: String,
    /// The dialled number.
    pub number: E164,
    /// The INVITE and its server transaction.
    pub request: ServerRequest,
}

/// Where a matched inbound call goes: call control (B2BUA, flows, media) takes it from here.
/// Until it exists the call is answered 480 with a Warning that says so.
pub fn hand_over_inbound_call(call: InboundCall, responder: Responder) {
    let mut response = call
        .request
        .request
        .make_response(StatusCode::TEMPORARILY_UNAVAILABLE, Some(&fresh_tag()));
    response
        .headers_mut()
        .push(HeaderName::Warning, NOT_ROUTED_WARNING);
    responder.respond(response);
}

/// Where matched inbound calls go once call control is attached
/// ([`InboundCalls::set_sink`]).
pub type InboundSink = Arc<dyn Fn(InboundCall, Responder) + Send + Sync>;

/// The [`RequestHandler`] for INVITEs from trunks.
pub struct InboundCalls {
    sink: Arc<std::sync::OnceLock<InboundSink>>,
    directory: Arc<TrunkDirectory>,
    store: Arc<dyn Store>,
    pending: Arc<Mutex<HashMap<TxId, (Request, Responder)>>>,
    clock: fn() -> Timestamp,
}

impl std::fmt::Debug for InboundCalls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InboundCalls").finish_non_exhaustive()
    }
}

impl InboundCalls {
    /// Matches INVITEs against `directory`, records matches in `store`'s event log; `clock`
    /// gives the time of the events.
    pub fn new(
        directory: Arc<TrunkDirectory>,
        store: Arc<dyn Store>,
        clock: fn() -> Timestamp,
    ) -> Self {
        InboundCalls {
            sink: Arc::new(std::sync::OnceLock::new()),
            directory,
            store,
            pending: Arc::new(Mutex::new(HashMap::new())),
            clock,
        }
    }
}

impl InboundCalls {
    /// Hands matched calls to `sink` (call control) instead of answering them 480; once only
    /// (false when a sink was set already).
    pub fn set_sink(&self, sink: InboundSink) -> bool {
        self.sink.set(sink).is_ok()
    }
}

fn reject(request: &Request, status: StatusCode, responder: &Responder) {
    responder.respond(request.make_response(status, Some(&fresh_tag())));
}

impl RequestHandler for InboundCalls {
    fn methods(&self) -> Vec<Method> {
        vec![Method::Invite]
    }

    fn on_request(&self, request: ServerRequest, responder: Responder) {
        if *request.request.method() != Method::Invite {
            reject(&request.request, StatusCode::NOT_IMPLEMENTED, &responder);
            return;
        }
        let source = request.peer.addr.ip();
        let Some(matcher) = self.directory.matcher() else {
            reject(&request.request, StatusCode::FORBIDDEN, &responder);
            return;
        };
        let found = match matcher.match_invite(source, &request.request) {
            Ok(m) => m,
            Err(e) => {
                let status = match e {
                    DialogError::UnknownNumber => StatusCode::NOT_FOUND,
                    _ => StatusCode::FORBIDDEN,
                };
                tracing::info!(%source, uri = %request.request.uri(), status = status.as_u16(), "inbound INVITE refused: {e}");
                reject(&request.request, status, &responder);
                return;
            }
        };
        let trunk_name = self
            .directory
            .name_of(found.trunk)
            .unwrap_or_else(|| found.trunk.to_string());
        tracing::info!(%source, tenant = %found.tenant, trunk = %trunk_name, number = %found.number.as_str(), "inbound call matched");
        if let Ok(mut p) = self.pending.lock() {
            p.insert(request.tx, (request.request.clone(), responder.clone()));
        }
        let call = InboundCall {
            tenant: found.tenant,
            trunk: found.trunk,
            trunk_name,
            number: found.number,
            request,
        };
        let store = self.store.clone();
        let pending = self.pending.clone();
        let sink = self.sink.clone();
        let at = (self.clock)();
        tokio::spawn(async move {
            let event = NewEvent {
                tenant_id: call.tenant,
                at,
                kind: "call.inbound_matched".into(),
                subject: call.trunk.to_string(),
                payload: json!({
                    "tenant": call.tenant.to_string(),
                    "trunk": call.trunk_name,
                    "number": call.number.as_str(),
                }),
            };
            if let Err(e) = store.append_event(event).await {
                tracing::warn!(error = %e, "could not record call.inbound_matched");
            }
            // Cancelled meanwhile: already answered 487.
            let still_open = pending
                .lock()
                .map(|mut p| p.remove(&call.request.tx))
                .ok()
                .flatten();
            if let Some((_, responder)) = still_open {
                match sink.get() {
                    Some(sink) => sink(call, responder),
                    None => hand_over_inbound_call(call, responder),
                }
            }
        });
    }

    fn on_cancel(&self, tx: TxId) {
        let open = self.pending.lock().ok().and_then(|mut p| p.remove(&tx));
        if let Some((request, responder)) = open {
            reject(&request, StatusCode::REQUEST_TERMINATED, &responder);
        }
    }
}

fn fresh_tag() -> String {
    let (a, _) = uuid::Uuid::new_v4().as_u64_pair();
    format!("{a:016x}")
}
