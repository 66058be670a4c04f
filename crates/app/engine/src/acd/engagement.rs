//! [`Engagement`]: an agent kept busy in the ACD for work it did not route.

use super::AcdHandle;
use sb_types::{AgentId, Channel, InteractionId, TenantId};

/// Work that fills one of an agent's slots in the ACD (a call they placed, a consultation)
/// until it is released: by [`Engagement::release`] with after-contact work, or without any
/// when dropped, so that no path out of a call leaves the agent busy.
#[derive(Debug)]
pub struct Engagement {
    acd: AcdHandle,
    tenant: TenantId,
    agent: AgentId,
    work: InteractionId,
    released: bool,
}

impl Engagement {
    /// Engages `agent` on `channel`; `None` when the ACD keeps no state for them (a user who
    /// is not an agent) or does not run.
    pub async fn start(
        acd: &AcdHandle,
        tenant: TenantId,
        agent: AgentId,
        channel: Channel,
    ) -> Option<Self> {
        let work = InteractionId::from_uuid(uuid::Uuid::now_v7());
        match acd.engage(tenant, agent, work, channel).await {
            Ok(()) => Some(Engagement {
                acd: acd.clone(),
                tenant,
                agent,
                work,
                released: false,
            }),
            Err(e) => {
                tracing::debug!(error = %e, %agent, "the ACD keeps no state for this user");
                None
            }
        }
    }

    /// The agent engaged.
    pub fn agent(&self) -> AgentId {
        self.agent
    }

    /// Ends the work now; `wrap_up_secs` of after-contact work follow (none when 0).
    pub async fn release(mut self, wrap_up_secs: u32) {
        self.released = true;
        let (tenant, agent, work) = (self.tenant, self.agent, self.work);
        if let Err(e) = self.acd.disengage(tenant, agent, work, wrap_up_secs).await {
            tracing::warn!(error = %e, %agent, "the ACD did not release the agent");
        }
    }
}

impl Drop for Engagement {
    fn drop(&mut self) {
        if self.released {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let (acd, tenant, agent, work) = (self.acd.clone(), self.tenant, self.agent, self.work);
        runtime.spawn(async move {
            if let Err(e) = acd.disengage(tenant, agent, work, 0).await {
                tracing::warn!(error = %e, %agent, "the ACD did not release the agent");
            }
        });
    }
}
