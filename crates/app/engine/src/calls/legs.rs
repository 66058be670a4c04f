//! The leg we answer as UAS: responses, and where requests to it go.

use std::net::SocketAddr;

use sb_sdp::SessionDescription;
use sb_sip::{Request, StatusCode};
use sb_sip_transport::{Destination, Responder, ServerRequest};

use super::deps::CallDeps;
use super::dialogs::{self, token};

/// A leg we answer (the phone that calls out, the caller who calls in): its INVITE, how to
/// answer it and how to reach it.
pub struct UasLeg {
    /// The INVITE we answer.
    pub invite: Request,
    /// Its server transaction.
    pub tx: sb_sip_dialog::transaction::TxId,
    /// Answers into that transaction.
    pub responder: Responder,
    /// Our To tag.
    pub tag: String,
    /// Our SIP address towards the peer.
    pub local: SocketAddr,
    /// Where requests to the peer go (its source address: symmetric, through NAT).
    pub dest: Destination,
    /// The transport name of `dest` (for our Via).
    pub transport: &'static str,
}

impl UasLeg {
    /// The leg of `request`, answered through `responder`.
    pub fn new(deps: &CallDeps, request: ServerRequest, responder: Responder) -> Self {
        let local = SocketAddr::new(
            deps.local_ip_towards(request.peer.addr),
            deps.sip_listen.port(),
        );
        let (dest, transport) = dialogs::destination_of(request.peer);
        UasLeg {
            invite: request.request,
            tx: request.tx,
            responder,
            tag: token(),
            local,
            dest,
            transport,
        }
    }

    /// Answers with `status` (and our SDP).
    pub fn respond(&self, status: StatusCode, sdp: Option<&SessionDescription>) {
        let r = dialogs::response_to(&self.invite, status, &self.tag, self.local, sdp);
        self.responder.respond(r);
    }

    /// Refuses with `status` and a Warning saying why.
    pub fn refuse(&self, status: StatusCode, warning: &str) {
        self.refuse_for(status, warning, None);
    }

    /// [`refuse`](Self::refuse), asking the caller to try again after `retry_after` seconds
    /// (RFC 3261 `Retry-After`: an overloaded node's 503).
    pub fn refuse_for(&self, status: StatusCode, warning: &str, retry_after: Option<u32>) {
        let mut r = dialogs::response_to(&self.invite, status, &self.tag, self.local, None);
        r.headers_mut().push(
            sb_sip::HeaderName::Warning,
            format!("399 switchboard \"{}\"", warning.replace('"', "'")),
        );
        if let Some(secs) = retry_after {
            r.headers_mut()
                .push(sb_sip::HeaderName::RetryAfter, secs.to_string());
        }
        self.responder.respond(r);
    }

    /// The Call-ID of the leg.
    pub fn call_id(&self) -> String {
        self.invite
            .headers()
            .call_id()
            .map(str::to_owned)
            .unwrap_or_default()
    }

    /// The dialog after our 2xx.
    pub fn dialog(&self) -> Option<sb_sip_dialog::dialog::Dialog> {
        let seed = sb_sip_dialog::wire::uas_seed(&self.invite, &self.tag).ok()?;
        Some(sb_sip_dialog::dialog::Dialog::uas(seed, true, 0))
    }

    /// The caller's number or user as it presented itself (From user part).
    pub fn caller(&self) -> String {
        self.invite
            .headers()
            .from()
            .ok()
            .and_then(|f| {
                f.uri
                    .as_sip()
                    .and_then(|u| u.user_decoded())
                    .map(|u| u.to_vec())
            })
            .map(|u| String::from_utf8_lossy(&u).into_owned())
            .unwrap_or_else(|| "anonymous".into())
    }
}

/// Sends a BYE inside `dialog` from `local` to `to`, with the Q.850 reason. Its answer is not
/// waited for: the call is over for us once it is sent (a browser that hung up at the same
/// moment may never answer it, and the call must not stay listed while its transaction times
/// out).
pub async fn bye(
    deps: &CallDeps,
    dialog: &mut sb_sip_dialog::dialog::Dialog,
    local: SocketAddr,
    to: Destination,
    transport: &str,
    cause: &super::cause::EndCause,
) {
    let Some(mut bye) = dialogs::in_dialog(dialog, "BYE", local, transport) else {
        return;
    };
    bye.headers_mut()
        .push(sb_sip::HeaderName::new("Reason"), cause.reason_header());
    dialog.terminate();
    let client = deps.client.clone();
    tokio::spawn(async move {
        if let Err(e) = client.send(bye, to).await {
            tracing::debug!(error = %e, "BYE not answered");
        }
    });
}
