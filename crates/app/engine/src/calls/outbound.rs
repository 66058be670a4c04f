//! A call placed by a user's phone, out through the tenant's trunk: the phone's leg (we are
//! its UAS) and the carrier's leg (we are its UAC), both anchored on our media server.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use sb_media::{CallMedia, EndpointId, MediaEvent, MediaEvents};
use sb_sdp::{NegotiatedStream, SessionDescription};
use sb_sip::{Method, Request, Response, StatusCode};
use sb_sip_dialog::dialog::Dialog;
use sb_sip_dialog::e164::{E164, normalize};
use sb_sip_dialog::wire;
use sb_sip_transport::{Destination, Responder, ServerRequest, SipUser};
use sb_types::AgentId;
use serde_json::json;
use tokio::sync::mpsc::{self, UnboundedReceiver};

use super::bridge::{Bridge, Effect};
use super::cause::{EndCause, relayed_status};
use super::control::LiveCall;
use super::deps::CallDeps;
use super::dialogs::{self, CarrierInvite, token};
use super::events::{CallLog, ended, leg_figures};
use super::legs::UasLeg;
use super::registry::{CallInput, Registry};
use super::sdp;
use crate::trunks::OutboundTrunk;

/// How long the phone's ACK to our 2xx is awaited (64 × T1) before the call is torn down.
const ACK_WAIT: Duration = Duration::from_secs(32);

/// Starts the call task for an authenticated INVITE from `user`'s phone.
pub(super) fn spawn(
    deps: Arc<CallDeps>,
    registry: Arc<Registry>,
    request: ServerRequest,
    responder: Responder,
    user: SipUser,
) {
    let (inputs_tx, inputs) = mpsc::unbounded_channel();
    let owner = inputs_tx.clone();
    let phone_call_id = request.request.headers().call_id().unwrap_or("").to_owned();
    registry.insert(&phone_call_id, inputs_tx.clone());
    registry.insert_invite(request.tx, &phone_call_id);
    let phone = UasLeg::new(&deps, request, responder);
    tokio::spawn(async move {
        let mut ids = vec![phone_call_id];
        let carrier_call_id = format!("{}@switchboard", token());
        registry.insert(&carrier_call_id, inputs_tx.clone());
        ids.push(carrier_call_id.clone());
        let call = Call {
            deps,
            registry: registry.clone(),
            phone,
            inputs,
            inputs_tx,
            carrier_call_id,
            engaged: None,
        };
        call.run(user).await;
        registry.remove_owned(&ids, &owner);
    });
}

/// Why a call could not be placed: what the phone hears.
struct Refusal {
    status: StatusCode,
    warning: String,
}

fn refusal(status: StatusCode, warning: impl Into<String>) -> Refusal {
    Refusal {
        status,
        warning: warning.into(),
    }
}

/// What the phone asked for, checked.
struct Plan {
    log: CallLog,
    tenant: sb_types::TenantId,
    /// The agent whose phone calls (when the SIP user is a user of the tenant).
    agent: Option<sb_types::AgentId>,
    trunk: OutboundTrunk,
    number: E164,
    phone_offer: SessionDescription,
    /// The phone's stream (plain RTP), or `None` for a browser's WebRTC offer.
    phone_stream: Option<Box<NegotiatedStream>>,
    carrier: Destination,
}

/// The media of both legs.
struct Media {
    call: CallMedia,
    events: MediaEvents,
    phone: EndpointId,
    carrier: EndpointId,
    phone_answer: SessionDescription,
    carrier_offer: SessionDescription,
    /// The G.711 payload type both legs use.
    payload_type: u8,
}

/// How dialling the carrier ended.
enum Dialled {
    Answered {
        invite: Box<Request>,
        response: Box<Response>,
    },
    Failed(EndCause, StatusCode),
    Cancelled,
}

struct Call {
    deps: Arc<CallDeps>,
    registry: Arc<Registry>,
    phone: UasLeg,
    inputs: UnboundedReceiver<CallInput>,
    inputs_tx: mpsc::UnboundedSender<CallInput>,
    carrier_call_id: String,
    /// The agent kept busy in the ACD while the call lasts.
    engaged: Option<crate::acd::Engagement>,
}

impl Call {
    async fn run(mut self, user: SipUser) {
        let store = self.deps.store.clone();
        let Ok(tenant) = store.get_tenant_by_name(&user.realm).await else {
            return self.phone.refuse(StatusCode::FORBIDDEN, "unknown tenant");
        };
        let caller = store.get_user_by_username(tenant.id, &user.username).await;
        let agent = caller.ok().map(|u| crate::acd::agent_of(u.id));
        if let Some(callee) = self.colleague(tenant.id).await {
            return self.internal(user, (tenant.id, agent), callee).await;
        }
        let plan = match self.plan(tenant.id, agent).await {
            Ok(p) => p,
            Err(r) => return self.phone.refuse(r.status, &r.warning),
        };
        plan.log
            .record(
                "created",
                json!({
                    "direction": "outbound",
                    "user": user.username,
                    "number": plan.number.as_str(),
                    "trunk": plan.trunk.name,
                }),
            )
            .await;
        if let Some(agent) = plan.agent {
            let (acd, voice) = (&self.deps.acd, sb_types::Channel::Voice);
            self.engaged = crate::acd::Engagement::start(acd, plan.tenant, agent, voice).await;
        }
        let media = match self.media(&plan).await {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(error = %e, "no media for an outbound call");
                let status = StatusCode::SERVICE_UNAVAILABLE;
                self.phone.refuse(status, "no media port available");
                let cause = EndCause::new("no_media", status.as_u16());
                return self.finish(&plan, None, cause, None).await;
            }
        };
        self.connect_and_talk(plan, media).await;
    }

    /// The user of `tenant` the phone dials by name (an extension), if it does.
    async fn colleague(&self, tenant: sb_types::TenantId) -> Option<(AgentId, String)> {
        let dialled = self.phone.invite.uri().as_sip()?.user_decoded()?;
        let dialled = String::from_utf8(dialled).ok()?;
        let store = &self.deps.store;
        let callee = store.get_user_by_username(tenant, &dialled).await.ok()?;
        Some((crate::acd::agent_of(callee.id), callee.username))
    }

    /// A call to a colleague: rung and connected by the inbound call machinery.
    async fn internal(
        mut self,
        user: SipUser,
        (tenant, agent): (sb_types::TenantId, Option<AgentId>),
        callee: (AgentId, String),
    ) {
        if callee.1 == user.username {
            return self
                .phone
                .refuse(StatusCode::BUSY_HERE, "you cannot call yourself");
        }
        let offer = sb_sdp::parse_bytes(self.phone.invite.body());
        if offer.is_ok_and(|o| sdp::is_webrtc(&o)) {
            let why = "the console cannot call a colleague yet: consult them from a call";
            return self.phone.refuse(StatusCode::NOT_ACCEPTABLE_HERE, why);
        }
        let engaged = match agent {
            Some(agent) => {
                let (acd, voice) = (&self.deps.acd, sb_types::Channel::Voice);
                crate::acd::Engagement::start(acd, tenant, agent, voice).await
            }
            None => None,
        };
        let (_, closed) = mpsc::unbounded_channel();
        let internal = super::inbound::Internal {
            deps: self.deps.clone(),
            registry: self.registry.clone(),
            tenant,
            phone: self.phone,
            from: user.username,
            callee,
            inputs: std::mem::replace(&mut self.inputs, closed),
            inputs_tx: self.inputs_tx.clone(),
            engaged,
        };
        super::inbound::internal(internal).await;
    }

    /// The call `agent`'s phone places in `tenant`, checked.
    async fn plan(
        &self,
        tenant: sb_types::TenantId,
        agent: Option<AgentId>,
    ) -> Result<Plan, Refusal> {
        let deps = &self.deps;
        let trunk = deps.trunks.outbound_trunk(tenant).ok_or_else(|| {
            refusal(
                StatusCode::SERVICE_UNAVAILABLE,
                "no trunk places outbound calls",
            )
        })?;
        let number = dialled(&self.phone.invite, &trunk).ok_or_else(|| {
            refusal(
                StatusCode::ADDRESS_INCOMPLETE,
                "the number is not a valid phone number",
            )
        })?;
        let body = self.phone.invite.body();
        let phone_offer = sb_sdp::parse_bytes(body)
            .map_err(|_| refusal(StatusCode::NOT_ACCEPTABLE_HERE, "an SDP offer is required"))?;
        let phone_stream = match sdp::is_webrtc(&phone_offer) {
            true => None,
            false => Some(Box::new(sdp::negotiate_offer(&phone_offer).map_err(
                |_| refusal(StatusCode::NOT_ACCEPTABLE_HERE, sdp::CODECS_WE_TAKE),
            )?)),
        };
        let carrier = deps
            .resolver
            .resolve(&trunk.proxy)
            .await
            .ok()
            .and_then(|d| d.into_iter().next())
            .ok_or_else(|| {
                refusal(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the trunk's server cannot be located",
                )
            })?;
        let log = CallLog::new(
            deps.store.clone(),
            tenant,
            self.carrier_call_id.clone(),
            deps.clock,
        );
        Ok(Plan {
            log,
            tenant,
            agent,
            trunk,
            number,
            phone_offer,
            phone_stream,
            carrier,
        })
    }

    async fn media(&self, plan: &Plan) -> Result<Media, sb_media::MediaError> {
        let (call, events) = self.deps.media.open_call()?;
        let (phone, phone_answer, pt) = match &plan.phone_stream {
            Some(stream) => {
                let pt = sdp::call_payload_type(stream);
                let spec = sdp::endpoint_spec("phone", Some(stream), pt);
                let phone = call.add_endpoint(spec).await?;
                let local = sdp::answer_media(self.phone.local.ip(), phone.local.port(), stream);
                let answer = sb_sdp::answer(&plan.phone_offer, &local)
                    .map_err(|e| sb_media::MediaError::Config(e.to_string()))?;
                (phone.id, answer.sdp, pt)
            }
            None => self.webrtc_phone(&call, plan).await?,
        };
        let carrier = call
            .add_endpoint(sdp::endpoint_spec("carrier", None, pt))
            .await?;
        let carrier_ip = self.deps.local_ip_towards(plan.carrier.addr);
        let srtp = plan.trunk.plan.srtp;
        let carrier_offer = sb_sdp::offer(&sdp::offer_media(
            carrier_ip,
            carrier.local.port(),
            pt,
            srtp,
        ));
        Ok(Media {
            call,
            events,
            phone,
            carrier: carrier.id,
            phone_answer,
            carrier_offer,
            payload_type: pt,
        })
    }

    /// A browser's leg: a WebRTC endpoint answering its offer; the carrier is offered the G.711
    /// law the answer chose (the first format of its audio section).
    async fn webrtc_phone(
        &self,
        call: &CallMedia,
        plan: &Plan,
    ) -> Result<(EndpointId, SessionDescription, u8), sb_media::MediaError> {
        let spec = sb_media::WebRtcSpec {
            label: "phone".into(),
            offer_sdp: plan.phone_offer.to_string(),
        };
        let info = call.add_webrtc_endpoint(spec).await?;
        let answer = sb_sdp::parse_bytes(info.answer_sdp.as_bytes())
            .map_err(|e| sb_media::MediaError::Config(format!("our WebRTC answer: {e}")))?;
        let chosen = answer.media.first().and_then(|m| m.formats.first());
        let pt = match chosen.and_then(|f| f.parse::<u8>().ok()) {
            Some(sb_media::PT_PCMA) => sb_media::PT_PCMA,
            _ => sb_media::PT_PCMU,
        };
        Ok((info.id, answer, pt))
    }

    fn carrier_local(&self, plan: &Plan) -> SocketAddr {
        SocketAddr::new(
            self.deps.local_ip_towards(plan.carrier.addr),
            self.deps.sip_listen.port(),
        )
    }

    async fn connect_and_talk(&mut self, plan: Plan, mut media: Media) {
        let from_tag = token();
        let invite = dialogs::carrier_invite(&CarrierInvite {
            number: &plan.number,
            trunk: &plan.trunk,
            local: self.carrier_local(&plan),
            sdp: &media.carrier_offer,
            call_id: &self.carrier_call_id,
            from_tag: &from_tag,
            caller_id: &Default::default(),
        });
        match self.dial(&plan, &mut media, invite).await {
            Dialled::Answered { invite, response } => {
                self.answered(plan, media, *invite, *response).await
            }
            Dialled::Failed(cause, status) => {
                self.phone.respond(relayed_status(status), None);
                self.finish(&plan, Some(&media), cause, None).await;
            }
            Dialled::Cancelled => {
                self.phone.respond(StatusCode::REQUEST_TERMINATED, None);
                let cause = EndCause::new("cancelled", 487);
                self.finish(&plan, Some(&media), cause, None).await;
            }
        }
    }

    /// Sends the INVITE (again with credentials when challenged once), relays progress to the
    /// phone, and cancels when the phone does.
    async fn dial(&mut self, plan: &Plan, media: &mut Media, mut invite: Request) -> Dialled {
        let (progress_tx, mut progress) = mpsc::unbounded_channel();
        let mut challenged = false;
        let mut cancelled = false;
        loop {
            let client = self.deps.client.clone();
            let send = client.send_with_progress(invite.clone(), plan.carrier, progress_tx.clone());
            tokio::pin!(send);
            let outcome = loop {
                tokio::select! {
                    r = &mut send => break r,
                    Some(p) = progress.recv() => self.progress(media, &invite, &p).await,
                    Some(input) = self.inputs.recv(), if !cancelled => {
                        match input {
                            CallInput::Cancel => {
                                cancelled = true;
                                self.cancel_carrier(plan, &invite);
                            }
                            CallInput::Control(_, reply) => {
                                super::control::refuse(reply, "the call is not answered yet");
                            }
                            other => refuse_early(other),
                        }
                    }
                }
            };
            let response = match outcome {
                Ok(r) => r,
                Err(e) if cancelled => {
                    tracing::debug!(error = %e, "cancelled call's INVITE ended");
                    return Dialled::Cancelled;
                }
                Err(e) => {
                    tracing::info!(error = %e, trunk = %plan.trunk.name, "the carrier did not answer the INVITE");
                    let status = StatusCode::REQUEST_TIMEOUT;
                    return Dialled::Failed(EndCause::new("carrier_unreachable", 408), status);
                }
            };
            let status = response.status();
            if status.class() == 2 {
                if cancelled {
                    self.hang_up_answered_after_cancel(plan, &invite, &response)
                        .await;
                    return Dialled::Cancelled;
                }
                return Dialled::Answered {
                    invite: Box::new(invite),
                    response: Box::new(response),
                };
            }
            if cancelled {
                return Dialled::Cancelled;
            }
            let challenge = matches!(status.as_u16(), 401 | 407);
            if challenge
                && !challenged
                && let Some(again) = self.answer_challenge(plan, &invite, &response)
            {
                challenged = true;
                invite = again;
                continue;
            }
            return Dialled::Failed(EndCause::new("failed", status.as_u16()), status);
        }
    }

    fn answer_challenge(
        &self,
        plan: &Plan,
        invite: &Request,
        challenge: &Response,
    ) -> Option<Request> {
        let (username, password) = plan.trunk.plan.call_credentials.as_ref()?;
        dialogs::authorized(invite, challenge, username, password)
    }

    /// Ringing and early media from the carrier, relayed to the phone.
    async fn progress(&self, media: &mut Media, invite: &Request, response: &Response) {
        if !response.body().is_empty() && self.early_media(media, invite, response).await {
            return self
                .phone
                .respond(StatusCode::SESSION_PROGRESS, Some(&media.phone_answer));
        }
        if response.status() == StatusCode::RINGING {
            self.phone.respond(StatusCode::RINGING, None);
        }
    }

    /// Points the carrier's endpoint at the SDP of a 183/2xx and bridges the legs.
    async fn early_media(&self, media: &mut Media, _invite: &Request, response: &Response) -> bool {
        let Ok(answer) = sb_sdp::parse_bytes(response.body()) else {
            return false;
        };
        let Ok(streams) = sb_sdp::accept_answer(&media.carrier_offer, &answer) else {
            return false;
        };
        let Ok(stream) = sdp::first_stream(&streams) else {
            return false;
        };
        let Some((rtp, rtcp)) = sdp::remote_addr(stream).map(|a| (a, sdp::remote_rtcp(stream)))
        else {
            return false;
        };
        let call = &media.call;
        if let Some(keys) = sdp::srtp_spec(stream)
            && call.set_srtp(media.carrier, keys).await.is_err()
        {
            return false;
        }
        let joined = call.set_remote(media.carrier, rtp, rtcp).await.is_ok()
            && call.connect(media.phone, media.carrier).await.is_ok();
        if joined && response.status().class() == 2 {
            media.carrier_offer = super::reoffer::agreed(media.carrier_offer.clone(), stream);
        }
        joined
    }

    fn cancel_carrier(&self, plan: &Plan, invite: &Request) {
        let Some(cancel) = dialogs::cancel_of(
            invite,
            Some("SIP;cause=487;text=\"cancelled by the caller\""),
        ) else {
            return;
        };
        let (client, to) = (self.deps.client.clone(), plan.carrier);
        tokio::spawn(async move {
            if let Err(e) = client.send(cancel, to).await {
                tracing::debug!(error = %e, "CANCEL to the carrier failed");
            }
        });
    }

    /// The carrier answered although the phone had cancelled: ACK and BYE at once.
    async fn hang_up_answered_after_cancel(
        &self,
        plan: &Plan,
        invite: &Request,
        response: &Response,
    ) {
        let Ok(seed) = wire::uac_seed(invite, response) else {
            return;
        };
        let mut dialog = Dialog::uac(seed, true);
        let local = self.carrier_local(plan);
        let cseq = invite.headers().cseq().map(|c| c.seq).unwrap_or(1);
        if let Some(ack) = dialogs::ack_of(&dialog, cseq, local) {
            let _ = self.deps.client.send_ack(ack, plan.carrier).await;
        }
        if let Some(bye) = dialogs::in_dialog(&mut dialog, "BYE", local, "UDP") {
            let _ = self.deps.client.send(bye, plan.carrier).await;
        }
    }

    async fn answered(
        &mut self,
        plan: Plan,
        mut media: Media,
        invite: Request,
        response: Response,
    ) {
        let local = self.carrier_local(&plan);
        let cseq = invite.headers().cseq().map(|c| c.seq).unwrap_or(1);
        let Ok(seed) = wire::uac_seed(&invite, &response) else {
            self.phone.respond(StatusCode::BAD_GATEWAY, None);
            let cause = EndCause::new("carrier_bad_answer", 502);
            return self.finish(&plan, Some(&media), cause, None).await;
        };
        let mut carrier = Dialog::uac(seed, true);
        if let Some(ack) = dialogs::ack_of(&carrier, cseq, local) {
            let _ = self.deps.client.send_ack(ack, plan.carrier).await;
        }
        if !self.early_media(&mut media, &invite, &response).await {
            self.phone.respond(StatusCode::NOT_ACCEPTABLE_HERE, None);
            self.bye(
                &mut carrier,
                local,
                plan.carrier,
                "UDP",
                &EndCause::new("x", 488),
            )
            .await;
            let cause = EndCause::new("carrier_sdp_refused", 488);
            return self.finish(&plan, Some(&media), cause, None).await;
        }
        let answered_at = plan.log.now();
        self.phone
            .respond(StatusCode::OK, Some(&media.phone_answer));
        self.registry.forget_invite(self.phone.tx);
        plan.log
            .record("answered", json!({ "number": plan.number.as_str() }))
            .await;
        let phone_seed = wire::uas_seed(&self.phone.invite, &self.phone.tag);
        let Ok(phone_seed) = phone_seed else {
            let cause = EndCause::new("phone_bad_invite", 400);
            self.bye(&mut carrier, local, plan.carrier, "UDP", &cause)
                .await;
            return self
                .finish(&plan, Some(&media), cause, Some(answered_at))
                .await;
        };
        let mut legs = Legs {
            phone: Dialog::uas(phone_seed, true, 0),
            carrier,
            carrier_local: local,
        };
        let (cause, adopted) = self.talk(&plan, &mut media, &mut legs).await;
        match adopted {
            Some(legs) => {
                self.finish_adopted(&plan, &media, cause, answered_at, legs)
                    .await
            }
            None => {
                self.finish(&plan, Some(&media), cause, Some(answered_at))
                    .await
            }
        }
    }

    /// The connected call: until a BYE, a media timeout or a missing ACK.
    /// The connected call until it ends; with the figures of the legs that left when it was
    /// taken over to be transferred (see [`super::inbound::adopt`]).
    async fn talk(
        &mut self,
        plan: &Plan,
        media: &mut Media,
        legs: &mut Legs,
    ) -> (EndCause, Option<Vec<serde_json::Value>>) {
        let mut bridge = Bridge {
            media: media.call.clone(),
            customer: media.carrier,
            agent: media.phone,
            held: false,
            recording: None,
            tenant: plan.tenant,
            call_id: self.carrier_call_id.clone(),
        };
        self.deps.control.register(
            plan.tenant,
            LiveCall {
                number: plan.number.as_str().to_owned(),
                caller: self.phone.caller(),
                agent: plan.agent,
                ..LiveCall::new(
                    self.carrier_call_id.clone(),
                    "outbound",
                    "connected",
                    plan.log.now(),
                )
            },
            self.inputs_tx.clone(),
        );
        if crate::TenantSettings::of(&*self.deps.store, plan.tenant)
            .await
            .record_calls
        {
            match bridge
                .apply(&self.deps, super::CallCommand::RecordStart)
                .await
            {
                Ok(_) => self
                    .deps
                    .control
                    .update(&self.carrier_call_id, |c| c.recording = true),
                Err(e) => tracing::warn!(error = %e, "the call's recording did not start"),
            }
        }
        let (cause, adopted) = match self.talk_until_hangup(plan, media, legs, &mut bridge).await {
            Talked::Ended(cause) => (cause, None),
            Talked::Transfer(agent, first) => {
                let recording = bridge.recording.take();
                let adopted = self
                    .adopt(plan, media, legs, (agent, recording), first)
                    .await;
                (adopted.cause, Some(adopted.legs))
            }
        };
        if bridge.recording.is_some()
            && let Ok(Effect::Recorded(info)) = bridge.record_stop().await
        {
            plan.log.record("recorded", info).await;
        }
        if let Some(call) = self.deps.control.get(&self.carrier_call_id) {
            let now = plan.log.now();
            super::history::record(&self.deps, plan.tenant, &call, now, cause.reason).await;
        }
        self.deps.control.remove(&self.carrier_call_id);
        (cause, adopted)
    }

    /// Hands the call to a task that runs it as a carrier's call connected to the agent, so
    /// that it can be transferred; `first` (the command or REFER asking for it) is its first
    /// input. The customer's endpoint stays in this call's media.
    async fn adopt(
        &mut self,
        plan: &Plan,
        media: &mut Media,
        legs: &Legs,
        (agent, recording): (sb_types::AgentId, Option<std::path::PathBuf>),
        first: CallInput,
    ) -> super::inbound::Adopted {
        let (_, closed) = mpsc::unbounded_channel();
        let (_, no_events) = mpsc::channel(1);
        let inputs = std::mem::replace(&mut self.inputs, closed);
        let events = std::mem::replace(&mut media.events, no_events);
        let adoption = super::inbound::Adoption {
            deps: self.deps.clone(),
            registry: self.registry.clone(),
            tenant: plan.tenant,
            log: CallLog::new(
                self.deps.store.clone(),
                plan.tenant,
                self.carrier_call_id.clone(),
                self.deps.clock,
            ),
            customer: super::inbound::CalledLeg {
                call_id: self.carrier_call_id.clone(),
                number: plan.number.as_str().to_owned(),
                dialog: legs.carrier.clone(),
                local: legs.carrier_local,
                dest: plan.carrier,
                transport: "UDP",
            },
            media: super::inbound::CallerMedia {
                call: media.call.clone(),
                events,
                endpoint: media.carrier,
                answer: media.carrier_offer.clone(),
                payload_type: media.payload_type,
            },
            agent: super::inbound::AgentLeg {
                peer: super::inbound::Peer::DirectAgent(agent),
                label: self.phone.caller(),
                endpoint: media.phone,
                dialog: legs.phone.clone(),
                sdp: Some(media.phone_answer.clone()),
                local: self.phone.local,
                dest: self.phone.dest,
                transport: self.phone.transport,
                call_id: self.phone.call_id(),
                record: false,
                interaction_events: None,
                line: false,
            },
            inputs,
            inputs_tx: self.inputs_tx.clone(),
            recording,
            engaged: self.engaged.take(),
            first,
        };
        super::inbound::adopt(adoption).await
    }

    async fn talk_until_hangup(
        &mut self,
        plan: &Plan,
        media: &mut Media,
        legs: &mut Legs,
        bridge: &mut Bridge,
    ) -> Talked {
        let started = tokio::time::Instant::now();
        let mut acked = false;
        let mut resend = Duration::from_millis(500);
        let mut next_resend = started + resend;
        let mut quality = tokio::time::interval(super::control::QUALITY_EVERY);
        quality.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                _ = quality.tick() => {
                    let figures = bridge.quality(["called", "agent"]).await;
                    self.deps.control.update(&self.carrier_call_id, |c| c.quality = figures);
                }
                input = self.inputs.recv() => {
                    let Some(input) = input else {
                        return Talked::Ended(EndCause::new("shutdown", 200));
                    };
                    if let Some(talked) = self.input(plan, media, legs, bridge, input, &mut acked).await {
                        return talked;
                    }
                }
                event = media.events.recv() => {
                    if let Some(MediaEvent::Timeout { endpoint }) = event {
                        let cause = EndCause::new("media_timeout", 408);
                        let silent = if endpoint == media.phone { "phone" } else { "carrier" };
                        tracing::info!(leg = silent, "no RTP: the call is dropped");
                        self.bye_both(plan, legs, &cause).await;
                        return Talked::Ended(cause);
                    }
                }
                _ = tokio::time::sleep_until(next_resend), if !acked => {
                    if started.elapsed() >= ACK_WAIT {
                        let cause = EndCause::new("phone_no_ack", 408);
                        self.bye_both(plan, legs, &cause).await;
                        return Talked::Ended(cause);
                    }
                    self.phone.respond(StatusCode::OK, Some(&media.phone_answer));
                    resend = (resend * 2).min(Duration::from_secs(4));
                    next_resend = tokio::time::Instant::now() + resend;
                }
            }
        }
    }

    /// One input while connected; `Some` when the call ends or is to be transferred.
    async fn input(
        &mut self,
        plan: &Plan,
        media: &mut Media,
        legs: &mut Legs,
        bridge: &mut Bridge,
        input: CallInput,
        acked: &mut bool,
    ) -> Option<Talked> {
        match input {
            CallInput::Ack => *acked = true,
            CallInput::Cancel => {}
            CallInput::Control(command, reply) => {
                if let Some(agent) = plan.agent
                    && matches!(command, super::CallCommand::Transfer { .. })
                {
                    let first = CallInput::Control(command, reply);
                    return Some(Talked::Transfer(agent, first));
                }
                return self.command(plan, legs, bridge, command, reply).await;
            }
            CallInput::Request(r, responder) => {
                let from_phone = r.request.headers().call_id().ok() == Some(&self.phone.call_id());
                if let Some(agent) = plan.agent
                    && from_phone
                    && *r.request.method() == Method::Refer
                {
                    return Some(Talked::Transfer(agent, CallInput::Request(r, responder)));
                }
                let ended = self.in_call_request(plan, media, legs, *r, responder).await;
                return ended.map(Talked::Ended);
            }
            CallInput::Surrender(s) => {
                return self
                    .surrender(plan, media, legs, *s)
                    .await
                    .map(Talked::Ended);
            }
        }
        None
    }

    /// A command from the API (hold, DTMF, recording, hang-up) carried out by the bridge.
    async fn command(
        &mut self,
        plan: &Plan,
        legs: &mut Legs,
        bridge: &mut Bridge,
        command: super::CallCommand,
        reply: super::control::Reply,
    ) -> Option<Talked> {
        let label = format!("{command:?}");
        let result = bridge.apply(&self.deps, command).await;
        let (held, recording) = (bridge.held, bridge.recording.is_some());
        self.deps.control.update(&self.carrier_call_id, |c| {
            c.state = if held { "held" } else { "connected" }.into();
            c.recording = recording;
        });
        let ok = result.is_ok();
        let _ = reply.send(result.as_ref().map(|_| ()).map_err(Clone::clone));
        if ok {
            plan.log
                .record("command", json!({ "command": label }))
                .await;
        }
        match result {
            Ok(Effect::Hangup) => {
                let cause = EndCause::new("agent_hangup", 200);
                self.bye_both(plan, legs, &cause).await;
                return Some(Talked::Ended(cause));
            }
            Ok(Effect::Recorded(info)) => plan.log.record("recorded", info).await,
            _ => {}
        }
        None
    }

    /// A request inside one of the legs; `Some` when it ends the call.
    async fn in_call_request(
        &mut self,
        plan: &Plan,
        media: &mut Media,
        legs: &mut Legs,
        request: ServerRequest,
        responder: Responder,
    ) -> Option<EndCause> {
        let r = &request.request;
        let from_carrier = r
            .headers()
            .call_id()
            .is_ok_and(|c| c == self.carrier_call_id);
        let ok = r.make_response(StatusCode::OK, None);
        match r.method() {
            Method::Bye => {
                responder.respond(ok);
                if from_carrier {
                    let cause = EndCause::new("callee_hangup", 200);
                    let (local, dest, t) =
                        (self.phone.local, self.phone.dest, self.phone.transport);
                    self.bye(&mut legs.phone, local, dest, t, &cause).await;
                    Some(cause)
                } else {
                    let cause = EndCause::new("caller_hangup", 200);
                    let local = legs.carrier_local;
                    self.bye(&mut legs.carrier, local, plan.carrier, "UDP", &cause)
                        .await;
                    Some(cause)
                }
            }
            Method::Refer => {
                let mut refused = r.make_response(StatusCode::NOT_IMPLEMENTED, None);
                refused.headers_mut().push(
                    sb_sip::HeaderName::Warning,
                    "399 switchboard \"only the agent's phone transfers the call\"",
                );
                responder.respond(refused);
                None
            }
            _ => {
                // A re-offer (hold, resume, session refresh) gets the leg's own description.
                let (ours, endpoint) = match from_carrier {
                    true => (&mut media.carrier_offer, media.carrier),
                    false => (&mut media.phone_answer, media.phone),
                };
                let answered = super::reoffer::answer(r, Some(ours));
                responder.respond(answered.response);
                if let Some(sends) = answered.peer_sends {
                    let _ = media.call.expect_media(endpoint, sends).await;
                }
                None
            }
        }
    }

    /// A phone's attended transfer joins the carrier's leg to another call (see
    /// [`super::replaces`]): when the Replaces names this call's phone leg, the carrier's
    /// endpoint is lent to that call, its dialog handed over, and the phone's leg hung up;
    /// `Some` then, since this call is over.
    async fn surrender(
        &mut self,
        plan: &Plan,
        media: &Media,
        legs: &mut Legs,
        s: super::replaces::Surrender,
    ) -> Option<EndCause> {
        let phone_tag = self
            .phone
            .invite
            .headers()
            .from()
            .ok()
            .and_then(|f| f.tag().map(str::to_owned));
        let named = super::replaces::names(
            &s.replaces,
            &self.phone.call_id(),
            &self.phone.tag,
            phone_tag.as_deref().unwrap_or(""),
        );
        if !named {
            super::replaces::refuse(
                s,
                "Replaces does not name this call's dialog with the phone",
            );
            return None;
        }
        if let Err(e) = media.call.lend(media.carrier, &s.to).await {
            super::replaces::refuse(s, &format!("the called party's media cannot move: {e}"));
            return None;
        }
        self.registry.insert(&self.carrier_call_id, s.inputs);
        let leg = super::replaces::FarLeg {
            label: plan.number.as_str().to_owned(),
            agent: None,
            line: false,
            endpoint: media.carrier,
            dialog: legs.carrier.clone(),
            sdp: Some(media.carrier_offer.clone()),
            local: legs.carrier_local,
            dest: plan.carrier,
            transport: "UDP",
            call_id: self.carrier_call_id.clone(),
        };
        if s.reply.send(Ok(leg)).is_err() {
            tracing::warn!("the call taking the carrier's leg is gone");
        }
        let cause = EndCause::new("transferred", 200);
        let (local, dest, t) = (self.phone.local, self.phone.dest, self.phone.transport);
        self.bye(&mut legs.phone, local, dest, t, &cause).await;
        plan.log
            .record(
                "transferred",
                json!({ "mode": "attended", "from": "phone" }),
            )
            .await;
        Some(cause)
    }

    /// Hangs up both legs at once: neither waits for the other's answer.
    async fn bye_both(&self, plan: &Plan, legs: &mut Legs, cause: &EndCause) {
        let (local, dest, t) = (self.phone.local, self.phone.dest, self.phone.transport);
        let carrier_local = legs.carrier_local;
        let phone = self.bye(&mut legs.phone, local, dest, t, cause);
        let carrier = self.bye(&mut legs.carrier, carrier_local, plan.carrier, "UDP", cause);
        tokio::join!(phone, carrier);
    }

    async fn bye(
        &self,
        dialog: &mut Dialog,
        local: SocketAddr,
        to: Destination,
        transport: &str,
        cause: &EndCause,
    ) {
        super::legs::bye(&self.deps, dialog, local, to, transport, cause).await;
    }

    /// Records the end of the call with both legs' figures and releases the media.
    async fn finish(
        &mut self,
        plan: &Plan,
        media: Option<&Media>,
        cause: EndCause,
        answered_at: Option<sb_types::Timestamp>,
    ) {
        let mut legs = Vec::new();
        if let Some(m) = media {
            let phone = m.call.remove_endpoint(m.phone).await.ok();
            let carrier = m.call.remove_endpoint(m.carrier).await.ok();
            legs.push(leg_figures("phone", phone.as_ref()));
            legs.push(leg_figures("carrier", carrier.as_ref()));
            let _ = m.call.close().await;
        }
        let payload = ended(&cause, answered_at, plan.log.now(), legs);
        plan.log.record("ended", payload).await;
        self.disengage(plan, answered_at.is_some()).await;
    }

    /// Records the end of a call that was taken over to be transferred: the called party's
    /// figures, then every leg that left it (the agent's phone, agents or numbers transferred
    /// to), and releases the media.
    async fn finish_adopted(
        &mut self,
        plan: &Plan,
        media: &Media,
        cause: EndCause,
        answered_at: sb_types::Timestamp,
        legs: Vec<serde_json::Value>,
    ) {
        let carrier = media.call.remove_endpoint(media.carrier).await.ok();
        let mut figures = vec![leg_figures("carrier", carrier.as_ref())];
        figures.extend(legs);
        let _ = media.call.close().await;
        let payload = ended(&cause, Some(answered_at), plan.log.now(), figures);
        plan.log.record("ended", payload).await;
        self.disengage(plan, true).await;
    }

    /// The call is over: an answered one is followed by the tenant's after-contact work.
    async fn disengage(&mut self, plan: &Plan, answered: bool) {
        let Some(engaged) = self.engaged.take() else {
            return;
        };
        let wrap = match answered {
            true => {
                let store = self.deps.store.as_ref();
                crate::TenantSettings::of(store, plan.tenant)
                    .await
                    .outbound_wrap_up_secs
            }
            false => 0,
        };
        engaged.release(wrap).await;
    }
}

/// How the connected stretch of an outbound call ended.
enum Talked {
    /// The call is over.
    Ended(EndCause),
    /// The agent transfers it: this input (a command or a REFER) asks for it.
    Transfer(sb_types::AgentId, CallInput),
}

/// The dialogs of a connected call.
struct Legs {
    phone: Dialog,
    carrier: Dialog,
    carrier_local: SocketAddr,
}

fn refuse_early(input: CallInput) {
    if let CallInput::Request(r, responder) = input {
        let missing = StatusCode::CALL_OR_TRANSACTION_DOES_NOT_EXIST;
        responder.respond(r.request.make_response(missing, Some(&token())));
    }
}

/// The dialled number of the phone's INVITE, in E.164 by the trunk's national rules.
fn dialled(invite: &Request, trunk: &OutboundTrunk) -> Option<E164> {
    let uri = invite.uri();
    let user = match uri.as_sip() {
        Some(sip) => String::from_utf8(sip.user_decoded()?.to_vec()).ok()?,
        None => uri.to_string().strip_prefix("tel:")?.to_owned(),
    };
    normalize(&user, trunk.plan.national.as_ref()).ok()
}
