//! Voicemail messages routed like calls: [`VoicemailDesk`].
//!
//! A message left in a voice queue's mailbox becomes an interaction of that queue, behind the
//! live callers: its priority is [`PRIORITY_BELOW_CALLS`] under the queue's. The ACD offers it to the queue's agents like a call (voice channel:
//! listening and calling back takes the agent's line); the agent's console shows the offer;
//! the agent who accepts it holds it until the message is closed, which completes the
//! interaction (after-contact work as the queue says). A message closed by anyone else leaves
//! the ACD as well. It waits like a callback (no maximum wait, no announcements); one that
//! finds its queue full is queued again a minute later. A message in a mailbox that is not a
//! voice queue is only listed.
//!
//! Design note: the store keeps the messages, the ACD is in memory, so [`VoicemailDesk::restore`]
//! routes the open messages again when the node starts. One owner task per routed message
//! takes the ACD's events for it (`acd::owner`, shared with the email desk).

use crate::acd::{AcdHandle, EngineAcdError};
use sb_acd::Enqueue;
use sb_store::{MAX_VOICEMAIL_LIMIT, Store, StoreError, Voicemail, VoicemailState};
use sb_types::{AgentId, Channel, InteractionId, TenantId, Timestamp};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// Everything the desk refuses or fails with.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    /// The message is not offered to this agent now (never, or the offer was withdrawn).
    #[error("voicemail {0} is not offered to you")]
    NotOffered(String),
    /// The ACD refused or is unavailable.
    #[error(transparent)]
    Acd(#[from] EngineAcdError),
    /// The store could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A message offered to an agent, as their console shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VoicemailOffer {
    /// The message's id.
    pub voicemail: String,
    /// Its mailbox (the queue's name).
    pub mailbox: String,
    /// The caller's number (empty when withheld).
    pub caller: String,
    /// Length in milliseconds.
    pub duration_ms: u64,
    /// When it was left, milliseconds since the Unix epoch.
    pub received_at: i64,
    /// When the offer counts as missed, milliseconds since the Unix epoch.
    pub expires_at: i64,
}

/// A routed message: its interaction, its offers, the agent who took it.
#[derive(Debug, Clone)]
struct Routed {
    interaction: InteractionId,
    message: Voicemail,
    offers: Vec<(AgentId, Timestamp)>,
    agent: Option<AgentId>,
}

/// How far under the queue's initial priority a message waits: live callers come first
/// until a message has aged this many points (minutes × the queue's acceleration).
pub const PRIORITY_BELOW_CALLS: i32 = 1000;

type Key = (TenantId, String);

struct Inner {
    acd: AcdHandle,
    store: Arc<dyn Store>,
    routed: Mutex<HashMap<Key, Routed>>,
    requeue_after: Duration,
}

/// How long a message that overflowed its queue (full, or waited its longest) stays out of
/// the ACD before it is queued again, unless [`VoicemailDesk::with_requeue_after`] says.
pub const REQUEUE_AFTER: Duration = Duration::from_secs(60);

impl Inner {
    fn with<T>(&self, f: impl FnOnce(&mut HashMap<Key, Routed>) -> T) -> T {
        f(&mut self.routed.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl crate::acd::owner::RoutedItem for Routed {
    fn offers(&mut self) -> &mut Vec<(AgentId, Timestamp)> {
        &mut self.offers
    }

    fn holder(&mut self) -> &mut Option<AgentId> {
        &mut self.agent
    }

    fn interaction(&self) -> InteractionId {
        self.interaction
    }

    fn set_interaction(&mut self, interaction: InteractionId) {
        self.interaction = interaction;
    }
}

impl crate::acd::owner::RoutedItems for Inner {
    type Key = Key;
    type Item = Routed;

    fn items(&self) -> &Mutex<HashMap<Key, Routed>> {
        &self.routed
    }

    fn acd(&self) -> &AcdHandle {
        &self.acd
    }

    fn tenant(key: &Key) -> TenantId {
        key.0
    }

    fn requeue_after(&self) -> Duration {
        self.requeue_after
    }

    async fn still_open(&self, (tenant, id): &Key) -> bool {
        let message = self.store.voicemail(*tenant, id).await;
        message.is_ok_and(|m| m.state == VoicemailState::New)
    }
}

/// The node's routed voicemail messages. Cheap to clone.
#[derive(Clone)]
pub struct VoicemailDesk {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for VoicemailDesk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VoicemailDesk").finish_non_exhaustive()
    }
}

impl VoicemailDesk {
    /// A desk routing through `acd`, reading queues and messages from `store`.
    pub fn new(acd: AcdHandle, store: Arc<dyn Store>) -> Self {
        Self::with_requeue_after(acd, store, REQUEUE_AFTER)
    }

    /// [`VoicemailDesk::new`], queueing overflowed messages again after `requeue_after`.
    pub fn with_requeue_after(
        acd: AcdHandle,
        store: Arc<dyn Store>,
        requeue_after: Duration,
    ) -> Self {
        let inner = Inner {
            acd,
            store,
            routed: Mutex::new(HashMap::new()),
            requeue_after,
        };
        VoicemailDesk {
            inner: Arc::new(inner),
        }
    }

    /// Queues a new message when its mailbox is a voice queue of the tenant; whether it was
    /// (a message routed already is not queued twice).
    pub async fn route(&self, message: &Voicemail) -> Result<bool, DeskError> {
        let tenant = message.message.tenant_id;
        let key = (tenant, message.id.clone());
        let mailbox = &message.message.mailbox;
        let queue = match self.inner.store.get_queue_by_name(tenant, mailbox).await {
            Ok(q) if q.channel == Channel::Voice => q,
            Ok(_) | Err(StoreError::NotFound { .. }) => return Ok(false),
            Err(e) => return Err(e.into()),
        };
        let interaction = new_interaction();
        let routed = Routed {
            interaction,
            message: message.clone(),
            offers: Vec::new(),
            agent: None,
        };
        // Checked and taken at once: the start's restore and a new message may race.
        let fresh = self.inner.with(|r| match r.entry(key.clone()) {
            std::collections::hash_map::Entry::Occupied(_) => false,
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(routed);
                true
            }
        });
        if !fresh {
            return Ok(false);
        }
        let mut enqueue = Enqueue::new(interaction, queue.id);
        enqueue.priority =
            Some(initial_priority(&queue.settings).saturating_sub(PRIORITY_BELOW_CALLS));
        // Nobody is on the line: like a callback it has no maximum wait and no announcements.
        enqueue.callback = true;
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        if let Err(e) = self.inner.acd.enqueue(tenant, enqueue.clone(), tx).await {
            self.inner.with(|r| r.remove(&key));
            return Err(e.into());
        }
        tokio::spawn(crate::acd::owner::own(self.inner.clone(), key, enqueue, rx));
        Ok(true)
    }

    /// Routes every tenant's open messages (at most [`MAX_VOICEMAIL_LIMIT`] per queue, the
    /// oldest first); how many were queued.
    pub async fn restore(&self) -> Result<usize, DeskError> {
        let store = &self.inner.store;
        let mut queued = 0;
        for tenant in store.list_tenants().await? {
            for queue in store.list_queues(tenant.id).await? {
                let names = [queue.name];
                let open = Some(VoicemailState::New);
                let messages = store
                    .voicemails(tenant.id, Some(&names), open, MAX_VOICEMAIL_LIMIT)
                    .await?;
                for message in messages.iter().rev() {
                    match self.route(message).await {
                        Ok(true) => queued += 1,
                        Ok(false) => {}
                        Err(e) => {
                            tracing::warn!(error = %e, id = %message.id, "voicemail not routed")
                        }
                    }
                }
            }
        }
        Ok(queued)
    }

    /// The message offered to `agent` now, if any (a voice slot takes one offer at a time).
    pub fn offer_for(&self, tenant: TenantId, agent: AgentId) -> Option<VoicemailOffer> {
        self.inner.with(|r| {
            r.iter()
                .filter(|((t, _), _)| *t == tenant)
                .find_map(|(_, x)| {
                    let (_, expires) = x.offers.iter().find(|(a, _)| *a == agent)?;
                    Some(offer_view(&x.message, *expires))
                })
        })
    }

    /// The messages `agent` has taken and not closed yet.
    pub fn held_by(&self, tenant: TenantId, agent: AgentId) -> Vec<String> {
        let mut held: Vec<(i64, String)> = self.inner.with(|r| {
            r.iter()
                .filter(|((t, _), x)| *t == tenant && x.agent == Some(agent))
                .map(|((_, id), x)| (x.message.message.received_at.as_millis(), id.clone()))
                .collect()
        });
        held.sort();
        held.into_iter().map(|(_, id)| id).collect()
    }

    /// The agent takes the message offered to them: it is theirs until it is closed.
    pub async fn accept(
        &self,
        tenant: TenantId,
        agent: AgentId,
        id: &str,
    ) -> Result<(), DeskError> {
        self.answer(tenant, agent, id, true).await
    }

    /// The agent declines the message offered to them: it goes back to its place.
    pub async fn reject(
        &self,
        tenant: TenantId,
        agent: AgentId,
        id: &str,
    ) -> Result<(), DeskError> {
        self.answer(tenant, agent, id, false).await
    }

    async fn answer(
        &self,
        tenant: TenantId,
        agent: AgentId,
        id: &str,
        take: bool,
    ) -> Result<(), DeskError> {
        let interaction = self.offered(tenant, agent, id)?;
        let acd = &self.inner.acd;
        match take {
            true => acd.accept(tenant, interaction, agent).await?,
            false => acd.reject(tenant, interaction, agent).await?,
        }
        let key = (tenant, id.to_owned());
        self.inner.with(|r| {
            let Some(x) = r.get_mut(&key) else {
                return;
            };
            x.offers.retain(|(a, _)| !take && *a != agent);
            if take {
                x.agent = Some(agent);
            }
        });
        Ok(())
    }

    /// The message was closed: its interaction leaves the ACD (completed by the agent who
    /// held it, with the queue's after-contact work; withdrawn from the line otherwise).
    pub async fn closed(&self, tenant: TenantId, id: &str) {
        let key = (tenant, id.to_owned());
        let Some(interaction) = self.inner.with(|r| r.get(&key).map(|x| x.interaction)) else {
            return;
        };
        if let Err(e) = self.inner.acd.complete(tenant, interaction).await {
            tracing::warn!(error = %e, voicemail = id, "the ACD did not end the voicemail");
        }
        // Closed, so nobody holds it, even while its after-contact work lasts.
        crate::acd::owner::RoutedItems::release(&*self.inner, &key);
    }

    fn offered(
        &self,
        tenant: TenantId,
        agent: AgentId,
        id: &str,
    ) -> Result<InteractionId, DeskError> {
        let key = (tenant, id.to_owned());
        self.inner
            .with(|r| {
                let x = r.get(&key)?;
                x.offers
                    .iter()
                    .any(|(a, _)| *a == agent)
                    .then_some(x.interaction)
            })
            .ok_or_else(|| DeskError::NotOffered(id.to_owned()))
    }
}

fn new_interaction() -> InteractionId {
    InteractionId::from_uuid(uuid::Uuid::now_v7())
}

/// The queue's initial priority as its settings give it (the ACD's default, 0, otherwise).
fn initial_priority(settings: &serde_json::Value) -> i32 {
    settings
        .pointer("/priority/initial")
        .and_then(serde_json::Value::as_i64)
        .and_then(|p| i32::try_from(p).ok())
        .unwrap_or(0)
}

fn offer_view(message: &Voicemail, expires: Timestamp) -> VoicemailOffer {
    VoicemailOffer {
        voicemail: message.id.clone(),
        mailbox: message.message.mailbox.clone(),
        caller: message.message.caller.clone(),
        duration_ms: message.message.duration_ms,
        received_at: message.message.received_at.as_millis(),
        expires_at: expires.as_millis(),
    }
}
