//! Conversations in the ACD: routed when they arrive or reopen, offered to agents with email
//! capacity, taken by one agent until it is closed or transferred.
//!
//! A new conversation runs its point of contact's flow (`flow.rs`), which picks the queue. A
//! reopened one (the customer wrote again after it was closed) goes back to its queue with the
//! agent who handled it as the preferred agent. Conversations wait like callbacks: no maximum
//! wait and no announcements (nobody is on the line); one that overflows is queued again after
//! [`super::REQUEUE_AFTER`].

use super::ingest::Prepared;
use super::{EmailDesk, EmailDeskError, Routed, reply};
use crate::acd::agent_of;
use sb_acd::Enqueue;
use sb_email::EmailChannelSettings;
use sb_store::{Conversation, ConversationFilter, ConversationState};
use sb_types::{AgentId, Channel, ConversationId, InteractionId, TenantId, UserId};
use serde::Serialize;

/// A conversation offered to an agent, as their console shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EmailOffer {
    /// The conversation.
    pub conversation: ConversationId,
    /// The queue it waits in.
    pub queue: sb_types::QueueId,
    /// That queue's name (its after-contact work and disposition codes follow it).
    pub queue_name: String,
    /// The customer's address.
    pub customer: String,
    /// Its subject.
    pub subject: String,
    /// Since when it waits, milliseconds since the Unix epoch.
    pub waiting_since: i64,
    /// When the offer counts as missed, milliseconds since the Unix epoch.
    pub expires_at: i64,
}

impl EmailDesk {
    /// A message created or reopened a conversation: route it (and send the flow's automatic
    /// answers). Problems are logged and shown on the conversation staying unrouted.
    pub(super) async fn arrived(
        &self,
        tenant: TenantId,
        id: ConversationId,
        settings: &EmailChannelSettings,
        message: &Prepared,
    ) {
        let store = &self.inner.deps.store;
        let Ok(conversation) = store.get_conversation(tenant, id).await else {
            return;
        };
        if conversation.queue_id.is_some() {
            if let Err(e) = self.route(&conversation).await {
                tracing::warn!(error = %e, conversation = %id, "conversation not queued again");
            }
            return;
        }
        let routing = super::flow::run(
            &self.inner.deps,
            tenant,
            &settings.address,
            &conversation,
            message,
        )
        .await;
        if !message.parsed.automatic {
            for (to, subject, body) in &routing.answers {
                let answer = reply::AutoAnswer {
                    to,
                    subject: subject.as_deref(),
                    body,
                };
                if let Err(e) = self
                    .auto_answer(&conversation, settings, message, answer)
                    .await
                {
                    tracing::warn!(error = %e, conversation = %id, "automatic answer not sent");
                }
            }
        }
        let Some(queue) = routing.queue else {
            let why = routing.problem.unwrap_or_default();
            tracing::warn!(conversation = %id, %why, "conversation not routed");
            return;
        };
        let routed = match store.get_queue(tenant, queue).await {
            Ok(q) if q.channel == Channel::Email => {
                store
                    .set_conversation_queue(tenant, id, Some(queue), self.inner.now())
                    .await
            }
            Ok(q) => {
                tracing::warn!(conversation = %id, queue = %q.name, "the flow queued an email in a queue that is not an email queue");
                return;
            }
            Err(e) => Err(e),
        };
        match routed {
            Ok(conversation) => {
                let ask = (routing.priority, routing.skills);
                if let Err(e) = self.enqueue(&conversation, ask).await {
                    tracing::warn!(error = %e, conversation = %id, "conversation not queued");
                }
            }
            Err(e) => tracing::warn!(error = %e, conversation = %id, "conversation not routed"),
        }
    }

    /// Queues an open conversation in its queue again (restart, reopen, transfer).
    pub(super) async fn route(&self, conversation: &Conversation) -> Result<bool, EmailDeskError> {
        self.enqueue(conversation, (None, Vec::new())).await
    }

    async fn enqueue(
        &self,
        c: &Conversation,
        (priority, skills): (Option<i32>, Vec<sb_acd::SkillRequirement>),
    ) -> Result<bool, EmailDeskError> {
        let Some(queue) = c.queue_id else {
            return Ok(false);
        };
        if c.state != ConversationState::Open {
            return Ok(false);
        }
        let key = (c.tenant_id, c.id);
        let interaction = new_interaction();
        let queue_name = self
            .inner
            .deps
            .store
            .get_queue(c.tenant_id, queue)
            .await?
            .name;
        let routed = Routed {
            interaction,
            queue,
            queue_name,
            offers: Vec::new(),
            agent: None,
            customer: c.customer.clone(),
            subject: c.subject.clone(),
            since: c.updated_at,
        };
        let fresh = self.inner.with(|r| match r.entry(key) {
            std::collections::hash_map::Entry::Occupied(_) => false,
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(routed);
                true
            }
        });
        if !fresh {
            return Ok(false);
        }
        let mut enqueue = Enqueue::new(interaction, queue);
        enqueue.priority = priority;
        enqueue.skills = skills;
        enqueue.preferred_agent = c.agent_id.map(agent_of);
        enqueue.arrived_at = Some(c.updated_at);
        enqueue.callback = true;
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        if let Err(e) = self
            .inner
            .deps
            .acd
            .enqueue(c.tenant_id, enqueue.clone(), tx)
            .await
        {
            self.inner.with(|r| r.remove(&key));
            return Err(e.into());
        }
        tokio::spawn(crate::acd::owner::own(self.inner.clone(), key, enqueue, rx));
        Ok(true)
    }

    /// The conversations offered to `agent` now.
    pub fn offers_for(&self, tenant: TenantId, agent: AgentId) -> Vec<EmailOffer> {
        let mut out: Vec<EmailOffer> = self.inner.with(|r| {
            r.iter()
                .filter(|((t, _), _)| *t == tenant)
                .filter_map(|((_, id), x)| {
                    let (_, expires) = x.offers.iter().find(|(a, _)| *a == agent)?;
                    Some(EmailOffer {
                        conversation: *id,
                        queue: x.queue,
                        queue_name: x.queue_name.clone(),
                        customer: x.customer.clone(),
                        subject: x.subject.clone(),
                        waiting_since: x.since.as_millis(),
                        expires_at: expires.as_millis(),
                    })
                })
                .collect()
        });
        out.sort_by_key(|o| o.waiting_since);
        out
    }

    /// The conversations `agent` has taken and not closed or passed on yet.
    pub fn held_by(&self, tenant: TenantId, agent: AgentId) -> Vec<ConversationId> {
        let mut held: Vec<(i64, ConversationId)> = self.inner.with(|r| {
            r.iter()
                .filter(|((t, _), x)| *t == tenant && x.agent == Some(agent))
                .map(|((_, id), x)| (x.since.as_millis(), *id))
                .collect()
        });
        held.sort();
        held.into_iter().map(|(_, id)| id).collect()
    }

    /// Whether `agent` holds the conversation now.
    pub fn holds(&self, tenant: TenantId, agent: AgentId, id: ConversationId) -> bool {
        self.inner
            .with(|r| r.get(&(tenant, id)).is_some_and(|x| x.agent == Some(agent)))
    }

    /// The agent takes the conversation offered to them: it is theirs until they close it
    /// or pass it on.
    pub async fn accept(
        &self,
        tenant: TenantId,
        user: UserId,
        id: ConversationId,
    ) -> Result<(), EmailDeskError> {
        self.answer(tenant, user, id, true).await?;
        let now = self.inner.now();
        let store = &self.inner.deps.store;
        store
            .set_conversation_agent(tenant, id, Some(user), now)
            .await?;
        Ok(())
    }

    /// The agent declines the conversation offered to them: it goes to the next agent.
    pub async fn reject(
        &self,
        tenant: TenantId,
        user: UserId,
        id: ConversationId,
    ) -> Result<(), EmailDeskError> {
        self.answer(tenant, user, id, false).await
    }

    /// Takes (`take`) or declines the offer of `id` to `user`.
    async fn answer(
        &self,
        tenant: TenantId,
        user: UserId,
        id: ConversationId,
        take: bool,
    ) -> Result<(), EmailDeskError> {
        let agent = agent_of(user);
        let interaction = self.offered(tenant, agent, id)?;
        let acd = &self.inner.deps.acd;
        match take {
            true => acd.accept(tenant, interaction, agent).await?,
            false => acd.reject(tenant, interaction, agent).await?,
        }
        self.inner.with(|r| {
            if let Some(x) = r.get_mut(&(tenant, id)) {
                x.offers.retain(|(a, _)| *a != agent);
                if take {
                    x.agent = Some(agent);
                }
            }
        });
        Ok(())
    }

    /// The conversation leaves the ACD: completed by the agent who held it (after-contact
    /// work as its queue says), withdrawn from the line otherwise.
    pub(super) async fn leave_acd(&self, tenant: TenantId, id: ConversationId) {
        let key = (tenant, id);
        let Some(x) = self.inner.with(|r| r.get(&key).cloned()) else {
            return;
        };
        let acd = &self.inner.deps.acd;
        let result = match x.agent {
            Some(_) => acd.complete(tenant, x.interaction).await,
            None => acd.abandon(tenant, x.interaction).await,
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, conversation = %id, "the ACD did not end the conversation");
        }
        crate::acd::owner::RoutedItems::release(&*self.inner, &key);
    }

    fn offered(
        &self,
        tenant: TenantId,
        agent: AgentId,
        id: ConversationId,
    ) -> Result<InteractionId, EmailDeskError> {
        self.inner
            .with(|r| {
                let x = r.get(&(tenant, id))?;
                x.offers
                    .iter()
                    .any(|(a, _)| *a == agent)
                    .then_some(x.interaction)
            })
            .ok_or(EmailDeskError::NotOffered(id))
    }
}

/// Queues every tenant's open conversations that have a queue again.
pub(super) async fn restore(desk: &EmailDesk) -> Result<usize, EmailDeskError> {
    let store = &desk.inner.deps.store;
    let mut queued = 0;
    for tenant in store.list_tenants().await? {
        let filter = ConversationFilter {
            state: Some(ConversationState::Open),
            queue_ids: None,
            agent_id: None,
            limit: 200,
        };
        let open = store.list_conversations(tenant.id, &filter).await?;
        for c in open.iter().rev() {
            match desk.route(c).await {
                Ok(true) => queued += 1,
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, conversation = %c.id, "not routed"),
            }
        }
    }
    Ok(queued)
}

pub(super) fn new_interaction() -> InteractionId {
    InteractionId::from_uuid(uuid::Uuid::now_v7())
}
