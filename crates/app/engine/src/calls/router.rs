//! The SIP request handler for calls: new calls to their start, the rest to their call task.

use std::sync::{Arc, OnceLock};

use sb_sip::{Method, Request, StatusCode};
use sb_sip_dialog::transaction::TxId;
use sb_sip_transport::{Peer, RequestHandler, Responder, ServerRequest};

use super::deps::CallDeps;
use super::dialogs::token;
use super::registry::{CallInput, Registry};
use super::{inbound, line, outbound};
use crate::trunks::{InboundCalls, TrunkDirectory};

/// Routes call requests: see the module documentation of [`crate::calls`].
pub struct CallRouter {
    inbound: InboundCalls,
    trunks: Arc<TrunkDirectory>,
    /// Set once the SIP server (whose client the calls use) has started.
    deps: OnceLock<Arc<CallDeps>>,
    registry: Arc<Registry>,
}

impl std::fmt::Debug for CallRouter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallRouter")
            .field("calls", &self.registry.len())
            .finish_non_exhaustive()
    }
}

impl CallRouter {
    /// Calls from the sources of `trunks` go to `inbound`; calls from phones go out through
    /// trunks once [`CallRouter::attach`] has given the router what calls need (until then
    /// they are answered 503).
    pub fn new(inbound: InboundCalls, trunks: Arc<TrunkDirectory>) -> Self {
        CallRouter {
            inbound,
            trunks,
            deps: OnceLock::new(),
            registry: Arc::new(Registry::default()),
        }
    }

    /// Gives the router the SIP client, media server and store calls use (once; later calls
    /// are ignored and return false).
    pub fn attach(&self, deps: CallDeps) -> bool {
        let deps = Arc::new(deps);
        if self.deps.set(deps.clone()).is_err() {
            return false;
        }
        let registry = self.registry.clone();
        self.inbound.set_sink(Arc::new(move |call, responder| {
            inbound::spawn(deps.clone(), registry.clone(), call, responder)
        }))
    }

    /// Live call legs (by Call-ID).
    pub fn live_legs(&self) -> usize {
        self.registry.len()
    }
}

fn has_to_tag(request: &Request) -> bool {
    request
        .headers()
        .to()
        .is_ok_and(|to| to.tag().is_some_and(|t| !t.is_empty()))
}

/// Over (secure) WebSocket: a browser, never a carrier's trunk (whatever its address).
fn is_websocket(request: &ServerRequest) -> bool {
    matches!(
        request.peer.transport,
        sb_sip_transport::Transport::Ws(_) | sb_sip_transport::Transport::Wss(_)
    )
}

fn call_id(request: &Request) -> String {
    request
        .headers()
        .call_id()
        .map(str::to_owned)
        .unwrap_or_default()
}

impl RequestHandler for CallRouter {
    fn methods(&self) -> Vec<Method> {
        vec![
            Method::Invite,
            Method::Bye,
            Method::Info,
            Method::Update,
            Method::Refer,
        ]
    }

    fn requires_auth(&self, request: &ServerRequest) -> bool {
        let r = &request.request;
        *r.method() == Method::Invite
            && !has_to_tag(r)
            && (is_websocket(request) || !self.trunks.is_trunk_source(request.peer.addr.ip()))
    }

    fn on_request(&self, request: ServerRequest, responder: Responder) {
        let r = &request.request;
        if has_to_tag(r) || *r.method() != Method::Invite {
            let id = call_id(r);
            let missing = StatusCode::CALL_OR_TRANSACTION_DOES_NOT_EXIST;
            let refusal = r.make_response(missing, Some(&token()));
            let input = CallInput::Request(Box::new(request), responder.clone());
            if !self.registry.send(&id, input) {
                responder.respond(refusal);
            }
            return;
        }
        let Some(user) = request.user.clone() else {
            return self.inbound.on_request(request, responder);
        };
        match self.deps.get() {
            Some(deps) if line::opens_line(&request.request) => line::spawn(
                deps.clone(),
                self.registry.clone(),
                request,
                responder,
                user,
            ),
            Some(deps) => outbound::spawn(
                deps.clone(),
                self.registry.clone(),
                request,
                responder,
                user,
            ),
            None => {
                let busy = StatusCode::SERVICE_UNAVAILABLE;
                responder.respond(request.request.make_response(busy, Some(&token())));
            }
        }
    }

    fn on_ack(&self, ack: Request, _peer: Peer) {
        let id = call_id(&ack);
        self.registry.send(&id, CallInput::Ack);
    }

    fn on_cancel(&self, tx: TxId) {
        if !self.registry.cancel(tx) {
            self.inbound.on_cancel(tx);
        }
    }
}
