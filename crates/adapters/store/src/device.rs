use crate::StoreResult;
use sb_types::{TenantId, UserId};

/// Where an agent chose to take calls (`PUT /me/device`) when it is not their registered phone
/// (the default, stored as no row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentDevice {
    /// Their desk phone: a SIP phone registered with their credentials, never the browser.
    Desk,
    /// This E.164 number (`+` and 8 to 15 digits), dialled through the tenant's trunk.
    Pstn(String),
}

/// Agents' device choices, kept so that a restarted node rings the same device. A user's row
/// goes with the user (or the tenant).
#[async_trait::async_trait]
pub trait AgentDeviceRepo: Send + Sync {
    /// The user's choice; `None` when they take calls on their registered phone. `NotFound`
    /// for an unknown user of the tenant.
    async fn get_agent_device(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> StoreResult<Option<AgentDevice>>;
    /// Records the user's choice (`None`: their registered phone again). A number that is not
    /// E.164 is `Invalid { field: "number" }`; `NotFound` for an unknown user of the tenant.
    async fn set_agent_device(
        &self,
        tenant: TenantId,
        user: UserId,
        device: Option<AgentDevice>,
    ) -> StoreResult<()>;
    /// Every choice recorded, in all tenants (read when a node starts).
    async fn list_agent_devices(&self) -> StoreResult<Vec<(TenantId, UserId, AgentDevice)>>;
}
