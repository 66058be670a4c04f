//! A reloaded console gets its live call back. The browser's WebRTC leg died with the page
//! (it sent no BYE), so the console asks for the call again: the agent's newly registered
//! softphone is rung with a fresh offer, marked as a re-attachment so that it answers by
//! itself, and the answered leg replaces the lost one — same call, same recording, same ACD
//! interaction; the caller is joined to it unless the call is on hold.

use std::time::Duration;

use serde_json::json;

use super::consult::At;
use super::transfer::{self, Pending};
use super::{Inbound, Peer};
use crate::calls::cause::EndCause;
use crate::calls::leg_media;
use crate::calls::ring::{RingOutcome, Ringing};

/// How long the agent's phone is given to take the call back.
const REATTACH_RING: Duration = Duration::from_secs(20);

/// How long the current leg is watched for packets before it is taken for lost (a browser
/// sends one every 20 ms, even muted).
const ALIVE_LOOK: Duration = Duration::from_millis(400);

/// The agent's phone being rung with their own call.
pub(super) struct Reattach {
    ringing: Ringing,
    pending: Pending,
}

impl Reattach {
    /// The call ends while the phone rings: stop ringing.
    pub async fn abandon(mut self, media: &super::CallerMedia) {
        self.ringing.cancel();
        let _ = media.call.remove_endpoint(self.pending.endpoint).await;
    }
}

/// The outcome of the re-attaching ring (never, when nothing rings).
pub(super) async fn next_ring(reattach: &mut Option<Reattach>) -> RingOutcome {
    match reattach {
        Some(r) => r
            .ringing
            .outcome
            .recv()
            .await
            .unwrap_or(RingOutcome::Cancelled),
        None => std::future::pending().await,
    }
}

impl Inbound {
    /// Rings the agent's phone with the call again, or with `line` connects it to their line
    /// at once; the error says why it cannot.
    pub(super) async fn reattach_start(
        &mut self,
        at: &mut At<'_>,
        line: bool,
    ) -> Result<(), String> {
        if at.consult.is_some() {
            return Err("a consultation is going on".into());
        }
        if at.reattach.is_some() {
            return Err("re-attaching already".into());
        }
        let agent = match at.agent.peer {
            Peer::Agent { agent, .. } | Peer::DirectAgent(agent) => agent,
            Peer::External => return Err("the call is not with an agent".into()),
        };
        if self.deps.devices.get(self.tenant, agent) != crate::devices::Device::Registered {
            return Err("the call is on the agent's phone number, not the console".into());
        }
        if self.leg_alive(at).await {
            return Err("the call is connected to another console of yours".into());
        }
        let (ringing, pending) = match line {
            true => transfer::line_agent(self, at.media, agent, None).await?,
            false => transfer::dial_agent(self, at.media, (agent, true), REATTACH_RING).await?,
        };
        self.log
            .record(
                "reattach",
                json!({ "agent": at.agent.label, "on": if line { "line" } else { "phone" } }),
            )
            .await;
        *at.reattach = Some(Reattach { ringing, pending });
        Ok(())
    }

    /// Whether the agent's current leg still sends media (another tab of the console has the
    /// call): packets arrive within a short look.
    async fn leg_alive(&self, at: &At<'_>) -> bool {
        let received = |s: sb_media::EndpointStats| s.quality.packets_received;
        let id = at.agent.endpoint;
        let Ok(before) = at.media.call.stats(id).await.map(received) else {
            return false;
        };
        tokio::time::sleep(ALIVE_LOOK).await;
        at.media
            .call
            .stats(id)
            .await
            .map(received)
            .is_ok_and(|after| after > before)
    }

    /// The agent's phone answered (the new leg replaces the lost one) or did not.
    pub(super) async fn reattach_rang(&mut self, at: &mut At<'_>, outcome: RingOutcome) {
        if let RingOutcome::Ringing = outcome {
            return;
        }
        let Some(Reattach { ringing, pending }) = at.reattach.take() else {
            return;
        };
        let RingOutcome::Answered(answered) = outcome else {
            let _ = at.media.call.remove_endpoint(pending.endpoint).await;
            self.log
                .record("reattach_failed", json!({ "agent": at.agent.label }))
                .await;
            return;
        };
        let usable =
            leg_media::apply_answer(&at.media.call, pending.endpoint, &answered.media).await;
        let mut leg = pending.answered(answered, &ringing.call_id);
        let joined = usable
            && (at.bridge.held
                || at
                    .media
                    .call
                    .connect(at.media.endpoint, leg.endpoint)
                    .await
                    .is_ok());
        if !joined {
            let cause = EndCause::new("reattach_media_failed", 488);
            leg.hang_up(&self.deps, &cause).await;
            let _ = at.media.call.remove_endpoint(leg.endpoint).await;
            return;
        }
        leg.peer = at.agent.peer;
        leg.label = at.agent.label.clone();
        leg.record = at.agent.record;
        leg.interaction_events = at.agent.interaction_events.take();
        let lost = std::mem::replace(at.agent, leg);
        // No BYE: the lost leg's phone (the old page) is gone.
        self.drop_leg(at.media, &lost).await;
        at.bridge.agent = at.agent.endpoint;
        self.log
            .record("reattached", json!({ "agent": at.agent.label }))
            .await;
    }
}
