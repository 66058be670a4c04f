//! The caller is connected: they talk with an agent (or a number) until one side hangs up.
//! Meanwhile the agent holds, records, sends DTMF, and transfers: blind (their leg is hung up
//! and the caller goes to the target, see `blind`) or after a consultation (`consult`).

use sb_media::MediaEvent;
use sb_sip::{Method, StatusCode};
use serde_json::json;

use super::blind::Blind;
use super::consult::{self, Consult};
use super::reattach;
use super::refer;
use super::{AckWait, AgentLeg, CallerMedia, Inbound, Peer};
use crate::acd::InteractionEvent;
use crate::calls::bridge::{Bridge, Effect};
use crate::calls::cause::EndCause;
use crate::calls::control::{self, CallCommand};
use crate::calls::registry::CallInput;

/// How a connected stretch of the call ended.
pub(super) enum Next {
    /// The call is over; every leg has been hung up.
    Ended(EndCause),
    /// The agent's leg is gone and the caller goes to the target.
    Blind(Blind),
}

/// What one input did to the call.
pub(super) enum Step {
    /// Nothing that changes who is on the call.
    Stay,
    /// The call ends: every leg but `gone` gets a BYE.
    End(EndCause, Gone),
    /// The agent's leg hung up.
    AgentLeft,
    /// The consulted leg hung up.
    ConsultLeft,
    /// The consulted leg's media stopped: it is hung up and the caller is back with the agent.
    ConsultLost,
    /// A consultation ended with the agent leaving: the consulted leg is the agent's now.
    Completed(Box<AgentLeg>),
    /// A blind transfer: the agent's leg is to be hung up.
    Blind(Blind),
    /// The agent's phone asked for a blind transfer to this user (REFER, answered 202).
    Refer(String),
    /// The agent's phone asked for an attended transfer to the far side of the dialog named
    /// (REFER with Replaces, answered 202).
    Replaces(sb_sip::Replaces),
    /// Another call asks for this call's far leg (the caller's phone joins it elsewhere).
    Surrender(Box<crate::calls::replaces::Surrender>),
}

/// Which leg hung up by itself.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Gone {
    Caller,
    Agent,
    Nobody,
}

impl Inbound {
    /// Caller and `agent` talk until the call ends or the agent transfers it away.
    pub(super) async fn connected(
        &mut self,
        media: &mut CallerMedia,
        bridge: &mut Bridge,
        mut agent: AgentLeg,
        acks: &mut AckWait,
    ) -> Next {
        self.log
            .record(
                "connected",
                json!({ "to": agent.label, "peer": format!("{:?}", agent.peer) }),
            )
            .await;
        bridge.agent = agent.endpoint;
        bridge.held = false;
        self.show_agent(&agent);
        let record = agent.record
            || crate::TenantSettings::of(&*self.deps.store, self.tenant)
                .await
                .record_calls;
        if record && bridge.recording.is_none() {
            match bridge.apply(&self.deps, CallCommand::RecordStart).await {
                Ok(_) => self.show(|c| c.recording = true),
                Err(e) => tracing::warn!(error = %e, "the call's recording did not start"),
            }
        }
        let mut consult: Option<Consult> = None;
        let mut reattaching = None;
        let mut quality = tokio::time::interval(control::QUALITY_EVERY);
        quality.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        // The parts a consultation, a transfer or a reattachment work on, borrowed anew.
        macro_rules! at {
            () => {
                consult::At {
                    media,
                    bridge,
                    agent: &mut agent,
                    consult: &mut consult,
                    reattach: &mut reattaching,
                }
            };
        }
        loop {
            let step = tokio::select! {
                input = self.inputs.recv() => match input {
                    Some(CallInput::Control(command, reply)) => {
                        self.command(&mut at!(), command, reply).await
                    }
                    other => self.connected_input(other, media, &mut agent, consult.as_ref(), acks).await,
                },
                outcome = consult::next_ring(&mut consult) => {
                    self.consult_rang(&mut at!(), outcome).await
                }
                outcome = reattach::next_ring(&mut reattaching) => {
                    self.reattach_rang(&mut at!(), outcome).await;
                    Step::Stay
                }
                event = media.events.recv() => match event {
                    Some(MediaEvent::Timeout { endpoint })
                        if consult.as_ref().is_some_and(|c| c.endpoint() == endpoint) =>
                    {
                        Step::ConsultLost
                    }
                    Some(MediaEvent::Timeout { endpoint })
                        if endpoint != media.endpoint && endpoint != agent.endpoint =>
                    {
                        Step::Stay
                    }
                    Some(MediaEvent::Timeout { .. }) | None => {
                        Step::End(EndCause::new("media_timeout", 408), Gone::Nobody)
                    }
                    Some(_) => Step::Stay,
                },
                _ = quality.tick() => {
                    self.sample_quality(bridge, &agent).await;
                    Step::Stay
                }
                event = next_interaction_event(&mut agent) => {
                    self.interaction_event(&agent, event).await;
                    Step::Stay
                }
                _ = acks.due(), if acks.waiting() => {
                    self.caller.respond(StatusCode::OK, Some(&media.answer));
                    acks.backoff();
                    Step::Stay
                }
            };
            if let Some(next) = self.settle(&mut at!(), step).await {
                return next;
            }
        }
    }

    /// Carries out what an input did; `Some` when the connected stretch is over.
    async fn settle(&mut self, at: &mut consult::At<'_>, step: Step) -> Option<Next> {
        match step {
            Step::Stay => None,
            Step::End(cause, gone) => {
                self.end_all(at, &cause, gone).await;
                Some(Next::Ended(cause))
            }
            Step::AgentLeft if at.consult.is_some() => self.agent_left_consult(at).await,
            Step::AgentLeft => {
                let cause = EndCause::new("agent_hangup", 200);
                self.end_all(at, &cause, Gone::Agent).await;
                Some(Next::Ended(cause))
            }
            Step::ConsultLeft => {
                self.consult_left(at).await;
                None
            }
            Step::ConsultLost => {
                let _ = self.consult_cancel(at).await;
                None
            }
            Step::Completed(next) => {
                self.take_over(at, *next, true).await;
                None
            }
            Step::Blind(target) => {
                self.leave(at.media, at.agent, "transferred", true).await;
                Some(Next::Blind(target))
            }
            Step::Surrender(s) => self.surrender(at, *s).await,
            Step::Replaces(replaces) => {
                self.replaced(at, replaces).await;
                None
            }
            Step::Refer(user) => {
                let target = self.referred(at.agent, &user).await?;
                self.leave(at.media, at.agent, "transferred", true).await;
                Some(Next::Blind(target))
            }
        }
    }

    /// `next` (the consulted leg) is the call's agent leg now; the old one leaves, with a
    /// BYE when `bye` (it has not hung up itself).
    pub(super) async fn take_over(&mut self, at: &mut consult::At<'_>, next: AgentLeg, bye: bool) {
        let mut old = std::mem::replace(at.agent, next);
        self.leave(at.media, &mut old, "transferred", bye).await;
        let label = at.agent.label.clone();
        self.log
            .record("connected", json!({ "to": label, "after": "transfer" }))
            .await;
        at.bridge.agent = at.agent.endpoint;
        at.bridge.held = false;
        self.show_agent(at.agent);
    }

    /// Shows the caller's and the agent's media quality now in the live calls.
    async fn sample_quality(&self, bridge: &Bridge, agent: &AgentLeg) {
        let other = if agent.peer == Peer::External {
            "external"
        } else {
            "agent"
        };
        let figures = bridge.quality(["caller", other]).await;
        self.show(|c| c.quality = figures);
    }

    /// Shows `agent` as the call's agent in the live calls.
    fn show_agent(&self, agent: &AgentLeg) {
        let id = match agent.peer {
            Peer::Agent { agent, .. } | Peer::DirectAgent(agent) => Some(agent),
            Peer::External => None,
        };
        self.show(|c| {
            c.state = "connected".into();
            c.agent = id;
            c.offered_to = None;
            c.consult = None;
        });
    }

    /// Changes the call's entry in the live calls.
    pub(super) fn show(&self, change: impl FnOnce(&mut crate::calls::LiveCall)) {
        self.deps.control.update(self.log.call(), change);
    }

    /// Hangs up `leg` (with a BYE when `bye`), keeps its quality figures for `call.ended`,
    /// and settles its ACD interaction (`completed`: the agent goes to wrap-up).
    pub(super) async fn leave(
        &mut self,
        media: &CallerMedia,
        leg: &mut AgentLeg,
        why: &'static str,
        bye: bool,
    ) {
        if bye {
            let cause = EndCause::new(why, 200);
            leg.hang_up(&self.deps, &cause).await;
        }
        self.drop_leg(media, leg).await;
        // Off the call from now on: the ACD may offer them the next one while this call's
        // task finishes (busy checks read the live calls).
        if let Peer::Agent { agent, .. } | Peer::DirectAgent(agent) = leg.peer {
            self.show(|c| {
                if c.agent == Some(agent) {
                    c.agent = None;
                    c.last_agent = Some(agent);
                }
            });
        }
        if let Peer::DirectAgent(agent) = leg.peer
            && self.placed_by.as_ref().is_some_and(|e| e.agent() == agent)
            && let Some(engaged) = self.placed_by.take()
        {
            self.release_placer(engaged).await;
        }
        if let Peer::Agent { interaction, .. } = leg.peer
            && leg.interaction_events.is_some()
            && let Err(e) = self.deps.acd.complete(self.tenant, interaction).await
        {
            tracing::warn!(error = %e, "the ACD did not take the end of the call");
        }
    }

    /// Removes `leg`'s media endpoint and keeps its quality figures.
    pub(super) async fn drop_leg(&mut self, media: &CallerMedia, leg: &AgentLeg) {
        let stats = media.call.remove_endpoint(leg.endpoint).await.ok();
        let name = if leg.peer == Peer::External {
            "external"
        } else {
            "agent"
        };
        let mut f = crate::calls::events::leg_figures(name, stats.as_ref());
        f["to"] = json!(leg.label);
        self.legs_done.push(f);
    }

    /// Ends the call: BYE to every leg still up but `gone`.
    async fn end_all(&mut self, at: &mut consult::At<'_>, cause: &EndCause, gone: Gone) {
        if let Some(c) = at.consult.take() {
            c.abandon(self, at.media, cause).await;
        }
        if let Some(r) = at.reattach.take() {
            r.abandon(at.media).await;
        }
        if gone != Gone::Agent {
            at.agent.hang_up(&self.deps, cause).await;
        }
        if gone != Gone::Caller {
            self.hang_up_caller(cause).await;
        }
        self.leave(at.media, at.agent, "ended", false).await;
    }

    /// A command from the API while connected.
    async fn command(
        &mut self,
        at: &mut consult::At<'_>,
        command: CallCommand,
        reply: control::Reply,
    ) -> Step {
        match command {
            CallCommand::Transfer { to, consult: true } => {
                let done = self.consult_start(at, to).await;
                answer(reply, done, Step::Stay)
            }
            CallCommand::Transfer { to, consult: false } => {
                if at.consult.is_some() {
                    return answer(
                        reply,
                        Err("finish the consultation first".into()),
                        Step::Stay,
                    );
                }
                match self.blind_target(at.agent, to).await {
                    Ok(target) => answer(reply, Ok(()), Step::Blind(target)),
                    Err(why) => answer(reply, Err(why), Step::Stay),
                }
            }
            CallCommand::TransferComplete => match self.consult_complete(at).await {
                Ok(leg) => answer(reply, Ok(()), Step::Completed(Box::new(leg))),
                Err(why) => answer(reply, Err(why), Step::Stay),
            },
            CallCommand::TransferCancel => {
                let done = self.consult_cancel(at).await;
                answer(reply, done, Step::Stay)
            }
            CallCommand::Conference => {
                let done = self.consult_conference(at).await;
                answer(reply, done, Step::Stay)
            }
            CallCommand::Reattach => {
                let done = self.reattach_start(at, false).await;
                answer(reply, done, Step::Stay)
            }
            CallCommand::ReattachLine => {
                let done = self.reattach_start(at, true).await;
                answer(reply, done, Step::Stay)
            }
            CallCommand::Consulted { agent, answer: yes } => {
                let done = match at.consult.as_mut() {
                    Some(c) => c.decide(agent, yes),
                    None => Err("no consultation is going on".into()),
                };
                answer(reply, done, Step::Stay)
            }
            CallCommand::ConsultLeave { agent } => match at.consult.as_ref() {
                Some(c) if c.on_line_of(agent) => answer(reply, Ok(()), Step::ConsultLeft),
                _ => answer(
                    reply,
                    Err(
                        "your side of the consultation is not on your line: hang up on your phone"
                            .into(),
                    ),
                    Step::Stay,
                ),
            },
            CallCommand::Hold | CallCommand::Resume if at.consult.is_some() => {
                answer(reply, Err("a consultation is going on".into()), Step::Stay)
            }
            other => self.bridge_command(at.bridge, other, reply).await,
        }
    }

    /// Hold, resume, DTMF, recording, hang-up: the bridge carries them out.
    async fn bridge_command(
        &mut self,
        bridge: &mut Bridge,
        command: CallCommand,
        reply: control::Reply,
    ) -> Step {
        let label = format!("{command:?}");
        let result = bridge.apply(&self.deps, command).await;
        let held = bridge.held;
        let recording = bridge.recording.is_some();
        self.show(|c| {
            c.state = if held { "held" } else { "connected" }.into();
            c.recording = recording;
        });
        match result {
            Ok(effect) => {
                let _ = reply.send(Ok(()));
                self.log
                    .record("command", json!({ "command": label }))
                    .await;
                match effect {
                    Effect::Hangup => Step::End(EndCause::new("agent_hangup", 200), Gone::Nobody),
                    Effect::Recorded(info) => {
                        self.log.record("recorded", info).await;
                        Step::Stay
                    }
                    Effect::Continue => Step::Stay,
                }
            }
            Err(why) => {
                let _ = reply.send(Err(why));
                Step::Stay
            }
        }
    }

    /// A request or ACK from the router while connected.
    async fn connected_input(
        &mut self,
        input: Option<CallInput>,
        media: &mut CallerMedia,
        agent: &mut AgentLeg,
        consult: Option<&Consult>,
        acks: &mut AckWait,
    ) -> Step {
        let Some(input) = input else {
            return Step::End(EndCause::new("shutdown", 503), Gone::Nobody);
        };
        match input {
            CallInput::Ack => {
                acks.acked();
                Step::Stay
            }
            CallInput::Cancel => Step::Stay,
            CallInput::Control(_, reply) => {
                control::refuse(reply, "busy");
                Step::Stay
            }
            CallInput::Surrender(s) => Step::Surrender(s),
            CallInput::Request(r, responder) => {
                let call_id = r.request.headers().call_id().ok().map(str::to_owned);
                let call_id = call_id.unwrap_or_default();
                let method = r.request.method().clone();
                if method == Method::Refer {
                    let from_agent = call_id == agent.call_id;
                    return self.refer_request(&r.request, responder, from_agent, consult);
                }
                if method != Method::Bye {
                    self.reoffered(&r.request, responder, &call_id, media, agent)
                        .await;
                    return Step::Stay;
                }
                responder.respond(r.request.make_response(StatusCode::OK, None));
                if call_id == agent.call_id {
                    Step::AgentLeft
                } else if consult.is_some_and(|c| c.call_id() == call_id) {
                    Step::ConsultLeft
                } else if call_id == self.caller.call_id() {
                    Step::End(EndCause::new("caller_hangup", 200), Gone::Caller)
                } else {
                    // A leg that is over already (a consultation cancelled while it answered).
                    Step::Stay
                }
            }
        }
    }

    /// A request inside the caller's or the agent's dialog that is not a BYE or a REFER: a
    /// re-offer (hold, resume, session refresh) is answered with that leg's own description,
    /// and a leg on hold may stay silent.
    async fn reoffered(
        &mut self,
        request: &sb_sip::Request,
        responder: sb_sip_transport::Responder,
        call_id: &str,
        media: &mut CallerMedia,
        agent: &mut AgentLeg,
    ) {
        let (ours, endpoint) = if call_id == self.caller.call_id() {
            (Some(&mut media.answer), media.endpoint)
        } else if call_id == agent.call_id {
            (agent.sdp.as_mut(), agent.endpoint)
        } else {
            (None, media.endpoint)
        };
        let answered = crate::calls::reoffer::answer(request, ours);
        responder.respond(answered.response);
        if let Some(sends) = answered.peer_sends {
            let _ = media.call.expect_media(endpoint, sends).await;
        }
    }

    /// A REFER: from the agent's phone, outside a consultation, it is accepted and carried out
    /// as a blind transfer, or an attended one when Refer-To carries Replaces; anything else
    /// is refused.
    fn refer_request(
        &self,
        request: &sb_sip::Request,
        responder: sb_sip_transport::Responder,
        from_agent: bool,
        consult: Option<&Consult>,
    ) -> Step {
        let refused = |status: StatusCode, why: &str| {
            let mut response = request.make_response(status, None);
            response.headers_mut().push(
                sb_sip::HeaderName::new("Warning"),
                format!("399 switchboard \"{why}\""),
            );
            responder.respond(response);
            Step::Stay
        };
        if !from_agent {
            return refused(
                StatusCode::FORBIDDEN,
                "only the agent's phone may transfer the call",
            );
        }
        if consult.is_some() {
            return refused(StatusCode::REQUEST_PENDING, "a consultation is going on");
        }
        match refer::read(request) {
            refer::Referral::To(user) => {
                responder.respond(request.make_response(StatusCode::ACCEPTED, None));
                Step::Refer(user)
            }
            refer::Referral::Replaces(replaces) => {
                responder.respond(request.make_response(StatusCode::ACCEPTED, None));
                Step::Replaces(replaces)
            }
            refer::Referral::Refused(status, why) => refused(status, why),
        }
    }

    /// The ACD's news about the agent's interaction: after a transfer to an agent, the ACD
    /// offers it to them; they have it already, so the offer is taken at once.
    async fn interaction_event(&mut self, agent: &AgentLeg, event: Option<InteractionEvent>) {
        let Peer::Agent {
            agent: id,
            interaction,
        } = agent.peer
        else {
            return;
        };
        if let Some(InteractionEvent::Offered { agent: offered, .. }) = event
            && offered == id
            && let Err(e) = self.deps.acd.accept(self.tenant, interaction, id).await
        {
            tracing::warn!(error = %e, "the ACD did not take the transferred call's answer");
        }
    }
}

/// Answers a command and goes on with `step` when it was carried out.
fn answer(reply: control::Reply, done: Result<(), String>, step: Step) -> Step {
    let ok = done.is_ok();
    let _ = reply.send(done);
    if ok { step } else { Step::Stay }
}

/// The next ACD event of the agent's interaction (never, when it has none).
async fn next_interaction_event(agent: &mut AgentLeg) -> Option<InteractionEvent> {
    match agent.interaction_events.as_mut() {
        Some(events) => {
            let event = events.recv().await;
            if event.is_none() {
                agent.interaction_events = None;
            }
            event
        }
        None => std::future::pending().await,
    }
}
