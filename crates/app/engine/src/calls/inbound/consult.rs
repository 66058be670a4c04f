//! Warm (consultative) transfer and conference. The agent consults another agent or a number:
//! the caller hears music on hold while the target rings, then the agent and the target talk.
//! The agent then completes the transfer (they leave; the caller talks with the target, and
//! the ACD interaction moves to the target agent), cancels it (the target is hung up; back to
//! the caller), or joins all three in a conference. Hanging up the agent's own phone during a
//! consultation completes the transfer, even while the target still rings.

use std::time::Duration;

use sb_acd::{AcdInput, AgentState, TransferTarget};
use sb_types::AgentId;
use serde_json::json;

use super::blind::Blind;
use super::connected::{Next, Step};
use super::transfer::{self, Pending};
use super::{AgentLeg, CallerMedia, Inbound, Peer};
use crate::acd::Engagement;
use crate::calls::bridge::Bridge;
use crate::calls::cause::EndCause;
use crate::calls::control::{CallCommand, ConsultView, TransferTo};
use crate::calls::leg_media;
use crate::calls::ring::{RingOutcome, Ringing};

/// How long a consulted party rings.
const CONSULT_RING: Duration = Duration::from_secs(30);

/// The parts of a connected call a consultation works on.
pub(super) struct At<'a> {
    pub media: &'a mut CallerMedia,
    pub bridge: &'a mut Bridge,
    pub agent: &'a mut AgentLeg,
    pub consult: &'a mut Option<Consult>,
    pub reattach: &'a mut Option<super::reattach::Reattach>,
}

/// A consultation in progress.
pub(super) struct Consult {
    kind: &'static str,
    agent: Option<AgentId>,
    label: String,
    state: State,
    /// The consulted agent, kept busy in the ACD while rung and consulted.
    engaged: Option<Engagement>,
}

enum State {
    Ringing {
        ringing: Ringing,
        pending: Pending,
    },
    Talking {
        leg: Box<AgentLeg>,
        conference: bool,
    },
}

impl Consult {
    /// The consulted `agent` answers (`true`) or declines the consultation ringing on their
    /// line; the error says why not.
    pub fn decide(&mut self, agent: AgentId, answer: bool) -> Result<(), String> {
        match &mut self.state {
            State::Ringing { ringing, .. } if self.agent == Some(agent) && ringing.on_line() => {
                match ringing.decide(answer) {
                    true => Ok(()),
                    false => Err("the consultation was answered already".into()),
                }
            }
            _ => Err("no consultation rings on your line".into()),
        }
    }

    /// Whether `agent` is the consulted agent, talking on their line.
    pub fn on_line_of(&self, agent: AgentId) -> bool {
        matches!(&self.state, State::Talking { leg, .. } if leg.line) && self.agent == Some(agent)
    }

    /// The Call-ID of the consulted leg.
    pub fn call_id(&self) -> &str {
        match &self.state {
            State::Ringing { ringing, .. } => &ringing.call_id,
            State::Talking { leg, .. } => &leg.call_id,
        }
    }

    /// The consulted leg's media endpoint.
    pub fn endpoint(&self) -> sb_media::EndpointId {
        match &self.state {
            State::Ringing { pending, .. } => pending.endpoint,
            State::Talking { leg, .. } => leg.endpoint,
        }
    }

    fn view(&self) -> ConsultView {
        let state = match self.state {
            State::Ringing { .. } => "ringing",
            State::Talking {
                conference: false, ..
            } => "talking",
            State::Talking {
                conference: true, ..
            } => "conference",
        };
        ConsultView {
            to: self.label.clone(),
            kind: self.kind,
            state,
            agent: self.agent,
        }
    }

    /// The call ends: the consulted leg is cancelled or hung up.
    pub async fn abandon(self, call: &mut Inbound, media: &CallerMedia, cause: &EndCause) {
        match self.state {
            State::Ringing {
                mut ringing,
                pending,
            } => {
                ringing.cancel();
                let _ = media.call.remove_endpoint(pending.endpoint).await;
            }
            State::Talking { mut leg, .. } => {
                leg.hang_up(&call.deps, cause).await;
                call.drop_leg(media, &leg).await;
            }
        }
    }
}

/// The outcome of the consulted leg's ringing (never, when nothing rings).
pub(super) async fn next_ring(consult: &mut Option<Consult>) -> RingOutcome {
    match consult {
        Some(Consult {
            state: State::Ringing { ringing, .. },
            ..
        }) => ringing
            .outcome
            .recv()
            .await
            .unwrap_or(RingOutcome::Cancelled),
        _ => std::future::pending().await,
    }
}

impl Inbound {
    /// Starts consulting `to`: the caller holds and the target rings.
    pub(super) async fn consult_start(
        &mut self,
        at: &mut At<'_>,
        to: TransferTo,
    ) -> Result<(), String> {
        if at.consult.is_some() {
            return Err("a consultation is going on already".into());
        }
        if at.reattach.is_some() {
            return Err("the agent's phone is being re-attached".into());
        }
        if let TransferTo::Agent(a) = to {
            self.check_consultable(at.agent, a).await?;
        }
        if let TransferTo::Queue(_) = to {
            return Err("a queue cannot be consulted: transfer to it blind".into());
        }
        let engaged = match to {
            TransferTo::Agent(a) => {
                let voice = sb_types::Channel::Voice;
                Engagement::start(&self.deps.acd, self.tenant, a, voice).await
            }
            _ => None,
        };
        let was_held = at.bridge.held;
        if !was_held {
            at.bridge.apply(&self.deps, CallCommand::Hold).await?;
        }
        let dialled = match &to {
            TransferTo::Agent(a) => {
                match self.deps.lines.usable(self.tenant, *a, &self.deps.devices) {
                    // The consulted agent answers on their line from the console.
                    true => transfer::line_agent(self, at.media, *a, Some(CONSULT_RING)).await,
                    false => transfer::dial_agent(self, at.media, (*a, false), CONSULT_RING).await,
                }
            }
            TransferTo::Number(n) => transfer::dial_number(self, at.media, n, CONSULT_RING).await,
            TransferTo::Queue(_) => Err("a queue cannot be consulted".into()),
        };
        let (ringing, pending) = match dialled {
            Ok(d) => d,
            Err(why) => {
                if !was_held {
                    let _ = at.bridge.apply(&self.deps, CallCommand::Resume).await;
                }
                return Err(why);
            }
        };
        let (kind, agent) = match to {
            TransferTo::Agent(a) => ("agent", Some(a)),
            _ => ("number", None),
        };
        let on = if pending.line { "line" } else { "phone" };
        let consult = Consult {
            kind,
            agent,
            label: pending.label.clone(),
            state: State::Ringing { ringing, pending },
            engaged,
        };
        self.log
            .record(
                "consult",
                json!({ "to": consult.label, "kind": kind, "on": on }),
            )
            .await;
        self.show_consult(Some(consult.view()), "held");
        *at.consult = Some(consult);
        Ok(())
    }

    /// An agent can be consulted when logged in and not on another call.
    async fn check_consultable(&self, current: &AgentLeg, agent: AgentId) -> Result<(), String> {
        match self.other_agent_state(current, agent).await? {
            AgentState::LoggedOut => Err("the agent is logged out".into()),
            AgentState::Reserved | AgentState::Working { .. } => {
                Err("the agent is busy with another contact".into())
            }
            AgentState::Available | AgentState::Unavailable { .. } | AgentState::WrapUp => Ok(()),
        }
    }

    /// The consulted leg rang, answered or failed.
    pub(super) async fn consult_rang(&mut self, at: &mut At<'_>, outcome: RingOutcome) -> Step {
        if let RingOutcome::Ringing = outcome {
            return Step::Stay;
        }
        let Some(Consult {
            kind,
            agent,
            label,
            state: State::Ringing { ringing, pending },
            engaged,
        }) = at.consult.take()
        else {
            return Step::Stay;
        };
        let RingOutcome::Answered(answered) = outcome else {
            let _ = at.media.call.remove_endpoint(pending.endpoint).await;
            let why = match outcome {
                RingOutcome::Failed(status) => status.as_u16().to_string(),
                _ => "cancelled".into(),
            };
            self.log
                .record("consult_failed", json!({ "to": label, "status": why }))
                .await;
            self.show_consult(None, "held");
            return Step::Stay;
        };
        let usable =
            leg_media::apply_answer(&at.media.call, pending.endpoint, &answered.media).await;
        let linked = usable
            && at
                .media
                .call
                .connect(at.agent.endpoint, pending.endpoint)
                .await
                .is_ok();
        if !linked {
            let mut leg = pending.answered(answered, &ringing.call_id);
            let cause = EndCause::new("consult_media_failed", 488);
            leg.hang_up(&self.deps, &cause).await;
            self.drop_leg(at.media, &leg).await;
            self.show_consult(None, "held");
            return Step::Stay;
        }
        let leg = pending.answered(answered, &ringing.call_id);
        self.log
            .record("consult_answered", json!({ "to": label }))
            .await;
        let consult = Consult {
            kind,
            agent,
            label,
            state: State::Talking {
                leg: Box::new(leg),
                conference: false,
            },
            engaged,
        };
        self.show_consult(Some(consult.view()), "held");
        *at.consult = Some(consult);
        Step::Stay
    }

    /// The agent leaves the consultation: the caller talks with the consulted party. The
    /// returned leg is the call's agent leg from now on.
    pub(super) async fn consult_complete(&mut self, at: &mut At<'_>) -> Result<AgentLeg, String> {
        match at.consult.as_ref().map(|c| &c.state) {
            None => return Err("no consultation is going on".into()),
            Some(State::Ringing { .. }) => {
                return Err("the consulted party has not answered yet".into());
            }
            Some(State::Talking { .. }) => {}
        }
        let Some(Consult {
            state: State::Talking { mut leg, .. },
            engaged,
            ..
        }) = at.consult.take()
        else {
            return Err("no consultation is going on".into());
        };
        let (peer, events) = self.hand_over(at.agent, leg.peer).await;
        // Freed once the interaction is theirs in the ACD, which offers it to them first.
        drop(engaged);
        leg.peer = peer;
        leg.interaction_events = events;
        let leg = *leg;
        let _ = at.media.call.stop_play(at.media.endpoint).await;
        if let Err(e) = at.media.call.connect(at.media.endpoint, leg.endpoint).await {
            tracing::warn!(error = %e, "the transferred call's media could not be joined");
        }
        self.log
            .record(
                "transferred",
                json!({ "mode": "consult", "from": at.agent.label, "to": leg.label }),
            )
            .await;
        Ok(leg)
    }

    /// The ACD's side of handing the call from `from` to a leg of `to`: the interaction moves
    /// to the new agent (taken when the ACD offers it); a number leaves it with `from`, whose
    /// leaving completes it.
    pub(super) async fn hand_over(
        &mut self,
        from: &mut AgentLeg,
        to: Peer,
    ) -> (
        Peer,
        Option<tokio::sync::mpsc::UnboundedReceiver<crate::acd::InteractionEvent>>,
    ) {
        let (Peer::Agent { interaction, .. }, Peer::DirectAgent(agent)) = (from.peer, to) else {
            return (to, None);
        };
        if from.interaction_events.is_none() {
            return (to, None);
        }
        let input = AcdInput::Transfer {
            interaction,
            target: TransferTarget::Agent { agent },
        };
        match self.deps.acd.input(self.tenant, input).await {
            Ok(()) => (
                Peer::Agent { agent, interaction },
                from.interaction_events.take(),
            ),
            Err(e) => {
                tracing::warn!(error = %e, "the ACD did not move the interaction");
                (to, None)
            }
        }
    }

    /// Drops the consulted party; the caller is back with the agent.
    pub(super) async fn consult_cancel(&mut self, at: &mut At<'_>) -> Result<(), String> {
        let Some(consult) = at.consult.take() else {
            return Err("no consultation is going on".into());
        };
        self.log
            .record("consult_cancelled", json!({ "to": consult.label }))
            .await;
        let cause = EndCause::new("consult_cancelled", 200);
        consult.abandon(self, at.media, &cause).await;
        self.back_to_caller(at).await;
        Ok(())
    }

    /// Caller, agent and consulted party all hear each other.
    pub(super) async fn consult_conference(&mut self, at: &mut At<'_>) -> Result<(), String> {
        let Some(Consult {
            state: State::Talking { leg, conference },
            ..
        }) = at.consult.as_mut()
        else {
            return Err("the consulted party has not answered".into());
        };
        if *conference {
            return Err("the conference is on already".into());
        }
        let customer = at.media.endpoint;
        let _ = at.media.call.stop_play(customer).await;
        let members = vec![customer, at.agent.endpoint, leg.endpoint];
        at.media
            .call
            .conference(members)
            .await
            .map_err(|e| e.to_string())?;
        *conference = true;
        at.bridge.held = false;
        let view = at.consult.as_ref().map(Consult::view);
        self.log
            .record(
                "conference",
                json!({ "with": view.as_ref().map(|v| v.to.clone()) }),
            )
            .await;
        self.show_consult(view, "connected");
        Ok(())
    }

    /// The agent's phone hung up during a consultation: the transfer completes (a ringing
    /// target is still rung, and gets the caller when it answers).
    pub(super) async fn agent_left_consult(&mut self, at: &mut At<'_>) -> Option<Next> {
        if let Some(Consult {
            state: State::Talking { .. },
            ..
        }) = at.consult
        {
            if let Ok(leg) = self.consult_complete(at).await {
                self.take_over(at, leg, false).await;
            }
            return None;
        }
        let Some(Consult {
            state:
                State::Ringing {
                    ringing,
                    mut pending,
                },
            engaged,
            ..
        }) = at.consult.take()
        else {
            return None;
        };
        let (peer, events) = self.hand_over(at.agent, pending.peer).await;
        drop(engaged);
        pending.peer = peer;
        self.log
            .record(
                "transferred",
                json!({ "mode": "consult", "from": at.agent.label, "to": pending.label }),
            )
            .await;
        self.leave(at.media, at.agent, "transferred", false).await;
        Some(Next::Blind(Blind::Ringing {
            ringing,
            pending,
            events,
        }))
    }

    /// The consulted party hung up: the caller is back with the agent.
    pub(super) async fn consult_left(&mut self, at: &mut At<'_>) {
        if let Some(Consult {
            label,
            state: State::Talking { leg, .. },
            ..
        }) = at.consult.take()
        {
            self.log
                .record("consult_ended", json!({ "to": label }))
                .await;
            self.drop_leg(at.media, &leg).await;
            self.back_to_caller(at).await;
        }
    }

    /// The caller and the agent talk again.
    async fn back_to_caller(&mut self, at: &mut At<'_>) {
        let customer = at.media.endpoint;
        let _ = at.media.call.stop_play(customer).await;
        if let Err(e) = at.media.call.connect(customer, at.agent.endpoint).await {
            tracing::warn!(error = %e, "the caller could not be joined to the agent again");
        }
        at.bridge.held = false;
        self.show_consult(None, "connected");
    }

    fn show_consult(&self, view: Option<ConsultView>, state: &str) {
        self.show(|c| {
            c.consult = view;
            c.state = state.into();
        });
    }
}
