//! A call from a carrier to one of the tenant's numbers: the caller's A leg is answered, the
//! number's routing flow runs (prompts, menus, digits), the flow queues the call in the ACD,
//! and the offered agent's phone is rung (the B leg) and bridged to the caller on our media
//! server (`connected`); the agent may then transfer the caller blind (`blind`) or after a
//! consultation (`consult`). Every step is an event in the log; `call.ended` carries every
//! leg's quality. The same machinery runs an agent's outbound call once they transfer it
//! (`adopt`) and a phone's call to a colleague (`internal`): the customer's leg is a
//! `Customer`, the caller we answered or the party called.

mod adopt;
pub(in crate::calls) use adopt::{Adopted, Adoption, adopt};
mod blind;
mod connected;
mod consult;
mod customer;
pub(in crate::calls) use customer::{CalledLeg, Customer};
mod hangup;
mod http;
mod internal;
pub(crate) use http::{HttpCall, send as flow_http_send};
pub(in crate::calls) use internal::{Internal, internal};
mod ivr;
mod listen;
mod message;
mod pstn;
mod queue;
mod reattach;
mod refer;
mod route;
mod surrender;
mod transfer;
mod voicemail;

pub use route::ProgramCache;

use std::sync::Arc;
use std::time::Duration;

use sb_flow::{Input, Session, Start, Step};
use sb_media::{CallMedia, EndpointId, MediaEvent, MediaEvents};
use sb_sdp::SessionDescription;
use sb_sip::{Method, StatusCode};
use sb_sip_dialog::dialog::Dialog;
use sb_sip_transport::Responder;
use sb_types::{AgentId, InteractionId, TenantId, Timestamp};
use serde_json::json;
use tokio::sync::mpsc::{self, UnboundedReceiver};

use super::bridge::{Bridge, Effect};
use super::cause::EndCause;
use super::control::{self, LiveCall};
use super::deps::CallDeps;
use super::events::{CallLog, ended, leg_figures};
use super::legs::UasLeg;
use super::registry::{CallInput, Registry};
use super::sdp;
use crate::trunks::InboundCall;

/// Why a Replaces cannot name a dialog of a call from a carrier.
const NOT_REPLACEABLE: &str =
    "Replaces names a call from a carrier: only a call the phone placed can be joined";

/// How long the caller's ACK to our 2xx is awaited before the call is dropped (64 × T1).
const ACK_WAIT: Duration = Duration::from_secs(32);

/// Whose mailbox a message goes to: the flow block's, else the call's queue, else `general`.
fn mailbox_of(session: &Session, block: Option<String>) -> String {
    let named = |m: &str| !m.trim().is_empty();
    if let Some(mailbox) = block.filter(|m| named(m)) {
        return mailbox.trim().chars().take(100).collect();
    }
    match session.attributes().get("queue") {
        Some(sb_flow::Value::Str(queue)) if named(queue) => queue.chars().take(100).collect(),
        _ => "general".into(),
    }
}

/// Starts the task of a matched inbound call.
pub(super) fn spawn(
    deps: Arc<CallDeps>,
    registry: Arc<Registry>,
    call: InboundCall,
    responder: Responder,
) {
    let (inputs_tx, inputs) = mpsc::unbounded_channel();
    let caller = UasLeg::new(&deps, call.request.clone(), responder);
    let task_caller = caller.caller();
    let call_id = caller.call_id();
    registry.insert(&call_id, inputs_tx.clone());
    registry.insert_invite(caller.tx, &call_id);
    tokio::spawn(async move {
        let log = CallLog::new(deps.store.clone(), call.tenant, call_id.clone(), deps.clock);
        let live = LiveCall {
            number: call.number.as_str().to_owned(),
            caller: task_caller,
            ..LiveCall::new(call_id.clone(), "inbound", "ivr", log.now())
        };
        deps.control.register(call.tenant, live, inputs_tx.clone());
        let mut task = Inbound {
            deps,
            registry: registry.clone(),
            tenant: call.tenant,
            number: call.number.as_str().to_owned(),
            caller: Customer::Caller(caller),
            inputs,
            inputs_tx,
            log,
            ids: vec![call_id.clone()],
            legs_done: Vec::new(),
            placed_by: None,
            early: false,
            internal: false,
        };
        task.run(call.trunk_name).await;
        task.deps.control.remove(&call_id);
        registry.remove_owned(&task.ids, &task.inputs_tx);
    });
}

/// The caller's media, once answered.
pub(super) struct CallerMedia {
    pub call: CallMedia,
    pub events: MediaEvents,
    pub endpoint: EndpointId,
    pub answer: SessionDescription,
    pub payload_type: u8,
}

/// Who the caller is bridged to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Peer {
    /// An agent the ACD offered the call to (the interaction completes when the call ends).
    Agent {
        agent: AgentId,
        interaction: InteractionId,
    },
    /// An agent rung directly by a transfer (no ACD interaction).
    DirectAgent(AgentId),
    /// An external number through a trunk.
    External,
}

/// The leg the caller is bridged to (an agent's phone, or a number through a trunk).
pub(super) struct AgentLeg {
    pub peer: Peer,
    /// Who it is, for events: the agent's id or the number.
    pub label: String,
    pub endpoint: EndpointId,
    pub dialog: Dialog,
    /// Our SDP on the leg (what we offered, then what re-offers were answered with); `None`
    /// on a line (its dialog is the line's).
    pub sdp: Option<SessionDescription>,
    pub local: std::net::SocketAddr,
    pub dest: sb_sip_transport::Destination,
    pub transport: &'static str,
    pub call_id: String,
    /// Record the call from the start (the queue says so).
    pub record: bool,
    /// The ACD's events of the interaction this leg answered: held while the call lasts,
    /// since dropping them tells the ACD that nobody holds the customer any more.
    pub interaction_events: Option<mpsc::UnboundedReceiver<crate::acd::InteractionEvent>>,
    /// The agent's line, lent to the call: it stays up when the agent leaves the call.
    pub line: bool,
}

impl AgentLeg {
    /// Hangs the leg up with a BYE, but for the agent's line, which stays up (its endpoint
    /// goes home when the call removes it).
    pub(super) async fn hang_up(&mut self, deps: &CallDeps, cause: &EndCause) {
        if self.line {
            return;
        }
        let (local, dest, t) = (self.local, self.dest, self.transport);
        crate::calls::legs::bye(deps, &mut self.dialog, local, dest, t, cause).await;
    }
}

/// What the caller's side brought while the caller waits.
pub(super) enum Signal {
    /// A media event of the call.
    Media(MediaEvent),
    /// A command from the API that the waiting step takes.
    Command(control::CallCommand, control::Reply),
}

/// Why the caller's side stopped waiting.
pub(super) enum Interrupt {
    /// The caller hung up (BYE or CANCEL).
    Hangup(EndCause),
    /// No RTP from the caller.
    MediaTimeout,
}

pub(super) struct Inbound {
    pub deps: Arc<CallDeps>,
    pub registry: Arc<Registry>,
    pub tenant: TenantId,
    pub number: String,
    pub caller: Customer,
    pub inputs: UnboundedReceiver<CallInput>,
    pub inputs_tx: mpsc::UnboundedSender<CallInput>,
    pub log: CallLog,
    /// Every Call-ID of the call (caller, agents rung), for the registry.
    pub ids: Vec<String>,
    /// The quality figures of the legs that have left the call (agents transferred from).
    pub legs_done: Vec<serde_json::Value>,
    /// The agent who placed the call (an outbound call taken over to be transferred): engaged
    /// in the ACD until their leg leaves.
    pub placed_by: Option<crate::acd::Engagement>,
    /// The caller's INVITE is not answered yet (an internal call ringing): a CANCEL ends it.
    pub early: bool,
    /// The caller is a colleague's phone (an internal call): it may hand the callee's leg to
    /// its other call (REFER with Replaces there).
    pub internal: bool,
}

impl Inbound {
    async fn run(&mut self, trunk: String) {
        let from = self.caller.caller();
        self.log
            .record(
                "created",
                json!({
                    "direction": "inbound", "number": self.number, "caller": from, "trunk": trunk,
                }),
            )
            .await;
        let program = match route::program(&self.deps, self.tenant, &self.number).await {
            Ok(p) => p,
            Err(why) => {
                tracing::warn!(number = %self.number, %why, "inbound call not routed");
                self.caller
                    .refuse(StatusCode::TEMPORARILY_UNAVAILABLE, &why);
                let cause = EndCause::new("not_routed", 480);
                return self.finish(None, cause, None).await;
            }
        };
        let mut media = match self.answer().await {
            Ok(m) => m,
            Err(status) => {
                let cause = EndCause::new("not_answered", status.as_u16());
                return self.finish(None, cause, None).await;
            }
        };
        let answered_at = self.log.now();
        self.log
            .record("answered", json!({ "number": self.number }))
            .await;
        let start = Start::at(answered_at)
            .attr("caller", from.as_str())
            .attr("dialled", self.number.as_str())
            .seed(rand_seed());
        let mut session = Session::new(program, start);
        let (cause, caller_left) = self.drive(&mut session, &mut media).await;
        self.finish(Some(&media), cause, Some(answered_at)).await;
        if caller_left {
            hangup::after_hangup(self, &mut session).await;
        }
    }

    /// Answers the caller with our SDP and waits for nothing: the ACK is tracked by the
    /// input loop.
    async fn answer(&mut self) -> Result<CallerMedia, StatusCode> {
        let media = self.open_media().await?;
        self.answered_now(&media);
        Ok(media)
    }

    /// Sends our 2xx with the caller's answer; no CANCEL can match the INVITE any more.
    fn answered_now(&mut self, media: &CallerMedia) {
        self.caller.respond(StatusCode::OK, Some(&media.answer));
        if let Some(tx) = self.caller.tx() {
            self.registry.forget_invite(tx);
        }
    }

    /// The caller's media: an endpoint answering their offer, and our answer (not sent); the
    /// caller is refused when there is none.
    async fn open_media(&mut self) -> Result<CallerMedia, StatusCode> {
        let offer = sb_sdp::parse_bytes(&self.caller.invite_body()).ok();
        let Some((offer, stream)) = offer.and_then(|o| {
            let s = sdp::negotiate_offer(&o).ok()?;
            Some((o, s))
        }) else {
            self.caller
                .refuse(StatusCode::NOT_ACCEPTABLE_HERE, sdp::CODECS_WE_TAKE);
            return Err(StatusCode::NOT_ACCEPTABLE_HERE);
        };
        let pt = sdp::call_payload_type(&stream);
        let opened = self.deps.media.open_call();
        let Ok((call, events)) = opened else {
            self.caller
                .refuse(StatusCode::SERVICE_UNAVAILABLE, "no media available");
            return Err(StatusCode::SERVICE_UNAVAILABLE);
        };
        let spec = sdp::endpoint_spec("caller", Some(&stream), pt);
        let info = match call.add_endpoint(spec).await {
            Ok(info) => info,
            Err(e) => {
                // An overloaded node asks the carrier to retry in a few seconds (its other
                // routes first), once the lateness window has moved on.
                let (reason, retry) = match e {
                    sb_media::MediaError::Overloaded { .. } => ("media overloaded", Some(5)),
                    _ => ("no media port available", None),
                };
                tracing::debug!(error = %e, "call refused");
                self.caller
                    .refuse_for(StatusCode::SERVICE_UNAVAILABLE, reason, retry);
                return Err(StatusCode::SERVICE_UNAVAILABLE);
            }
        };
        let local = sdp::answer_media(self.caller.local().ip(), info.local.port(), &stream);
        let Ok(answer) = sb_sdp::answer(&offer, &local).map(|a| a.sdp) else {
            self.caller
                .refuse(StatusCode::NOT_ACCEPTABLE_HERE, sdp::CODECS_WE_TAKE);
            return Err(StatusCode::NOT_ACCEPTABLE_HERE);
        };
        Ok(CallerMedia {
            call,
            events,
            endpoint: info.id,
            answer,
            payload_type: pt,
        })
    }

    /// Runs the flow until it ends, the caller leaves, or the call is connected to an agent
    /// and then ends; true with the cause when the caller hung up during the flow (its
    /// hang-up handler may have work left).
    async fn drive(&mut self, session: &mut Session, media: &mut CallerMedia) -> (EndCause, bool) {
        let mut acks = AckWait::new();
        loop {
            let step = session.poll();
            let input = match step {
                Step::Do(action) => {
                    ivr::note(self, &action).await;
                    continue;
                }
                Step::Await(action) => self.perform(session, media, &mut acks, action).await,
                Step::Waiting => Err(Interrupt::Hangup(EndCause::new("flow_stalled", 500))),
                Step::Finished(_) => {
                    let cause = EndCause::new("flow_ended", 200);
                    self.hang_up_caller(&cause).await;
                    return (cause, false);
                }
            };
            match input {
                Ok(Outcome::Input(input)) => {
                    let now = self.log.now();
                    if let Err(e) = session.handle(now, input) {
                        tracing::warn!(error = %e, "the flow refused the host's answer");
                    }
                }
                Ok(Outcome::Connected(agent)) => {
                    let now = self.log.now();
                    let answered = match agent.peer {
                        Peer::Agent { agent, .. } | Peer::DirectAgent(agent) => {
                            Input::AgentAnswered { agent }
                        }
                        Peer::External => Input::Done,
                    };
                    let _ = session.handle(now, answered);
                    let talked = self.talk(session, media, *agent, &mut acks, None).await;
                    return (talked, false);
                }
                Ok(Outcome::Hangup) => {
                    let cause = EndCause::new("flow_hangup", 200);
                    self.hang_up_caller(&cause).await;
                    return (cause, false);
                }
                Err(Interrupt::Hangup(cause)) => {
                    let now = self.log.now();
                    let _ = session.handle(now, Input::Hangup);
                    return (cause, true);
                }
                Err(Interrupt::MediaTimeout) => {
                    let cause = EndCause::new("media_timeout", 408);
                    self.hang_up_caller(&cause).await;
                    return (cause, false);
                }
            }
        }
    }

    async fn perform(
        &mut self,
        session: &mut Session,
        media: &mut CallerMedia,
        acks: &mut AckWait,
        action: sb_flow::Action,
    ) -> Result<Outcome, Interrupt> {
        use sb_flow::Action;
        match action {
            Action::Enqueue {
                queue,
                priority,
                skills,
                treatment,
            } => {
                let ask = queue::Ask {
                    queue,
                    priority,
                    skills,
                    treatment,
                };
                queue::wait_for_agent(self, session, media, acks, ask).await
            }
            Action::Hangup => Ok(Outcome::Hangup),
            Action::Record {
                max_len,
                beep,
                silence_end,
                mailbox,
            } => {
                let ask = voicemail::Ask {
                    max_len,
                    beep,
                    silence_end,
                    mailbox: mailbox_of(session, mailbox),
                };
                voicemail::record(self, media, acks, ask)
                    .await
                    .map(Outcome::Input)
            }
            Action::Transfer { target, timeout } => {
                transfer::transfer(self, session, media, acks, target, timeout).await
            }
            Action::Dial {
                number, timeout, ..
            } => transfer::to_number(self, media, acks, &number, timeout).await,
            other => ivr::perform(self, media, acks, other)
                .await
                .map(Outcome::Input),
        }
    }

    /// Waits for the next caller-side event that matters while something else runs: a BYE
    /// or CANCEL from the caller, a media event, or an ACK (tracked in `acks`). Commands
    /// from the API are refused: the call has no agent yet.
    pub(super) async fn caller_event(
        &mut self,
        media: &mut CallerMedia,
        acks: &mut AckWait,
    ) -> Result<MediaEvent, Interrupt> {
        loop {
            match self.caller_signal(media, acks, |_| false).await? {
                Signal::Media(event) => return Ok(event),
                Signal::Command(_, reply) => {
                    control::refuse(reply, "the call is not connected to an agent yet");
                }
            }
        }
    }

    /// [`Inbound::caller_event`], handing over the commands `takes` accepts.
    pub(super) async fn caller_signal(
        &mut self,
        media: &mut CallerMedia,
        acks: &mut AckWait,
        takes: impl Fn(&control::CallCommand) -> bool,
    ) -> Result<Signal, Interrupt> {
        loop {
            tokio::select! {
                input = self.inputs.recv() => match input {
                    Some(CallInput::Control(command, reply)) if takes(&command) => {
                        return Ok(Signal::Command(command, reply));
                    }
                    other => self.caller_input(other, media, acks).await?,
                },
                event = media.events.recv() => match event {
                    Some(MediaEvent::Timeout { endpoint }) if endpoint == media.endpoint => {
                        tracing::debug!("caller media timeout");
                        return Err(Interrupt::MediaTimeout);
                    }
                    Some(e) => return Ok(Signal::Media(e)),
                    None => return Err(Interrupt::MediaTimeout),
                },
                _ = acks.due(), if acks.waiting() => {
                    if acks.expired() {
                        return Err(Interrupt::Hangup(EndCause::new("caller_no_ack", 408)));
                    }
                    self.caller.respond(StatusCode::OK, Some(&media.answer));
                    acks.backoff();
                }
            }
        }
    }

    /// One input from the router while the caller is alone: a BYE ends the call; a re-offer
    /// (hold, session refresh) is answered with the caller's own description.
    async fn caller_input(
        &mut self,
        input: Option<CallInput>,
        media: &mut CallerMedia,
        acks: &mut AckWait,
    ) -> Result<(), Interrupt> {
        match input {
            None => Err(Interrupt::Hangup(EndCause::new("shutdown", 503))),
            Some(CallInput::Ack) => {
                acks.acked();
                Ok(())
            }
            Some(CallInput::Cancel) if self.early => {
                Err(Interrupt::Hangup(EndCause::new("cancelled", 487)))
            }
            Some(CallInput::Cancel) => Ok(()),
            Some(CallInput::Control(_, reply)) => {
                control::refuse(reply, "the call is not connected to an agent yet");
                Ok(())
            }
            Some(CallInput::Surrender(s)) => {
                super::replaces::refuse(*s, NOT_REPLACEABLE);
                Ok(())
            }
            Some(CallInput::Request(r, responder)) => {
                // Only the caller's own requests are theirs (an agent's line hung up while an
                // offer rang on it leaves the offer to ring out).
                let caller =
                    r.request.headers().call_id().ok() == Some(self.caller.call_id().as_str());
                tracing::debug!(method = %r.request.method(), call_id = ?r.request.headers().call_id(), "request while the caller is alone");
                if caller && *r.request.method() == Method::Bye {
                    responder.respond(r.request.make_response(StatusCode::OK, None));
                    return Err(Interrupt::Hangup(EndCause::new("caller_hangup", 200)));
                }
                let ours = caller.then_some(&mut media.answer);
                let answered = super::reoffer::answer(&r.request, ours);
                responder.respond(answered.response);
                if let Some(sends) = answered.peer_sends {
                    let _ = media.call.expect_media(media.endpoint, sends).await;
                }
                Ok(())
            }
        }
    }

    /// The caller talks with `first`, and then with whoever the agents transfer them to,
    /// until the call ends; the recording runs through the transfers.
    async fn talk(
        &mut self,
        session: &mut Session,
        media: &mut CallerMedia,
        first: AgentLeg,
        acks: &mut AckWait,
        recording: Option<std::path::PathBuf>,
    ) -> EndCause {
        let mut bridge = Bridge {
            media: media.call.clone(),
            customer: media.endpoint,
            agent: first.endpoint,
            held: false,
            recording,
            tenant: self.tenant,
            call_id: self.log.call().to_owned(),
        };
        let mut leg = first;
        let cause = loop {
            let target = match self.connected(media, &mut bridge, leg, acks).await {
                connected::Next::Ended(cause) => break cause,
                connected::Next::Blind(target) => target,
            };
            match self.blind(session, media, acks, target).await {
                Ok(Outcome::Connected(next)) => leg = *next,
                Ok(_) => {
                    let cause = EndCause::new("transfer_failed", 480);
                    self.hang_up_caller(&cause).await;
                    break cause;
                }
                Err(Interrupt::Hangup(cause)) => break cause,
                Err(Interrupt::MediaTimeout) => {
                    let cause = EndCause::new("media_timeout", 408);
                    self.hang_up_caller(&cause).await;
                    break cause;
                }
            }
        };
        if bridge.recording.is_some()
            && let Ok(Effect::Recorded(info)) = bridge.record_stop().await
        {
            self.log.record("recorded", info).await;
        }
        cause
    }

    /// BYE to the caller.
    pub(super) async fn hang_up_caller(&mut self, cause: &EndCause) {
        let deps = self.deps.clone();
        self.caller.hang_up(&deps, cause).await;
    }

    async fn finish(
        &mut self,
        media: Option<&CallerMedia>,
        cause: EndCause,
        answered_at: Option<Timestamp>,
    ) {
        let mut figures = Vec::new();
        if let Some(m) = media {
            let caller = m.call.remove_endpoint(m.endpoint).await.ok();
            figures.push(leg_figures("caller", caller.as_ref()));
            figures.append(&mut self.legs_done);
            let _ = m.call.close().await;
        }
        let now = self.log.now();
        if answered_at.is_some()
            && let Some(call) = self.deps.control.get(self.log.call())
        {
            super::history::record(&self.deps, self.tenant, &call, now, cause.reason).await;
        }
        let payload = ended(&cause, answered_at, now, figures);
        self.log.record("ended", payload).await;
    }
}

/// What an awaited flow action came to.
pub(super) enum Outcome {
    /// The answer for the flow.
    Input(Input),
    /// An agent answered: the call is bridged.
    Connected(Box<AgentLeg>),
    /// The flow hangs up.
    Hangup,
}

/// Retransmissions of our 2xx to the caller until the ACK (RFC 3261 § 13.3.1.4).
pub(in crate::calls) struct AckWait {
    started: tokio::time::Instant,
    next: tokio::time::Instant,
    interval: Duration,
    acked: bool,
}

impl AckWait {
    pub(in crate::calls) fn new() -> Self {
        let now = tokio::time::Instant::now();
        AckWait {
            started: now,
            next: now + Duration::from_millis(500),
            interval: Duration::from_millis(500),
            acked: false,
        }
    }

    /// Nothing to wait for: the 2xx was acknowledged already, or was not ours.
    pub(in crate::calls) fn done() -> Self {
        let mut acks = Self::new();
        acks.acked = true;
        acks
    }

    pub(in crate::calls) fn waiting(&self) -> bool {
        !self.acked
    }

    pub(in crate::calls) fn acked(&mut self) {
        self.acked = true;
    }

    pub(in crate::calls) async fn due(&self) {
        tokio::time::sleep_until(self.next).await;
    }

    pub(in crate::calls) fn expired(&self) -> bool {
        self.started.elapsed() >= ACK_WAIT
    }

    pub(in crate::calls) fn backoff(&mut self) {
        self.interval = (self.interval * 2).min(Duration::from_secs(4));
        self.next = tokio::time::Instant::now() + self.interval;
    }
}

fn rand_seed() -> u64 {
    uuid::Uuid::new_v4().as_u64_pair().0
}

/// A fresh interaction id (time-ordered).
pub(super) fn new_interaction() -> InteractionId {
    InteractionId::from_uuid(uuid::Uuid::now_v7())
}
