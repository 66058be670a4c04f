//! Transfers from a flow: to a queue (waiting there as in an enqueue block), to an agent (rung
//! directly: on their line when they have one their device allows, as offers are, else their
//! registered phone), or to a number through the tenant's trunk. The caller hears music while
//! it rings and is bridged when it is answered.

use std::net::SocketAddr;
use std::time::Duration;

use sb_flow::{Input, Session, Target, Treatment};
use sb_media::{EndpointId, MediaEvent};
use sb_sip_dialog::e164::normalize;
use sb_sip_dialog::trunk::caller_id::CallerIdRequest;
use sb_sip_transport::Destination;
use serde_json::json;

use super::{
    AckWait, AgentLeg, CallerMedia, Inbound, Interrupt, Outcome, Peer, Signal, ivr, queue,
};
use crate::calls::control::CallCommand;
use crate::calls::dialogs::{self, CarrierInvite, token};
use crate::calls::leg_media;
use crate::calls::ring::{self, LegOffer, RingOutcome, Ringing};
use crate::devices::Device;
use sb_types::UserId;

/// What the caller hears while a transfer rings.
const RINGING_MUSIC: &str = "default:hold_music";

/// The flow's transfer block.
pub async fn transfer(
    call: &mut Inbound,
    session: &mut Session,
    media: &mut CallerMedia,
    acks: &mut AckWait,
    target: Target,
    timeout: Duration,
) -> Result<Outcome, Interrupt> {
    match target {
        Target::Number(n) => to_number(call, media, acks, &n, timeout).await,
        Target::Agent(agent) => to_agent(call, media, acks, agent.id, timeout).await,
        Target::Queue(queue) => {
            let ask = queue::Ask {
                queue,
                priority: 0,
                skills: Vec::new(),
                treatment: Treatment::default(),
            };
            Ok(
                match queue::wait_for_agent(call, session, media, acks, ask).await? {
                    Outcome::Input(Input::Timeout) => Outcome::Input(Input::NoAnswer),
                    other => other,
                },
            )
        }
    }
}

fn failed(why: impl Into<String>) -> Result<Outcome, Interrupt> {
    Ok(Outcome::Input(Input::Failed(why.into())))
}

/// Rings an agent outside the ACD: on their line (answered from the console or the API, or
/// with 1 on a SIP phone's line), else their registered phone.
pub async fn to_agent(
    call: &mut Inbound,
    media: &mut CallerMedia,
    acks: &mut AckWait,
    agent: sb_types::AgentId,
    timeout: Duration,
) -> Result<Outcome, Interrupt> {
    let rung = match on_line(call, media, agent, timeout).await {
        Some(rung) => Ok(rung),
        None => dial_agent(call, media, (agent, false), timeout).await,
    };
    let outcome = match rung {
        Ok((ringing, leg)) => ring_and_bridge(call, media, acks, ringing, leg).await,
        Err(why) => return failed(why),
    };
    if !matches!(outcome, Ok(Outcome::Connected(_))) {
        call.show(|c| {
            if c.offered_to == Some(agent) {
                c.offered_to = None;
                c.state = "ivr".into();
            }
        });
    }
    outcome
}

/// Rings `agent`'s line when they have one their device allows and it is free; shown to them
/// as ringing (`offered_to`), `call.offered` with `on: line`.
async fn on_line(
    call: &mut Inbound,
    media: &CallerMedia,
    agent: sb_types::AgentId,
    timeout: Duration,
) -> Option<(Ringing, Pending)> {
    if !call
        .deps
        .lines
        .usable(call.tenant, agent, &call.deps.devices)
    {
        return None;
    }
    let rung = line_agent(call, media, agent, Some(timeout)).await;
    let (ringing, leg) = rung
        .map_err(|why| tracing::info!(%agent, why, "the transfer cannot ring the agent's line"))
        .ok()?;
    call.show(|c| {
        c.state = "ringing".into();
        c.offered_to = Some(agent);
    });
    call.log
        .record(
            "offered",
            json!({ "agent": agent.to_string(), "on": "line", "transfer": true }),
        )
        .await;
    Some((ringing, leg))
}

/// Dials `number` through the tenant's outbound trunk.
pub async fn to_number(
    call: &mut Inbound,
    media: &mut CallerMedia,
    acks: &mut AckWait,
    number: &str,
    timeout: Duration,
) -> Result<Outcome, Interrupt> {
    match dial_number(call, media, number, timeout).await {
        Ok((ringing, leg)) => {
            call.log
                .record("transfer", json!({ "to": leg.label }))
                .await;
            ring_and_bridge(call, media, acks, ringing, leg).await
        }
        Err(why) => failed(why),
    }
}

/// Starts ringing an agent's registered phone with a new leg of the call (marked as their
/// own call coming back when `reattach`); the error says why it cannot be rung.
pub async fn dial_agent(
    call: &mut Inbound,
    media: &CallerMedia,
    (agent, reattach): (sb_types::AgentId, bool),
    timeout: Duration,
) -> Result<(Ringing, Pending), String> {
    let device = call.deps.devices.get(call.tenant, agent);
    if let Device::Pstn(number) = device.clone() {
        // The agent takes calls on their number: it rings there, as the agent.
        let user = UserId::from_uuid(agent.as_uuid());
        let name = call.deps.store.get_user(call.tenant, user).await;
        let (ringing, mut pending) = dial_number(call, media, &number, timeout).await?;
        pending.peer = Peer::DirectAgent(agent);
        pending.label = name.map_or_else(|_| agent.to_string(), |u| u.username);
        return Ok((ringing, pending));
    }
    // A consulted agent's calls ring their chosen phone; a call coming back, any phone.
    let phone = match reattach {
        true => ring::find_phone(&call.deps, call.tenant, agent).await,
        false => ring::device_phone(&call.deps, call.tenant, agent, &device).await,
    };
    let Some(phone) = phone else {
        return Err("the agent has no registered phone".into());
    };
    let label = phone.username.clone();
    let opened = leg_media(call, media, phone.dest.addr, phone.webrtc, false).await;
    let Some((endpoint, offer)) = opened else {
        return Err("no media port available".into());
    };
    let (dest, transport) = (phone.dest, phone.transport);
    let local = local_towards(call, dest.addr);
    let caller = call.caller.caller();
    let ringing = ring::ring(
        call.deps.clone(),
        phone,
        offer,
        caller,
        ring::RingAs {
            reattach,
            ..ring::RingAs::offer(call.log.call())
        },
        timeout,
    );
    let leg = Pending {
        endpoint,
        peer: Peer::DirectAgent(agent),
        label,
        dest,
        transport,
        local,
        line: false,
    };
    track(call, &ringing);
    Ok((ringing, leg))
}

/// The agent's line, lent to the call: ringing for `ring` (answered from the console or the
/// API), or answered at once without (their own call coming back); the error says why it
/// cannot.
pub async fn line_agent(
    call: &mut Inbound,
    media: &CallerMedia,
    agent: sb_types::AgentId,
    ring: Option<Duration>,
) -> Result<(Ringing, Pending), String> {
    let deps = call.deps.clone();
    let inputs = call.inputs_tx.clone();
    let timeout = ring.unwrap_or(Duration::from_secs(5));
    let (mut ringing, loan) =
        crate::calls::line::ring(&deps, call.tenant, agent, &media.call, inputs, timeout).await?;
    if ring.is_none() {
        ringing.decide(true);
    }
    let user = UserId::from_uuid(agent.as_uuid());
    let name = deps.store.get_user(call.tenant, user).await;
    let leg = Pending {
        endpoint: loan.endpoint,
        peer: Peer::DirectAgent(agent),
        label: name.map_or_else(|_| agent.to_string(), |u| u.username),
        dest: loan.dest,
        transport: loan.transport,
        local: loan.local,
        line: true,
    };
    Ok((ringing, leg))
}

/// Starts dialling `number` through the tenant's outbound trunk with a new leg of the call;
/// the error says why it cannot be dialled.
pub async fn dial_number(
    call: &mut Inbound,
    media: &CallerMedia,
    number: &str,
    timeout: Duration,
) -> Result<(Ringing, Pending), String> {
    let Some(trunk) = call.deps.trunks.outbound_trunk(call.tenant) else {
        return Err("no trunk places outbound calls".into());
    };
    let Ok(e164) = normalize(number, trunk.plan.national.as_ref()) else {
        return Err(format!("{number:?} is not a phone number"));
    };
    let located = call.deps.resolver.resolve(&trunk.proxy).await.ok();
    let Some(dest) = located.and_then(|d| d.into_iter().next()) else {
        return Err("the trunk's server cannot be located".into());
    };
    let srtp = trunk.plan.srtp;
    let Some((endpoint, LegOffer::Rtp(offer))) =
        leg_media(call, media, dest.addr, false, srtp).await
    else {
        return Err("no media port available".into());
    };
    let local = local_towards(call, dest.addr);
    let call_id = format!("{}@switchboard", token());
    let caller_id = CallerIdRequest {
        number: Some(call.caller.caller()),
        ..CallerIdRequest::default()
    };
    let invite = dialogs::carrier_invite(&CarrierInvite {
        number: &e164,
        trunk: &trunk,
        local,
        sdp: &offer,
        call_id: &call_id,
        from_tag: &token(),
        caller_id: &caller_id,
    });
    let target = ring::Target {
        dest,
        transport: "UDP",
        local,
        credentials: trunk.plan.call_credentials.clone(),
        name: trunk.name.clone(),
        webrtc: false,
    };
    call.log
        .record(
            "dialled",
            json!({ "to": e164.as_str(), "trunk": trunk.name }),
        )
        .await;
    let ringing = ring::place(call.deps.clone(), Some(invite), target, call_id, timeout);
    let leg = Pending {
        endpoint,
        peer: Peer::External,
        label: e164.as_str().to_owned(),
        dest,
        transport: "UDP",
        local,
        line: false,
    };
    track(call, &ringing);
    Ok((ringing, leg))
}

/// Requests in the new leg's dialog reach this call.
fn track(call: &mut Inbound, ringing: &Ringing) {
    call.registry
        .insert(&ringing.call_id, call.inputs_tx.clone());
    call.ids.push(ringing.call_id.clone());
}

fn local_towards(call: &Inbound, peer: SocketAddr) -> SocketAddr {
    SocketAddr::new(
        call.deps.local_ip_towards(peer),
        call.deps.sip_listen.port(),
    )
}

/// A media endpoint for a new leg towards `peer`, and our SDP offer for it (SRTP when the
/// trunk asks for it).
async fn leg_media(
    call: &Inbound,
    media: &CallerMedia,
    peer: SocketAddr,
    webrtc: bool,
    srtp: bool,
) -> Option<(EndpointId, LegOffer)> {
    let pt = media.payload_type;
    leg_media::open(&call.deps, &media.call, "transfer", pt, peer, webrtc, srtp).await
}

/// A leg being placed, and how to reach it once answered.
pub struct Pending {
    /// Its media endpoint.
    pub endpoint: EndpointId,
    /// Who it rings.
    pub peer: Peer,
    /// The agent's user name, or the number.
    pub label: String,
    /// Where its requests go.
    pub dest: Destination,
    /// Their transport's name.
    pub transport: &'static str,
    /// Our SIP address towards it.
    pub local: SocketAddr,
    /// The agent's line, lent to the call (never hung up with a BYE).
    pub line: bool,
}

impl Pending {
    /// The answered leg.
    pub fn answered(&self, answered: Box<ring::Answered>, call_id: &str) -> AgentLeg {
        AgentLeg {
            peer: self.peer,
            label: self.label.clone(),
            endpoint: self.endpoint,
            dialog: answered.dialog,
            sdp: answered.ours,
            local: self.local,
            dest: self.dest,
            transport: self.transport,
            call_id: call_id.to_owned(),
            record: false,
            interaction_events: None,
            line: self.line,
        }
    }
}

/// Waits for the placed leg while the caller hears music; bridges it when answered.
pub async fn ring_and_bridge(
    call: &mut Inbound,
    media: &mut CallerMedia,
    acks: &mut AckWait,
    mut ringing: Ringing,
    leg: Pending,
) -> Result<Outcome, Interrupt> {
    let music = sb_flow::Prompt::File(RINGING_MUSIC.into());
    let _ = ivr::start_prompt(call, media, &music, true).await;
    loop {
        tokio::select! {
            outcome = ringing.outcome.recv() => {
                let outcome = outcome.unwrap_or(RingOutcome::Cancelled);
                if let Some(done) = settle(media, &ringing, &leg, outcome).await {
                    return Ok(done);
                }
            }
            event = call.caller_signal(media, acks, |c| matches!(c, CallCommand::Answer | CallCommand::Reject)) => match event {
                Err(interrupt) => {
                    ringing.cancel();
                    let _ = media.call.remove_endpoint(leg.endpoint).await;
                    return Err(interrupt);
                }
                Ok(Signal::Command(command, reply)) => {
                    let answer = matches!(command, CallCommand::Answer);
                    let _ = reply.send(decide_on_line(&mut ringing, answer));
                }
                Ok(Signal::Media(MediaEvent::Dtmf { endpoint, digit }))
                    if digit == '1' && ringing.on_line() && endpoint == leg.endpoint =>
                {
                    // A SIP phone accepts a call ringing on its line with 1.
                    let _ = decide_on_line(&mut ringing, true);
                }
                Ok(Signal::Media(MediaEvent::PlayFinished { endpoint })) if endpoint == media.endpoint => {
                    let _ = ivr::start_prompt(call, media, &music, true).await;
                }
                Ok(Signal::Media(_)) => {}
            }
        }
    }
}

/// Answers (`true`) or declines a transfer ringing on the agent's line.
fn decide_on_line(ringing: &mut Ringing, answer: bool) -> Result<(), String> {
    if !ringing.on_line() {
        return Err("the call rings the agent's phone: answer it there".into());
    }
    match ringing.decide(answer) {
        true => Ok(()),
        false => Err("the call was answered already".into()),
    }
}

/// The outcome of ringing; `Some` when the transfer is over (bridged or failed).
async fn settle(
    media: &mut CallerMedia,
    ringing: &Ringing,
    leg: &Pending,
    outcome: RingOutcome,
) -> Option<Outcome> {
    let failed = |input: Input| Some(Outcome::Input(input));
    match outcome {
        RingOutcome::Ringing => None,
        RingOutcome::Answered(a) => {
            let bridged = leg_media::apply_answer(&media.call, leg.endpoint, &a.media).await
                && media.call.stop_play(media.endpoint).await.is_ok()
                && media
                    .call
                    .connect(media.endpoint, leg.endpoint)
                    .await
                    .is_ok();
            if !bridged {
                return failed(Input::Failed("the media could not be bridged".into()));
            }
            Some(Outcome::Connected(Box::new(
                leg.answered(a, &ringing.call_id),
            )))
        }
        RingOutcome::Failed(status) => {
            let _ = media.call.remove_endpoint(leg.endpoint).await;
            let _ = media.call.stop_play(media.endpoint).await;
            failed(match status.as_u16() {
                486 | 600 | 603 => Input::Busy,
                408 | 480 | 487 => Input::NoAnswer,
                _ => Input::Failed(format!("the transfer failed: {status}")),
            })
        }
        RingOutcome::Cancelled => {
            let _ = media.call.remove_endpoint(leg.endpoint).await;
            failed(Input::NoAnswer)
        }
    }
}
