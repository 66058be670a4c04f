//! Where each logged-in agent takes calls: the console's softphone (or a registered SIP phone),
//! their desk phone (a SIP phone registered with their SIP credentials, never the browser),
//! or a phone number we dial through the tenant's trunk — the agent answers and presses 1 to
//! accept, so that a mobile's voicemail never takes a call. Chosen per login and kept in the
//! node's memory (like the softphone's passwords): a restart or a logout falls back to the
//! softphone.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sb_types::{AgentId, TenantId};

/// An agent's device.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Device {
    /// The phone registered for the agent (the console's softphone or a SIP phone).
    #[default]
    Registered,
    /// The agent's desk phone: a SIP phone registered with their credentials (over UDP, TCP
    /// or TLS), never the console's softphone; the console answers it with `answer`.
    Desk,
    /// This E.164 number, dialled through the tenant's outbound trunk.
    Pstn(String),
}

/// The agents' devices on this node (cheap to clone).
#[derive(Clone, Default)]
pub struct AgentDevices(Arc<Mutex<HashMap<(TenantId, AgentId), Device>>>);

impl std::fmt::Debug for AgentDevices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgentDevices").finish_non_exhaustive()
    }
}

impl AgentDevices {
    /// The agent's device (their registered phone unless they chose a number).
    pub fn get(&self, tenant: TenantId, agent: AgentId) -> Device {
        self.0
            .lock()
            .ok()
            .and_then(|m| m.get(&(tenant, agent)).cloned())
            .unwrap_or_default()
    }

    /// Sets the agent's device.
    pub fn set(&self, tenant: TenantId, agent: AgentId, device: Device) {
        if let Ok(mut m) = self.0.lock() {
            if device == Device::Registered {
                m.remove(&(tenant, agent));
            } else {
                m.insert((tenant, agent), device);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_agents_number_is_theirs_until_they_choose_the_softphone_again() {
        let devices = AgentDevices::default();
        let (t, a) = (TenantId::from_u128(1), AgentId::from_u128(2));
        assert_eq!(devices.get(t, a), Device::Registered);
        devices.set(t, a, Device::Pstn("+442079460000".into()));
        assert_eq!(devices.get(t, a), Device::Pstn("+442079460000".into()));
        assert_eq!(
            devices.get(TenantId::from_u128(9), a),
            Device::Registered,
            "per tenant"
        );
        devices.set(t, a, Device::Registered);
        assert_eq!(devices.get(t, a), Device::Registered);
    }
}
