//! Passing a conversation on: to another email queue, where it waits for any agent, or to one
//! agent, for whom the ACD keeps it (offered when that agent has room; a refusal sends it back
//! to its queue).

use super::{EmailDesk, EmailDeskError};
use crate::acd::agent_of;
use sb_acd::{AcdInput, AgentState, TransferTarget};
use sb_store::{Conversation, ConversationState};
use sb_types::{ConversationId, QueueId, TenantId, UserId};

/// Where a conversation is passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferTo {
    /// An email queue.
    Queue(QueueId),
    /// One agent (a user of the tenant who is logged in).
    Agent(UserId),
}

impl EmailDesk {
    /// Passes the conversation on: it leaves its agent (who goes to after-contact work) and
    /// waits in the target queue, or for the target agent.
    pub async fn transfer(
        &self,
        tenant: TenantId,
        id: ConversationId,
        to: TransferTo,
    ) -> Result<Conversation, EmailDeskError> {
        match to {
            TransferTo::Queue(queue) => self.to_queue(tenant, id, queue).await,
            TransferTo::Agent(user) => self.to_agent(tenant, id, user).await,
        }
    }

    async fn to_queue(
        &self,
        tenant: TenantId,
        id: ConversationId,
        queue: QueueId,
    ) -> Result<Conversation, EmailDeskError> {
        let store = &self.inner.deps.store;
        let target = store.get_queue(tenant, queue).await?;
        if target.channel != sb_types::Channel::Email {
            return Err(EmailDeskError::Invalid(format!(
                "queue {:?} is not an email queue",
                target.name
            )));
        }
        self.detach(tenant, id).await?;
        let now = self.inner.now();
        let moved = store
            .set_conversation_queue(tenant, id, Some(queue), now)
            .await?;
        self.route(&moved).await?;
        Ok(moved)
    }

    async fn to_agent(
        &self,
        tenant: TenantId,
        id: ConversationId,
        user: UserId,
    ) -> Result<Conversation, EmailDeskError> {
        let deps = &self.inner.deps;
        let conversation = deps.store.get_conversation(tenant, id).await?;
        let target = deps.store.get_user(tenant, user).await?;
        if conversation.state != ConversationState::Open {
            return Err(EmailDeskError::Invalid("the conversation is closed".into()));
        }
        if conversation.queue_id.is_none() {
            return Err(EmailDeskError::Invalid(
                "the conversation is in no queue yet".into(),
            ));
        }
        if conversation.agent_id == Some(user) {
            return Err(EmailDeskError::Invalid(format!(
                "{} has this conversation already",
                target.username
            )));
        }
        let agent = agent_of(user);
        let status = deps.acd.agent_status(tenant, agent).await?;
        if status.state == AgentState::LoggedOut {
            return Err(EmailDeskError::Invalid(format!(
                "{} is logged out",
                target.username
            )));
        }
        let waiting = self.detach(tenant, id).await?;
        self.route(&waiting).await?;
        let interaction = self
            .inner
            .with(|r| r.get(&(tenant, id)).map(|x| x.interaction))
            .ok_or_else(|| {
                EmailDeskError::Invalid("the conversation could not be queued".into())
            })?;
        let input = AcdInput::Transfer {
            interaction,
            target: TransferTarget::Agent { agent },
        };
        // Refused (the agent left the ACD meanwhile): the conversation waits in its queue.
        deps.acd.input(tenant, input).await.map_err(|e| {
            EmailDeskError::Invalid(format!(
                "the transfer was refused: {e}; it waits in its queue"
            ))
        })?;
        Ok(waiting)
    }

    /// Takes the conversation from its agent and out of the ACD; it has no agent on return.
    async fn detach(
        &self,
        tenant: TenantId,
        id: ConversationId,
    ) -> Result<Conversation, EmailDeskError> {
        self.leave_acd(tenant, id).await;
        self.inner.with(|r| r.remove(&(tenant, id)));
        let now = self.inner.now();
        Ok(self
            .inner
            .deps
            .store
            .set_conversation_agent(tenant, id, None, now)
            .await?)
    }
}
