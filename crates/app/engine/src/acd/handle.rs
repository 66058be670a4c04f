//! [`AcdHandle`]: how the API and call control talk to the tenant tasks.

use super::task::{Msg, TenantTask};
use super::{AgentStatus, EngineAcdError, InteractionEvent, load_config, log};
use sb_acd::{Acd, AcdError, AcdInput, Enqueue, Presence, QueueGlance};
use sb_store::{NewEvent, Store};
use sb_types::{AgentId, InteractionId, TenantId, Timestamp};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

/// The live ACD of every tenant. Cheap to clone; every method may be called from any task.
#[derive(Clone)]
pub struct AcdHandle {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn Store>,
    clock: fn() -> Timestamp,
    shutdown: CancellationToken,
    log: mpsc::UnboundedSender<NewEvent>,
    /// The running tenant tasks' inboxes (the lock guards the map only, never an ACD).
    tenants: Mutex<HashMap<TenantId, mpsc::UnboundedSender<Msg>>>,
}

impl std::fmt::Debug for AcdHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AcdHandle").finish_non_exhaustive()
    }
}

impl AcdHandle {
    pub(super) fn new(
        store: Arc<dyn Store>,
        clock: fn() -> Timestamp,
        shutdown: CancellationToken,
    ) -> Self {
        let log = log::spawn_writer(store.clone());
        AcdHandle {
            inner: Arc::new(Inner {
                store,
                clock,
                shutdown,
                log,
                tenants: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Asks for a presence state (available, unavailable with a reason, logged out); while the
    /// agent works it applies when the work is done (`next` in the answer). Returns the
    /// agent's status after the change. An agent unknown to the running ACD (a user created
    /// since) makes the configuration be re-read once before the request is refused.
    pub async fn set_agent_state(
        &self,
        tenant: TenantId,
        agent: AgentId,
        state: Presence,
    ) -> Result<AgentStatus, EngineAcdError> {
        let ask = |state: Presence| {
            move |reply| Msg::SetState {
                agent,
                state,
                reply,
            }
        };
        match self.ask(tenant, ask(state.clone())).await? {
            Err(AcdError::UnknownAgent(_)) => {
                self.reload(tenant).await?;
                Ok(self.ask(tenant, ask(state)).await??)
            }
            other => Ok(other?),
        }
    }

    /// One agent's status; `Refused(UnknownAgent)` for a user the ACD does not route to (after
    /// re-reading the configuration once, for users created since the start).
    pub async fn agent_status(
        &self,
        tenant: TenantId,
        agent: AgentId,
    ) -> Result<AgentStatus, EngineAcdError> {
        let ask = |reply| Msg::Status { agent, reply };
        let status = match self.ask(tenant, ask).await? {
            Some(status) => Some(status),
            None => {
                self.reload(tenant).await?;
                self.ask(tenant, ask).await?
            }
        };
        status.ok_or(EngineAcdError::Refused(AcdError::UnknownAgent(agent)))
    }

    /// Every agent's status, by agent id.
    pub async fn agents(&self, tenant: TenantId) -> Result<Vec<AgentStatus>, EngineAcdError> {
        self.ask(tenant, |reply| Msg::Agents { reply }).await
    }

    /// The queues `agent` serves, with their waiting counts and oldest arrival.
    pub async fn agent_queues(
        &self,
        tenant: TenantId,
        agent: AgentId,
    ) -> Result<Vec<QueueGlance>, EngineAcdError> {
        self.ask(tenant, |reply| Msg::AgentQueues { agent, reply })
            .await
    }

    /// Puts an interaction in a queue. Its [`InteractionEvent`]s go to `events` until
    /// [`InteractionEvent::Ended`]; dropping the receiver before that abandons the interaction
    /// (or completes it when connected).
    pub async fn enqueue(
        &self,
        tenant: TenantId,
        enqueue: Enqueue,
        events: mpsc::UnboundedSender<InteractionEvent>,
    ) -> Result<(), EngineAcdError> {
        let msg = |reply| Msg::Enqueue {
            enqueue,
            events,
            reply,
        };
        Ok(self.ask(tenant, msg).await??)
    }

    /// The agent took the offer.
    pub async fn accept(
        &self,
        tenant: TenantId,
        interaction: InteractionId,
        agent: AgentId,
    ) -> Result<(), EngineAcdError> {
        self.input(tenant, AcdInput::Accept { interaction, agent })
            .await
    }

    /// The agent declined the offer: the interaction goes to the next agent.
    pub async fn reject(
        &self,
        tenant: TenantId,
        interaction: InteractionId,
        agent: AgentId,
    ) -> Result<(), EngineAcdError> {
        self.input(tenant, AcdInput::Reject { interaction, agent })
            .await
    }

    /// The customer left before being connected.
    pub async fn abandon(
        &self,
        tenant: TenantId,
        interaction: InteractionId,
    ) -> Result<(), EngineAcdError> {
        self.input(tenant, AcdInput::Abandon { interaction }).await
    }

    /// The conversation ended: the agent goes to wrap-up if the queue has one.
    pub async fn complete(
        &self,
        tenant: TenantId,
        interaction: InteractionId,
    ) -> Result<(), EngineAcdError> {
        self.input(tenant, AcdInput::Complete { interaction }).await
    }

    /// The agent finished after-contact work.
    pub async fn wrap_up_done(
        &self,
        tenant: TenantId,
        interaction: InteractionId,
    ) -> Result<(), EngineAcdError> {
        self.input(
            tenant,
            AcdInput::WrapUpDone {
                interaction,
                agent: None,
            },
        )
        .await
    }

    /// The agent took on work the ACD did not route (a call they placed, a consultation):
    /// it fills a slot of `channel` until [`AcdHandle::disengage`].
    pub async fn engage(
        &self,
        tenant: TenantId,
        agent: AgentId,
        work: InteractionId,
        channel: sb_types::Channel,
    ) -> Result<(), EngineAcdError> {
        let input = AcdInput::Engage {
            agent,
            work,
            channel,
        };
        self.input(tenant, input).await
    }

    /// Work given to [`AcdHandle::engage`] ended; `wrap_up_secs` of after-contact work follow.
    pub async fn disengage(
        &self,
        tenant: TenantId,
        agent: AgentId,
        work: InteractionId,
        wrap_up_secs: u32,
    ) -> Result<(), EngineAcdError> {
        let input = AcdInput::Disengage {
            agent,
            work,
            wrap_up_secs,
        };
        self.input(tenant, input).await
    }

    /// The agent is done with after-contact work: every interaction they wrap up ends now
    /// (rather than when the queue's wrap-up time runs out); how many there were.
    pub async fn end_wrap_up(
        &self,
        tenant: TenantId,
        agent: AgentId,
    ) -> Result<usize, EngineAcdError> {
        let msg = |reply| Msg::EndWrapUp { agent, reply };
        Ok(self.ask(tenant, msg).await??)
    }

    /// The agent's phone or console connection is gone (presence follows after a grace time).
    pub async fn connection_lost(
        &self,
        tenant: TenantId,
        agent: AgentId,
    ) -> Result<(), EngineAcdError> {
        self.input(tenant, AcdInput::ConnectionLost { agent }).await
    }

    /// The agent's connection is back.
    pub async fn connection_restored(
        &self,
        tenant: TenantId,
        agent: AgentId,
    ) -> Result<(), EngineAcdError> {
        self.input(tenant, AcdInput::ConnectionRestored { agent })
            .await
    }

    /// Re-reads the tenant's queues and agents from the store into its running ACD (nothing
    /// to do when the tenant's ACD has not started: it reads the store when it does).
    pub async fn reload(&self, tenant: TenantId) -> Result<(), EngineAcdError> {
        let Some(tx) = self.running(tenant) else {
            return Ok(());
        };
        let config = load_config(self.inner.store.as_ref(), tenant).await?;
        let (reply, rx) = oneshot::channel();
        tx.send(Msg::Reload { config, reply })
            .map_err(|_| EngineAcdError::Stopped)?;
        rx.await.map_err(|_| EngineAcdError::Stopped)
    }

    /// Any other input (transfer, callback request…), for what has no method of its own.
    pub async fn input(&self, tenant: TenantId, input: AcdInput) -> Result<(), EngineAcdError> {
        let msg = |reply| Msg::Input { input, reply };
        Ok(self.ask(tenant, msg).await??)
    }

    /// Sends a message built around a reply channel and waits for the answer.
    async fn ask<T>(
        &self,
        tenant: TenantId,
        msg: impl FnOnce(oneshot::Sender<T>) -> Msg,
    ) -> Result<T, EngineAcdError> {
        let tx = self.tenant(tenant).await?;
        let (reply, rx) = oneshot::channel();
        tx.send(msg(reply)).map_err(|_| EngineAcdError::Stopped)?;
        rx.await.map_err(|_| EngineAcdError::Stopped)
    }

    fn running(&self, tenant: TenantId) -> Option<mpsc::UnboundedSender<Msg>> {
        let map = self
            .inner
            .tenants
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        map.get(&tenant).filter(|tx| !tx.is_closed()).cloned()
    }

    /// The tenant task's inbox, starting the task (configuration read from the store) on
    /// first use. Two first callers may both read the store; one task is kept.
    async fn tenant(&self, tenant: TenantId) -> Result<mpsc::UnboundedSender<Msg>, EngineAcdError> {
        if self.inner.shutdown.is_cancelled() {
            return Err(EngineAcdError::Stopped);
        }
        if let Some(tx) = self.running(tenant) {
            return Ok(tx);
        }
        let config = load_config(self.inner.store.as_ref(), tenant).await?;
        let agents: Vec<AgentId> = config.agents.iter().map(|a| a.id).collect();
        let acd = Acd::new(config, (self.inner.clock)())
            .map_err(|e| EngineAcdError::Config(e.to_string()))?;
        let mut map = self
            .inner
            .tenants
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(tx) = map.get(&tenant).filter(|tx| !tx.is_closed()) {
            return Ok(tx.clone());
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let task = TenantTask::new(
            acd,
            agents.into_iter(),
            self.inner.clock,
            self.inner.log.clone(),
            tx.downgrade(),
        );
        tokio::spawn(task.run(rx, self.inner.shutdown.child_token()));
        map.insert(tenant, tx.clone());
        tracing::info!(%tenant, "ACD started");
        Ok(tx)
    }
}
