//! A line's task: answers the phone's call to [`super::LINE_USER`], keeps its media endpoint
//! (lent to the calls the agent takes) and its dialog until the phone hangs up, stops sending
//! media, or a newer line of the agent replaces it.

use std::sync::Arc;

use sb_media::{CallMedia, EndpointId, MediaEvent, MediaEvents};
use sb_sdp::SessionDescription;
use sb_sip::{Method, StatusCode};
use sb_sip_dialog::dialog::Dialog;
use sb_sip_transport::{Responder, ServerRequest, SipUser};
use sb_store::NewEvent;
use sb_types::{AgentId, TenantId};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::{LineCommand, LineHandle, Loan};
use crate::calls::cause::EndCause;
use crate::calls::deps::CallDeps;
use crate::calls::inbound::AckWait;
use crate::calls::legs::{UasLeg, bye};
use crate::calls::registry::{CallInput, Registry};
use crate::calls::sdp;

/// Starts the task of a line opened by `user`'s authenticated INVITE.
pub(in crate::calls) fn spawn(
    deps: Arc<CallDeps>,
    registry: Arc<Registry>,
    request: ServerRequest,
    responder: Responder,
    user: SipUser,
) {
    let (inputs_tx, inputs) = mpsc::unbounded_channel();
    let call_id = request.request.headers().call_id().unwrap_or("").to_owned();
    registry.insert(&call_id, inputs_tx);
    let phone = UasLeg::new(&deps, request, responder);
    tokio::spawn(async move {
        match open(&deps, phone, &user).await {
            Ok(opened) => {
                let (commands_tx, commands) = mpsc::unbounded_channel();
                let handle = LineHandle {
                    commands: commands_tx,
                    call_id: call_id.clone(),
                    webrtc: opened.webrtc,
                };
                let (tenant, agent) = (opened.tenant, opened.agent);
                let line = Line {
                    deps: deps.clone(),
                    inputs,
                    commands,
                    lent_to: None,
                    unlisted: Some(handle),
                    opened,
                };
                line.run().await;
                deps.lines.remove(tenant, agent, &call_id);
            }
            Err((phone, status, why)) => phone.refuse(status, why),
        }
        registry.remove(std::slice::from_ref(&call_id));
    });
}

/// A line answered.
struct Opened {
    tenant: TenantId,
    agent: AgentId,
    phone: UasLeg,
    dialog: Dialog,
    media: CallMedia,
    events: MediaEvents,
    endpoint: EndpointId,
    answer: SessionDescription,
    webrtc: bool,
}

type Refused = (UasLeg, StatusCode, &'static str);

/// Checks who calls, opens the line's media and answers.
async fn open(deps: &CallDeps, phone: UasLeg, user: &SipUser) -> Result<Opened, Refused> {
    let store = &deps.store;
    let Ok(tenant) = store.get_tenant_by_name(&user.realm).await else {
        return Err((phone, StatusCode::FORBIDDEN, "unknown tenant"));
    };
    let Ok(account) = store.get_user_by_username(tenant.id, &user.username).await else {
        return Err((phone, StatusCode::FORBIDDEN, "a line is for agents' phones"));
    };
    let agent = crate::acd::agent_of(account.id);
    let Ok(offer) = sb_sdp::parse_bytes(phone.invite.body()) else {
        return Err((
            phone,
            StatusCode::NOT_ACCEPTABLE_HERE,
            "an SDP offer is required",
        ));
    };
    let Ok((media, events)) = deps.media.open_call() else {
        return Err((phone, StatusCode::SERVICE_UNAVAILABLE, "no media available"));
    };
    let webrtc = sdp::is_webrtc(&offer);
    let answered = match webrtc {
        true => webrtc_endpoint(&media, &offer).await,
        false => rtp_endpoint(&media, &offer, phone.local.ip()).await,
    };
    let Some((endpoint, answer)) = answered else {
        let _ = media.close().await;
        return Err((phone, StatusCode::NOT_ACCEPTABLE_HERE, sdp::CODECS_WE_TAKE));
    };
    phone.respond(StatusCode::OK, Some(&answer));
    let Some(dialog) = phone.dialog() else {
        let _ = media.close().await;
        return Err((
            phone,
            StatusCode::BAD_REQUEST,
            "the INVITE cannot start a dialog",
        ));
    };
    Ok(Opened {
        tenant: tenant.id,
        agent,
        phone,
        dialog,
        media,
        events,
        endpoint,
        answer,
        webrtc,
    })
}

async fn webrtc_endpoint(
    media: &CallMedia,
    offer: &SessionDescription,
) -> Option<(EndpointId, SessionDescription)> {
    let spec = sb_media::WebRtcSpec {
        label: "line".into(),
        offer_sdp: offer.to_string(),
    };
    let info = media.add_webrtc_endpoint(spec).await.ok()?;
    let answer = sb_sdp::parse_bytes(info.answer_sdp.as_bytes()).ok()?;
    Some((info.id, answer))
}

async fn rtp_endpoint(
    media: &CallMedia,
    offer: &SessionDescription,
    ip: std::net::IpAddr,
) -> Option<(EndpointId, SessionDescription)> {
    let stream = sdp::negotiate_offer(offer).ok()?;
    let pt = sdp::call_payload_type(&stream);
    let info = media
        .add_endpoint(sdp::endpoint_spec("line", Some(&stream), pt))
        .await
        .ok()?;
    let local = sdp::answer_media(ip, info.local.port(), &stream);
    let answer = sb_sdp::answer(offer, &local).ok()?.sdp;
    Some((info.id, answer))
}

struct Line {
    deps: Arc<CallDeps>,
    inputs: mpsc::UnboundedReceiver<CallInput>,
    commands: mpsc::UnboundedReceiver<LineCommand>,
    /// The call the endpoint was last lent to.
    lent_to: Option<mpsc::UnboundedSender<CallInput>>,
    /// The line's handle until offers may use it: a SIP phone's at once, a browser's once its
    /// media flows (ICE and DTLS-SRTP done: its first packet latched).
    unlisted: Option<LineHandle>,
    opened: Opened,
}

impl Line {
    async fn run(mut self) {
        self.log("opened", json!({ "webrtc": self.opened.webrtc }))
            .await;
        if !self.opened.webrtc {
            self.list();
        }
        let mut acks = AckWait::new();
        let cause = loop {
            tokio::select! {
                input = self.inputs.recv() => match input {
                    None => break Some(EndCause::new("shutdown", 200)),
                    Some(CallInput::Ack) => acks.acked(),
                    Some(CallInput::Cancel) => {}
                    Some(CallInput::Control(_, reply)) => {
                        let _ = reply.send(Err("a line is not a call".into()));
                    }
                    Some(CallInput::Surrender(s)) => {
                        crate::calls::replaces::refuse(*s, "Replaces names an agent's line");
                    }
                    Some(CallInput::Request(r, responder)) => {
                        if self.request(*r, responder).await {
                            break None;
                        }
                    }
                },
                command = self.commands.recv() => match command {
                    Some(LineCommand::Lend { to, call, reply }) => {
                        let _ = reply.send(self.lend(&to, call).await);
                    }
                    Some(LineCommand::Replaced) | None => {
                        break Some(EndCause::new("line_replaced", 200));
                    }
                },
                event = self.opened.events.recv() => match event {
                    Some(MediaEvent::Timeout { .. }) | None => {
                        break Some(EndCause::new("media_timeout", 408));
                    }
                    Some(MediaEvent::Latched { .. }) => self.list(),
                    Some(_) => {}
                },
                () = acks.due(), if acks.waiting() => {
                    if acks.expired() {
                        break Some(EndCause::new("phone_no_ack", 408));
                    }
                    let answer = &self.opened.answer;
                    self.opened.phone.respond(StatusCode::OK, Some(answer));
                    acks.backoff();
                }
            }
        };
        let reason = match &cause {
            Some(cause) => {
                self.hang_up(cause).await;
                cause.reason
            }
            None => "phone_hangup",
        };
        let _ = self.opened.media.close().await;
        self.log("closed", json!({ "reason": reason })).await;
    }

    /// Lists the line: offers to the agent ring on it from now on.
    fn list(&mut self) {
        if let Some(handle) = self.unlisted.take() {
            let o = &self.opened;
            self.deps.lines.insert(o.tenant, o.agent, handle);
        }
    }

    /// Lends the endpoint to the call of `to`.
    async fn lend(
        &mut self,
        to: &CallMedia,
        call: mpsc::UnboundedSender<CallInput>,
    ) -> Result<Loan, String> {
        let o = &self.opened;
        match o.media.lend(o.endpoint, to).await {
            Ok(()) => {}
            Err(sb_media::MediaError::Closed(_)) => {
                return Err("the agent's line is on a call".into());
            }
            Err(e) => return Err(format!("the agent's line: {e}")),
        }
        self.lent_to = Some(call);
        Ok(Loan {
            endpoint: o.endpoint,
            dialog: o.dialog.clone(),
            local: o.phone.local,
            dest: o.phone.dest,
            transport: o.phone.transport,
            call_id: o.phone.call_id(),
        })
    }

    /// A request on the line; true when it ends the line (a BYE).
    async fn request(&mut self, request: ServerRequest, responder: Responder) -> bool {
        let r = &request.request;
        let ok = r.make_response(StatusCode::OK, None);
        match r.method() {
            Method::Bye => {
                // During a call the BYE is the agent hanging up: the call answers it.
                let home = self.opened.media.stats(self.opened.endpoint).await.is_ok();
                let input = CallInput::Request(Box::new(request), responder);
                let unsent = match self.lent_to.take().filter(|_| !home) {
                    Some(call) => call.send(input).err().map(|e| e.0),
                    None => Some(input),
                };
                if let Some(CallInput::Request(_, responder)) = unsent {
                    responder.respond(ok);
                }
                true
            }
            _ => {
                // A re-offer (session refresh, hold) gets the line's own description.
                let answered =
                    crate::calls::reoffer::answer(&request.request, Some(&mut self.opened.answer));
                responder.respond(answered.response);
                if let Some(sends) = answered.peer_sends {
                    let (media, endpoint) = (&self.opened.media, self.opened.endpoint);
                    let _ = media.expect_media(endpoint, sends).await;
                }
                false
            }
        }
    }

    async fn hang_up(&mut self, cause: &EndCause) {
        let o = &mut self.opened;
        let (local, dest, transport) = (o.phone.local, o.phone.dest, o.phone.transport);
        bye(&self.deps, &mut o.dialog, local, dest, transport, cause).await;
    }

    /// Appends `line.<kind>` to the tenant's event log (subject: the agent).
    async fn log(&self, kind: &str, mut payload: Value) {
        if let Value::Object(map) = &mut payload {
            map.insert("agent".into(), json!(self.opened.agent.to_string()));
            map.insert("line".into(), json!(self.opened.phone.call_id()));
        }
        let event = NewEvent {
            tenant_id: self.opened.tenant,
            at: (self.deps.clock)(),
            kind: format!("line.{kind}"),
            subject: self.opened.agent.to_string(),
            payload,
        };
        if let Err(e) = self.deps.store.append_event(event).await {
            tracing::warn!(kind, error = %e, "line event not recorded");
        }
    }
}
