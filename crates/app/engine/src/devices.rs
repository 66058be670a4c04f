//! Where each logged-in agent takes calls: the console's softphone (or a registered SIP phone),
//! their desk phone (a SIP phone registered with their SIP credentials, never the browser),
//! or a phone number we dial through the tenant's trunk — the agent answers and presses 1 to
//! accept, so that a mobile's voicemail never takes a call. Chosen in the console and stored
//! (`sb_store::AgentDeviceRepo`), so that a restarted node rings the same device; read from
//! memory on every offer; logging out goes back to the softphone.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sb_store::{AgentDevice, Store, StoreError};
use sb_types::{AgentId, TenantId, UserId};

/// An agent's device.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Device {
    /// The phone registered for the agent (the console's softphone or a SIP phone).
    #[default]
    Registered,
    /// The agent's desk phone: a SIP phone registered with their credentials (over UDP, TCP
    /// or TLS), never the console's softphone; the console answers it with `answer`.
    Desk,
    /// This number, dialled through the tenant's outbound trunk.
    Pstn(String),
}

impl Device {
    fn stored(&self) -> Option<AgentDevice> {
        match self {
            Device::Registered => None,
            Device::Desk => Some(AgentDevice::Desk),
            Device::Pstn(n) => Some(AgentDevice::Pstn(n.clone())),
        }
    }
}

impl From<AgentDevice> for Device {
    fn from(d: AgentDevice) -> Self {
        match d {
            AgentDevice::Desk => Device::Desk,
            AgentDevice::Pstn(n) => Device::Pstn(n),
        }
    }
}

type Chosen = HashMap<(TenantId, AgentId), Device>;

/// The agents' devices (cheap to clone): the stored choices, kept in memory.
#[derive(Clone, Default)]
pub struct AgentDevices {
    chosen: Arc<Mutex<Chosen>>,
    /// Where choices are kept (none in tests of the engine alone).
    store: Option<Arc<dyn Store>>,
}

impl std::fmt::Debug for AgentDevices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgentDevices").finish_non_exhaustive()
    }
}

impl AgentDevices {
    /// Devices kept in `store`; [`AgentDevices::restore`] reads them back.
    pub fn stored_in(store: Arc<dyn Store>) -> Self {
        AgentDevices {
            chosen: Arc::default(),
            store: Some(store),
        }
    }

    /// Reads every stored choice (when the node starts); how many there are.
    pub async fn restore(&self) -> Result<usize, StoreError> {
        let Some(store) = &self.store else {
            return Ok(0);
        };
        let stored = store.list_agent_devices().await?;
        let count = stored.len();
        if let Ok(mut m) = self.chosen.lock() {
            for (tenant, user, device) in stored {
                let agent = AgentId::from_uuid(user.as_uuid());
                m.insert((tenant, agent), device.into());
            }
        }
        Ok(count)
    }

    /// The agent's device (their registered phone unless they chose another).
    pub fn get(&self, tenant: TenantId, agent: AgentId) -> Device {
        self.chosen
            .lock()
            .ok()
            .and_then(|m| m.get(&(tenant, agent)).cloned())
            .unwrap_or_default()
    }

    /// Records the agent's choice: stored first (an error leaves the old choice in force),
    /// then used for the next offer.
    pub async fn choose(
        &self,
        tenant: TenantId,
        agent: AgentId,
        device: Device,
    ) -> Result<(), StoreError> {
        if let Some(store) = &self.store {
            let user = UserId::from_uuid(agent.as_uuid());
            store
                .set_agent_device(tenant, user, device.stored())
                .await?;
        }
        if let Ok(mut m) = self.chosen.lock() {
            if device == Device::Registered {
                m.remove(&(tenant, agent));
            } else {
                m.insert((tenant, agent), device);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_agents_number_is_theirs_until_they_choose_the_softphone_again() {
        let devices = AgentDevices::default();
        let (t, a) = (TenantId::from_u128(1), AgentId::from_u128(2));
        assert_eq!(devices.get(t, a), Device::Registered);
        let number = Device::Pstn("+442079460000".into());
        devices.choose(t, a, number.clone()).await.unwrap();
        assert_eq!(devices.get(t, a), number);
        assert_eq!(
            devices.get(TenantId::from_u128(9), a),
            Device::Registered,
            "per tenant"
        );
        devices.choose(t, a, Device::Registered).await.unwrap();
        assert_eq!(devices.get(t, a), Device::Registered);
    }
}
