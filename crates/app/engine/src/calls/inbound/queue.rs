//! The caller waits in a queue: music on hold and announcements, while the ACD offers the
//! call to agents, whose phones are rung one at a time until one answers; the caller may
//! leave (hang up, break-out key) or the flow's maximum wait may pass.

use std::time::Duration;

use sb_acd::{Enqueue, Offer, SkillRequirement};
use sb_flow::{Input, Named, Session, Treatment};
use sb_media::{EndpointId, MediaEvent};
use sb_types::{AgentId, InteractionId, QueueId, SkillId};
use serde_json::json;
use tokio::sync::mpsc;

use super::{
    AckWait, AgentLeg, CallerMedia, Inbound, Interrupt, Outcome, Signal, ivr, new_interaction, pstn,
};
use crate::acd::InteractionEvent;
use crate::calls::control::CallCommand;
use crate::calls::ring::{self, RingOutcome, Ringing};
use crate::calls::{leg_media, line};
use crate::devices::Device;

/// What the flow's enqueue block asked for.
pub struct Ask {
    /// The queue.
    pub queue: Named<QueueId>,
    /// Priority (higher first).
    pub priority: i64,
    /// Extra skills.
    pub skills: Vec<Named<SkillId>>,
    /// What the caller hears.
    pub treatment: Treatment,
}

/// The music on hold when the queue names none.
const DEFAULT_MUSIC: &str = "default:hold_music";

/// One agent's phone being rung.
struct Ring {
    ringing: Ringing,
    agent: AgentId,
    endpoint: EndpointId,
    dest: sb_sip_transport::Destination,
    transport: &'static str,
    /// The queue records its calls.
    record: bool,
    /// A phone number rung for the agent: they accept with a key once they answer.
    confirm: bool,
    /// The ACD's offer being rung.
    offer: Offer,
}

/// The queue phase: see the module documentation.
pub async fn wait_for_agent(
    call: &mut Inbound,
    session: &mut Session,
    media: &mut CallerMedia,
    acks: &mut AckWait,
    ask: Ask,
) -> Result<Outcome, Interrupt> {
    let interaction = new_interaction();
    let (events_tx, events) = mpsc::unbounded_channel();
    let mut enqueue = Enqueue::new(interaction, ask.queue.id);
    enqueue.priority = Some(ask.priority.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32);
    enqueue.skills = ask
        .skills
        .iter()
        .map(|s| SkillRequirement {
            skill: s.id,
            max_proficiency: 10,
        })
        .collect();
    enqueue.arrived_at = Some(call.log.now());
    if let Err(e) = call.deps.acd.enqueue(call.tenant, enqueue, events_tx).await {
        return Ok(Outcome::Input(Input::Failed(format!(
            "queue {}: {e}",
            ask.queue.name
        ))));
    }
    call.log
        .record(
            "queued",
            json!({ "queue": ask.queue.name, "interaction": interaction.to_string() }),
        )
        .await;
    let (queued_at, screen_pop) = (call.log.now(), session.screen_pop());
    call.deps.control.update(call.log.call(), |c| {
        c.state = "queued".into();
        c.queue = Some(ask.queue.name.clone());
        c.queued_at = Some(queued_at);
        c.screen_pop = screen_pop
            .into_iter()
            .map(|(k, v)| (k, v.to_string()))
            .collect();
    });
    let waiting = (interaction, events);
    wait_offers(call, session, media, acks, waiting, &ask.treatment, None).await
}

/// The caller waits while the ACD offers `interaction` (its events come on `events`): after
/// an enqueue, or after an agent's blind transfer moved it; at most until the flow's deadline
/// and `limit`, when there are any.
pub async fn wait_offers(
    call: &mut Inbound,
    session: &mut Session,
    media: &mut CallerMedia,
    acks: &mut AckWait,
    (interaction, mut events): (InteractionId, mpsc::UnboundedReceiver<InteractionEvent>),
    treatment: &Treatment,
    limit: Option<tokio::time::Instant>,
) -> Result<Outcome, Interrupt> {
    let music = hold_music(treatment);
    let _ = ivr::start_prompt(call, media, &music, true).await;
    let mut ring: Option<Ring> = None;
    loop {
        let flow = deadline_of(session, call.log.now());
        let deadline = match (flow, limit) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        tokio::select! {
            event = events.recv() => {
                let Some(event) = event else {
                    return Ok(Outcome::Input(Input::Failed("the ACD stopped".into())));
                };
                if let Some(done) = on_acd_event(call, media, &mut ring, interaction, event).await {
                    return Ok(done);
                }
            }
            outcome = next_ring(&mut ring) => {
                if let Some(done) = on_ring(call, media, &mut ring, interaction, outcome).await {
                    return Ok(keep_events(done, events));
                }
            }
            event = call.caller_signal(media, acks, |c| matches!(c, CallCommand::Answer | CallCommand::Reject)) => match event {
                Err(interrupt) => {
                    leave(call, &mut ring, interaction).await;
                    return Err(interrupt);
                }
                Ok(Signal::Command(CallCommand::Answer, reply)) => {
                    let done = answer_offer(call, media, &mut ring).await;
                    let _ = reply.send(done);
                }
                Ok(Signal::Command(CallCommand::Reject, reply)) => {
                    let _ = reply.send(decide_on_line(&mut ring, false));
                }
                Ok(Signal::Media(MediaEvent::Dtmf { endpoint, digit })) if ring_on_line(&ring, endpoint) => {
                    // A SIP phone accepts the offer ringing on its line with 1.
                    if digit == '1' {
                        let _ = decide_on_line(&mut ring, true);
                    }
                }
                Ok(Signal::Command(_, reply)) => {
                    crate::calls::control::refuse(reply, "the call is not connected to an agent yet");
                }
                Ok(Signal::Media(MediaEvent::PlayFinished { endpoint })) if endpoint == media.endpoint => {
                    let _ = ivr::start_prompt(call, media, &music, true).await;
                }
                Ok(Signal::Media(MediaEvent::Dtmf { digit, endpoint })) if endpoint == media.endpoint && Some(digit) == treatment.break_out_key => {
                    leave(call, &mut ring, interaction).await;
                    let _ = media.call.stop_play(media.endpoint).await;
                    return Ok(Outcome::Input(Input::BreakOut));
                }
                Ok(Signal::Media(_)) => {}
            },
            _ = sleep_until(deadline), if deadline.is_some() => {
                leave(call, &mut ring, interaction).await;
                let _ = media.call.stop_play(media.endpoint).await;
                return Ok(Outcome::Input(Input::Timeout));
            }
        }
    }
}

fn hold_music(treatment: &Treatment) -> sb_flow::Prompt {
    let id = treatment.music_on_hold.as_deref().unwrap_or(DEFAULT_MUSIC);
    sb_flow::Prompt::File(id.to_owned())
}

/// The flow's maximum wait as a tokio instant.
fn deadline_of(session: &Session, now: sb_types::Timestamp) -> Option<tokio::time::Instant> {
    let at = session.deadline()?;
    let ms = at.as_millis().saturating_sub(now.as_millis()).max(0) as u64;
    Some(tokio::time::Instant::now() + Duration::from_millis(ms))
}

async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

async fn next_ring(ring: &mut Option<Ring>) -> RingOutcome {
    match ring {
        Some(r) => r
            .ringing
            .outcome
            .recv()
            .await
            .unwrap_or(RingOutcome::Cancelled),
        None => std::future::pending().await,
    }
}

/// The caller leaves the queue: stop ringing, tell the ACD.
async fn leave(call: &mut Inbound, ring: &mut Option<Ring>, interaction: InteractionId) {
    if let Some(r) = ring.as_mut() {
        r.ringing.cancel();
    }
    if let Err(e) = call.deps.acd.abandon(call.tenant, interaction).await {
        tracing::debug!(error = %e, "abandon not taken by the ACD");
    }
}

/// What the ACD says about the waiting call; `Some` when the queue phase is over.
async fn on_acd_event(
    call: &mut Inbound,
    media: &mut CallerMedia,
    ring: &mut Option<Ring>,
    interaction: InteractionId,
    event: InteractionEvent,
) -> Option<Outcome> {
    match event {
        InteractionEvent::Offered { agent, offer } => {
            // One offer at a time per interaction: a new one replaces a phone still ringing.
            if let Some(mut old) = ring.take() {
                old.ringing.cancel();
                let _ = media.call.remove_endpoint(old.endpoint).await;
            }
            *ring = ring_agent(call, media, agent, &offer, false).await;
            if ring.is_none() {
                let _ = call.deps.acd.reject(call.tenant, interaction, agent).await;
            }
            None
        }
        InteractionEvent::OfferWithdrawn { agent, reason, .. } => {
            if let Some(r) = ring.as_mut().filter(|r| r.agent == agent) {
                tracing::info!(%agent, ?reason, "offer withdrawn: ringing stops");
                r.ringing.cancel();
            }
            None
        }
        InteractionEvent::PlayMessage { prompt, .. } => {
            if ring.is_none() {
                let p = sb_flow::Prompt::File(prompt);
                let _ = ivr::start_prompt(call, media, &p, false).await;
            }
            None
        }
        InteractionEvent::AnnouncePosition { position, .. } => {
            if ring.is_none() {
                let text = format!("You are number {position} in the queue.");
                let _ = ivr::start_prompt(call, media, &sb_flow::Prompt::Tts(text), false).await;
            }
            None
        }
        InteractionEvent::Overflow { target, reason, .. } => {
            call.log
                .record(
                    "overflow",
                    json!({ "target": format!("{target:?}"), "reason": format!("{reason:?}") }),
                )
                .await;
            None
        }
        InteractionEvent::Ended { outcome, .. } => {
            call.log
                .record("left_queue", json!({ "outcome": format!("{outcome:?}") }))
                .await;
            if let Some(r) = ring.as_mut() {
                r.ringing.cancel();
            }
            let _ = media.call.stop_play(media.endpoint).await;
            Some(Outcome::Input(Input::Timeout))
        }
    }
}

/// The agent answers the offer ringing their phone from the console or the API: the phone is
/// rung again, asked to answer by itself.
async fn answer_offer(
    call: &mut Inbound,
    media: &CallerMedia,
    ring: &mut Option<Ring>,
) -> Result<(), String> {
    let Some(current) = ring.as_ref() else {
        return Err("no offer is ringing".into());
    };
    if current.ringing.on_line() {
        return decide_on_line(ring, true);
    }
    if current.confirm {
        return Err("the agent's phone number accepts the call with its key".into());
    }
    let (agent, offer) = (current.agent, current.offer.clone());
    let Some(mut old) = ring.take() else {
        return Err("no offer is ringing".into());
    };
    old.ringing.cancel();
    let _ = media.call.remove_endpoint(old.endpoint).await;
    call.log
        .record("answer_asked", json!({ "agent": agent.to_string() }))
        .await;
    *ring = ring_agent(call, media, agent, &offer, true).await;
    match ring {
        Some(_) => Ok(()),
        None => {
            let _ = call
                .deps
                .acd
                .reject(call.tenant, offer.interaction, agent)
                .await;
            Err("the agent's phone could not be rung again".into())
        }
    }
}

/// Answers (`true`) or declines the offer ringing on the agent's line.
fn decide_on_line(ring: &mut Option<Ring>, answer: bool) -> Result<(), String> {
    match ring.as_mut() {
        Some(r) if r.ringing.on_line() => match r.ringing.decide(answer) {
            true => Ok(()),
            false => Err("the offer was answered already".into()),
        },
        Some(_) => Err("the offer rings the agent's phone: decline it there".into()),
        None => Err("no offer is ringing".into()),
    }
}

/// Whether `endpoint` is the agent's line the offer rings on.
fn ring_on_line(ring: &Option<Ring>, endpoint: EndpointId) -> bool {
    ring.as_ref()
        .is_some_and(|r| r.ringing.on_line() && r.endpoint == endpoint)
}

/// Offers the call on the agent's line when they have one their device allows (the console's
/// line or a phone's for `Registered`; a SIP phone's for `Desk`); `None` when they have none
/// or it is on another call.
async fn ring_line(
    call: &mut Inbound,
    media: &CallerMedia,
    agent: AgentId,
    offer: &Offer,
) -> Option<Ring> {
    if !call
        .deps
        .lines
        .usable(call.tenant, agent, &call.deps.devices)
    {
        return None;
    }
    let (deps, inputs) = (call.deps.clone(), call.inputs_tx.clone());
    let ring_for = ring_time(call, offer);
    let rung = line::ring(&deps, call.tenant, agent, &media.call, inputs, ring_for).await;
    let (ringing, loan) = match rung {
        Ok(r) => r,
        Err(why) => {
            tracing::info!(%agent, why, "the offer cannot ring the agent's line");
            return None;
        }
    };
    offered(call, agent, offer, "line").await;
    let record = queue_records(call, offer.queue).await;
    Some(Ring {
        ringing,
        agent,
        endpoint: loan.endpoint,
        dest: loan.dest,
        transport: loan.transport,
        record,
        confirm: false,
        offer: offer.clone(),
    })
}

/// Rings the offered agent's phone with a new media endpoint of the call (asking it to
/// answer by itself with `auto_answer`).
async fn ring_agent(
    call: &mut Inbound,
    media: &CallerMedia,
    agent: AgentId,
    offer: &Offer,
    auto_answer: bool,
) -> Option<Ring> {
    // The agent's own call (answered from the console) is not another call.
    if !auto_answer && call.deps.control.busy(call.tenant, agent) {
        let payload = json!({ "agent": agent.to_string(), "reason": "on another call" });
        call.log.record("offer_failed", payload).await;
        return None;
    }
    let device = call.deps.devices.get(call.tenant, agent);
    if !auto_answer && let Some(r) = ring_line(call, media, agent, offer).await {
        return Some(r);
    }
    if let Device::Pstn(number) = &device {
        return ring_number(call, media, agent, offer, number).await;
    }
    let Some(phone) = ring::device_phone(&call.deps, call.tenant, agent, &device).await else {
        tracing::info!(%agent, "the offered agent has no registered phone");
        call.log
            .record(
                "offer_failed",
                json!({ "agent": agent.to_string(), "reason": "no registered phone" }),
            )
            .await;
        return None;
    };
    let (pt, deps) = (media.payload_type, &call.deps);
    let (endpoint, sdp_offer) = leg_media::open(
        deps,
        &media.call,
        "agent",
        pt,
        phone.dest.addr,
        phone.webrtc,
        false,
    )
    .await?;
    let ring_for = ring_time(call, offer);
    let caller = call.caller.caller();
    let (dest, transport) = (phone.dest, phone.transport);
    let ringing = ring::ring(
        call.deps.clone(),
        phone,
        sdp_offer,
        caller,
        ring::RingAs {
            auto_answer,
            ..ring::RingAs::offer(call.log.call())
        },
        ring_for,
    );
    call.registry
        .insert(&ringing.call_id, call.inputs_tx.clone());
    call.ids.push(ringing.call_id.clone());
    if !auto_answer {
        offered(call, agent, offer, "phone").await;
    }
    let record = queue_records(call, offer.queue).await;
    Some(Ring {
        ringing,
        agent,
        endpoint,
        dest,
        transport,
        record,
        confirm: false,
        offer: offer.clone(),
    })
}

/// Rings the number the agent takes calls on (through the trunk).
async fn ring_number(
    call: &mut Inbound,
    media: &CallerMedia,
    agent: AgentId,
    offer: &Offer,
    number: &str,
) -> Option<Ring> {
    let ring_for = ring_time(call, offer);
    let (ringing, pending) = match pstn::ring(call, media, number, ring_for).await {
        Ok(r) => r,
        Err(why) => {
            let payload = json!({ "agent": agent.to_string(), "reason": why });
            call.log.record("offer_failed", payload).await;
            return None;
        }
    };
    offered(call, agent, offer, "number").await;
    let record = queue_records(call, offer.queue).await;
    Some(Ring {
        ringing,
        agent,
        endpoint: pending.endpoint,
        dest: pending.dest,
        transport: pending.transport,
        record,
        confirm: true,
        offer: offer.clone(),
    })
}

/// How long the offer may ring: until the ACD's offer expires (1 s to 2 min).
fn ring_time(call: &Inbound, offer: &Offer) -> Duration {
    let now = call.log.now().as_millis();
    let ms = offer
        .expires_at
        .as_millis()
        .saturating_sub(now)
        .clamp(1_000, 120_000) as u64;
    Duration::from_millis(ms)
}

/// The call rings `agent` now, `on` their `line`, their `phone` or their `number`.
async fn offered(call: &Inbound, agent: AgentId, offer: &Offer, on: &str) {
    call.deps.control.update(call.log.call(), |c| {
        c.state = "ringing".into();
        c.offered_to = Some(agent);
    });
    call.log
        .record(
            "offered",
            json!({
                "agent": agent.to_string(),
                "interaction": offer.interaction.to_string(),
                "on": on,
            }),
        )
        .await;
}

/// What ringing came to; `Some` once the agent is connected.
async fn on_ring(
    call: &mut Inbound,
    media: &mut CallerMedia,
    ring: &mut Option<Ring>,
    interaction: InteractionId,
    outcome: RingOutcome,
) -> Option<Outcome> {
    let agent = ring.as_ref()?.agent;
    match outcome {
        RingOutcome::Ringing => None,
        RingOutcome::Answered(answered) => {
            let r = ring.take()?;
            if r.confirm && !pstn::confirm(call, media, r.endpoint, &answered.media).await {
                return refused_on_the_phone(call, media, r, *answered, interaction).await;
            }
            let connected = bridge(call, media, &r, *answered, interaction).await;
            if connected.is_none() {
                back_in_queue(call);
                let _ = call.deps.acd.reject(call.tenant, interaction, agent).await;
            }
            connected
        }
        RingOutcome::Failed(status) => {
            let r = ring.take()?;
            back_in_queue(call);
            let _ = media.call.remove_endpoint(r.endpoint).await;
            call.log
                .record(
                    "offer_failed",
                    json!({ "agent": agent.to_string(), "sip_status": status.as_u16() }),
                )
                .await;
            // A phone that rang out is the ACD's missed offer (its own timer); a refusal
            // sends the call to the next agent now.
            if status != sb_sip::StatusCode::REQUEST_TIMEOUT {
                let _ = call.deps.acd.reject(call.tenant, interaction, agent).await;
            }
            None
        }
        RingOutcome::Cancelled => {
            let r = ring.take()?;
            back_in_queue(call);
            let _ = media.call.remove_endpoint(r.endpoint).await;
            None
        }
    }
}

/// Bridges the caller with the agent who answered, and tells the ACD.
async fn bridge(
    call: &mut Inbound,
    media: &mut CallerMedia,
    r: &Ring,
    mut answered: ring::Answered,
    interaction: InteractionId,
) -> Option<Outcome> {
    let applied = leg_media::apply_answer(&media.call, r.endpoint, &answered.media).await;
    let bridged = applied && {
        let _ = media.call.stop_play(media.endpoint).await;
        media.call.connect(media.endpoint, r.endpoint).await.is_ok()
    };
    if !bridged {
        // The agent's phone answered but its media cannot be used: hang it up and let the ACD
        // offer the call again.
        let cause = crate::calls::cause::EndCause::new("agent_media_failed", 488);
        let deps = &call.deps;
        let (local, dest) = (answered.local, r.dest);
        crate::calls::legs::bye(deps, &mut answered.dialog, local, dest, r.transport, &cause).await;
        let _ = media.call.remove_endpoint(r.endpoint).await;
        return None;
    }
    if let Err(e) = call
        .deps
        .acd
        .accept(call.tenant, interaction, r.agent)
        .await
    {
        tracing::warn!(error = %e, "the ACD did not take the answer");
    }
    Some(Outcome::Connected(Box::new(AgentLeg {
        peer: super::Peer::Agent {
            agent: r.agent,
            interaction,
        },
        label: r.agent.to_string(),
        endpoint: r.endpoint,
        dialog: answered.dialog,
        sdp: answered.ours,
        local: answered.local,
        dest: r.dest,
        transport: r.transport,
        call_id: r.ringing.call_id.clone(),
        record: r.record,
        interaction_events: None,
        line: r.ringing.on_line(),
    })))
}

/// The agent answered on their number but did not accept with the key: their leg is hung up
/// and the ACD offers the call again.
async fn refused_on_the_phone(
    call: &mut Inbound,
    media: &mut CallerMedia,
    r: Ring,
    mut answered: ring::Answered,
    interaction: InteractionId,
) -> Option<Outcome> {
    let cause = crate::calls::cause::EndCause::new("agent_not_accepted", 603);
    let (local, dest) = (answered.local, r.dest);
    crate::calls::legs::bye(
        &call.deps,
        &mut answered.dialog,
        local,
        dest,
        r.transport,
        &cause,
    )
    .await;
    let _ = media.call.remove_endpoint(r.endpoint).await;
    back_in_queue(call);
    let payload = json!({ "agent": r.agent.to_string(), "reason": "not accepted on the phone" });
    call.log.record("offer_failed", payload).await;
    let _ = call
        .deps
        .acd
        .reject(call.tenant, interaction, r.agent)
        .await;
    None
}

/// The offer is over without an answer: the call waits again.
fn back_in_queue(call: &Inbound) {
    call.deps.control.update(call.log.call(), |c| {
        c.state = "queued".into();
        c.offered_to = None;
    });
}

/// A connected call holds the interaction's events until it ends.
fn keep_events(done: Outcome, events: mpsc::UnboundedReceiver<InteractionEvent>) -> Outcome {
    match done {
        Outcome::Connected(mut leg) => {
            leg.interaction_events = Some(events);
            Outcome::Connected(leg)
        }
        other => other,
    }
}

/// Whether `queue` records its calls (read at each offer, so a change applies at once).
async fn queue_records(call: &Inbound, queue: QueueId) -> bool {
    let found = call.deps.store.get_queue(call.tenant, queue).await;
    found.is_ok_and(|q| crate::queue_records(&q.settings))
}
