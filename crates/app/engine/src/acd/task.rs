//! The task that owns one tenant's ACD: inputs and deadlines in, commands out.

use super::{AgentStatus, InteractionEvent};
use sb_acd::{Acd, AcdCommand, AcdConfig, AcdError, AcdInput, Enqueue, InteractionStatus};
use sb_store::NewEvent;
use sb_types::{AgentId, InteractionId, TenantId, Timestamp};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

/// The events of one interaction's owner.
pub(super) type Events = mpsc::UnboundedSender<InteractionEvent>;

/// A message to a tenant task.
pub(super) enum Msg {
    /// An input without an answer beyond success.
    Input {
        input: AcdInput,
        reply: oneshot::Sender<Result<(), AcdError>>,
    },
    /// A presence change, answered with the agent's status after it.
    SetState {
        agent: AgentId,
        state: sb_acd::Presence,
        reply: oneshot::Sender<Result<AgentStatus, AcdError>>,
    },
    /// A new interaction with its owner's channel.
    Enqueue {
        enqueue: Enqueue,
        events: Events,
        reply: oneshot::Sender<Result<(), AcdError>>,
    },
    /// One agent's status (`None`: not an agent of this ACD).
    Status {
        agent: AgentId,
        reply: oneshot::Sender<Option<AgentStatus>>,
    },
    /// Every agent's status.
    Agents {
        reply: oneshot::Sender<Vec<AgentStatus>>,
    },
    /// The queues an agent serves, at a glance.
    AgentQueues {
        agent: AgentId,
        reply: oneshot::Sender<Vec<sb_acd::QueueGlance>>,
    },
    /// A configuration re-read from the store.
    Reload {
        config: AcdConfig,
        reply: oneshot::Sender<()>,
    },
    /// An owner dropped its receiver.
    OwnerGone { interaction: InteractionId },
    /// The agent ends their after-contact work (every interaction they wrap up), answered
    /// with how many ended.
    EndWrapUp {
        agent: AgentId,
        reply: oneshot::Sender<Result<usize, AcdError>>,
    },
}

/// An interaction's owner and the watcher that reports when it goes away.
struct Owner {
    events: Events,
    watcher: tokio::task::AbortHandle,
}

/// One tenant's ACD and what the engine keeps beside it.
pub(super) struct TenantTask {
    acd: Acd,
    tenant: TenantId,
    clock: fn() -> Timestamp,
    owners: HashMap<InteractionId, Owner>,
    statuses: BTreeMap<AgentId, AgentStatus>,
    gone: Vec<InteractionId>,
    log: mpsc::UnboundedSender<NewEvent>,
    me: mpsc::WeakUnboundedSender<Msg>,
}

impl TenantTask {
    pub(super) fn new(
        acd: Acd,
        agents: impl Iterator<Item = AgentId>,
        clock: fn() -> Timestamp,
        log: mpsc::UnboundedSender<NewEvent>,
        me: mpsc::WeakUnboundedSender<Msg>,
    ) -> Self {
        let now = clock();
        TenantTask {
            tenant: acd.tenant(),
            acd,
            clock,
            owners: HashMap::new(),
            statuses: agents
                .map(|a| (a, AgentStatus::logged_out(a, now)))
                .collect(),
            gone: Vec::new(),
            log,
            me,
        }
    }

    /// Runs until `shutdown` or until every sender is gone.
    pub(super) async fn run(
        mut self,
        mut rx: mpsc::UnboundedReceiver<Msg>,
        shutdown: CancellationToken,
    ) {
        loop {
            let deadline = self.acd.poll_timeout();
            let wait = deadline.map(|at| at.saturating_since((self.clock)()));
            tokio::select! {
                () = shutdown.cancelled() => break,
                msg = rx.recv() => match msg {
                    Some(msg) => self.on_msg(msg),
                    None => break,
                },
                () = sleep(wait) => {
                    let now = (self.clock)().max(deadline.unwrap_or_default());
                    self.acd.handle_timeout(now);
                    self.drain(now);
                }
            }
        }
        for owner in self.owners.values() {
            owner.watcher.abort();
        }
    }

    fn on_msg(&mut self, msg: Msg) {
        let now = (self.clock)();
        match msg {
            Msg::Input { input, reply } => {
                let _ = reply.send(self.step(now, input));
            }
            Msg::SetState {
                agent,
                state,
                reply,
            } => {
                let result = self.step(now, AcdInput::SetAgentState { agent, state });
                let status = result.map(|()| self.status(agent, now));
                let _ = reply.send(status);
            }
            Msg::Enqueue {
                enqueue,
                events,
                reply,
            } => {
                let _ = reply.send(self.enqueue(now, enqueue, events));
            }
            Msg::Status { agent, reply } => {
                let known = self.acd.agent_state(agent).is_some();
                let _ = reply.send(known.then(|| self.status(agent, now)));
            }
            Msg::Agents { reply } => {
                let _ = reply.send(self.statuses.values().cloned().collect());
            }
            Msg::AgentQueues { agent, reply } => {
                let _ = reply.send(self.acd.agent_queues(agent));
            }
            Msg::Reload { config, reply } => {
                self.reload(now, config);
                let _ = reply.send(());
            }
            Msg::OwnerGone { interaction } => {
                self.gone.push(interaction);
                self.drain(now);
            }
            Msg::EndWrapUp { agent, reply } => {
                let ids = self.acd.wrap_ups(agent);
                let ended = ids
                    .iter()
                    .try_for_each(|&interaction| {
                        self.step(
                            now,
                            AcdInput::WrapUpDone {
                                interaction,
                                agent: Some(agent),
                            },
                        )
                    })
                    .map(|()| ids.len());
                let _ = reply.send(ended);
            }
        }
    }

    /// Applies one input and handles what it caused.
    fn step(&mut self, now: Timestamp, input: AcdInput) -> Result<(), AcdError> {
        let result = self.acd.handle(now, input);
        self.drain(now);
        result
    }

    fn status(&mut self, agent: AgentId, now: Timestamp) -> AgentStatus {
        self.statuses
            .entry(agent)
            .or_insert_with(|| AgentStatus::logged_out(agent, now))
            .clone()
    }

    fn enqueue(
        &mut self,
        now: Timestamp,
        enqueue: Enqueue,
        events: Events,
    ) -> Result<(), AcdError> {
        let id = enqueue.interaction;
        if self.acd.interaction_status(id).is_some() {
            return Err(AcdError::DuplicateInteraction(id));
        }
        let watcher = self.watch(id, events.clone());
        if let Some(old) = self.owners.insert(id, Owner { events, watcher }) {
            old.watcher.abort();
        }
        let payload = serde_json::to_value(&enqueue).unwrap_or_default();
        let result = self.acd.handle(now, AcdInput::Enqueue(enqueue));
        match &result {
            Ok(()) => self.record(now, "interaction.queued", id.to_string(), payload),
            Err(_) => {
                if let Some(owner) = self.owners.remove(&id) {
                    owner.watcher.abort();
                }
            }
        }
        self.drain(now);
        result
    }

    /// A small task that tells this one when the owner's receiver is dropped.
    fn watch(&self, interaction: InteractionId, events: Events) -> tokio::task::AbortHandle {
        let me = self.me.clone();
        tokio::spawn(async move {
            events.closed().await;
            if let Some(me) = me.upgrade() {
                let _ = me.send(Msg::OwnerGone { interaction });
            }
        })
        .abort_handle()
    }

    /// Drains the ACD's commands, and ends the work of owners found gone meanwhile.
    fn drain(&mut self, now: Timestamp) {
        loop {
            while let Some(command) = self.acd.poll_command() {
                self.dispatch(now, command);
            }
            let gone = std::mem::take(&mut self.gone);
            if gone.is_empty() {
                return;
            }
            for interaction in gone {
                self.owner_gone(now, interaction);
            }
        }
    }

    /// Nobody holds the customer any more: a waiting interaction is abandoned, a connected one
    /// completed; one in wrap-up is the agent's to finish.
    fn owner_gone(&mut self, now: Timestamp, interaction: InteractionId) {
        if let Some(owner) = self.owners.remove(&interaction) {
            owner.watcher.abort();
        }
        let input = match self.acd.interaction_status(interaction) {
            Some(InteractionStatus::Waiting { .. } | InteractionStatus::Offered { .. }) => {
                AcdInput::Abandon { interaction }
            }
            Some(InteractionStatus::Connected { .. }) => AcdInput::Complete { interaction },
            Some(InteractionStatus::WrapUp { .. }) | None => return,
        };
        tracing::info!(tenant = %self.tenant, %interaction, "interaction owner gone");
        if let Err(e) = self.acd.handle(now, input) {
            tracing::warn!(tenant = %self.tenant, %interaction, error = %e, "ending an ownerless interaction");
        }
    }

    fn dispatch(&mut self, now: Timestamp, command: AcdCommand) {
        use InteractionEvent as E;
        match command {
            AcdCommand::Offer(offer) => {
                let payload = serde_json::to_value(&offer).unwrap_or_default();
                self.record(
                    now,
                    "interaction.offered",
                    offer.interaction.to_string(),
                    payload,
                );
                let interaction = offer.interaction;
                self.notify(
                    interaction,
                    E::Offered {
                        agent: offer.agent,
                        offer,
                    },
                );
            }
            AcdCommand::OfferWithdrawn {
                interaction,
                agent,
                reason,
            } => {
                self.notify(
                    interaction,
                    E::OfferWithdrawn {
                        interaction,
                        agent,
                        reason,
                    },
                );
            }
            AcdCommand::PlayMessage {
                interaction,
                queue,
                prompt,
            } => {
                self.notify(
                    interaction,
                    E::PlayMessage {
                        interaction,
                        queue,
                        prompt,
                    },
                );
            }
            AcdCommand::AnnouncePosition {
                interaction,
                queue,
                position,
                ewt_secs,
            } => {
                let event = E::AnnouncePosition {
                    interaction,
                    queue,
                    position,
                    ewt_secs,
                };
                self.notify(interaction, event);
            }
            AcdCommand::Overflow {
                interaction,
                from,
                target,
                reason,
            } => {
                let payload =
                    serde_json::json!({ "from": from, "target": target, "reason": reason });
                self.record(
                    now,
                    "interaction.overflowed",
                    interaction.to_string(),
                    payload,
                );
                self.notify(
                    interaction,
                    E::Overflow {
                        interaction,
                        from,
                        target,
                        reason,
                    },
                );
            }
            AcdCommand::AgentStateChanged { agent, state, next } => {
                let payload = serde_json::json!({ "state": state, "next": next });
                self.status(agent, now);
                if let Some(status) = self.statuses.get_mut(&agent) {
                    status.update(state, next, now);
                }
                self.record(now, "agent.state_changed", agent.to_string(), payload);
            }
            AcdCommand::SlaRecorded(sla) => {
                let payload = serde_json::to_value(sla).unwrap_or_default();
                self.record(now, "interaction.sla", sla.interaction.to_string(), payload);
            }
            AcdCommand::InteractionEnded {
                interaction,
                queue,
                outcome,
            } => {
                let payload = serde_json::json!({ "queue": queue, "outcome": outcome });
                self.record(now, "interaction.ended", interaction.to_string(), payload);
                self.notify(
                    interaction,
                    E::Ended {
                        interaction,
                        queue,
                        outcome,
                    },
                );
                if let Some(owner) = self.owners.remove(&interaction) {
                    owner.watcher.abort();
                }
            }
        }
    }

    /// Sends to the interaction's owner; an owner found gone is handled after the drain.
    fn notify(&mut self, interaction: InteractionId, event: InteractionEvent) {
        let Some(owner) = self.owners.get(&interaction) else {
            return;
        };
        if owner.events.send(event).is_err() {
            self.gone.push(interaction);
        }
    }

    fn record(&self, at: Timestamp, kind: &str, subject: String, payload: serde_json::Value) {
        let _ = self.log.send(NewEvent {
            tenant_id: self.tenant,
            at,
            kind: kind.to_owned(),
            subject,
            payload,
        });
    }

    /// Applies a re-read configuration: queues and agents upserted, agents gone removed (an
    /// agent still logged in or working stays until a later reload).
    fn reload(&mut self, now: Timestamp, config: AcdConfig) {
        let mut pending: Vec<_> = config
            .queues
            .into_iter()
            .map(AcdInput::UpsertQueue)
            .collect();
        // A queue may overflow into one added after it: a second pass takes those.
        for _pass in 0..2 {
            pending.retain(|q| self.acd.handle(now, q.clone()).is_err());
        }
        for q in pending {
            if let Err(e) = self.acd.handle(now, q) {
                tracing::warn!(tenant = %self.tenant, error = %e, "queue not reloaded");
            }
        }
        let wanted: HashSet<AgentId> = config.agents.iter().map(|a| a.id).collect();
        for agent in config.agents {
            let id = agent.id;
            match self.acd.handle(now, AcdInput::UpsertAgent(agent)) {
                Ok(()) => {
                    self.status(id, now);
                }
                Err(e) => {
                    tracing::warn!(tenant = %self.tenant, %id, error = %e, "agent not reloaded")
                }
            }
        }
        let removed: Vec<AgentId> = self
            .statuses
            .keys()
            .filter(|a| !wanted.contains(a))
            .copied()
            .collect();
        for agent in removed {
            if self
                .acd
                .handle(now, AcdInput::RemoveAgent { agent })
                .is_ok()
            {
                self.statuses.remove(&agent);
            }
        }
        self.drain(now);
    }
}

/// Sleeps for `wait`, or forever without a deadline.
async fn sleep(wait: Option<Duration>) {
    match wait {
        Some(d) => tokio::time::sleep(d).await,
        None => std::future::pending().await,
    }
}
