//! The live view of every tenant's trunks: the inbound matcher and each trunk's state.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use sb_sip_dialog::trunk::RegistrationState;
use sb_sip_dialog::trunk::inbound::{PointOfContact, TrunkMatcher, TrunkSource};
use sb_sip_transport::TrustedSources;
use sb_store::{ContactKind, Store, StoreError, Trunk};
use sb_types::{TenantId, TrunkId};

use super::settings::{TrunkPlan, TrunkSettings};

/// One trunk as the engine sees it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrunkStatus {
    /// Owning tenant.
    pub tenant: TenantId,
    /// The trunk.
    pub trunk: TrunkId,
    /// Its name.
    pub name: String,
    /// The carrier registration, when the trunk registers.
    pub registration: Option<RegistrationState>,
    /// Whether the pinged carrier answers, when the trunk is pinged (`None` otherwise).
    pub up: Option<bool>,
}

/// A trunk that places outbound calls.
#[derive(Debug, Clone)]
pub struct OutboundTrunk {
    /// The trunk.
    pub trunk: TrunkId,
    /// Its name.
    pub name: String,
    /// Where its calls go.
    pub proxy: sb_sip::SipUri,
    /// Its checked settings (caller ID rules, credentials of the registration).
    pub plan: TrunkPlan,
}

fn outbound_trunks(loaded: &[LoadedTrunk]) -> BTreeMap<TenantId, Vec<OutboundTrunk>> {
    let mut by_tenant: BTreeMap<TenantId, Vec<OutboundTrunk>> = BTreeMap::new();
    for l in loaded {
        if let Some(proxy) = l.plan.outbound_proxy.clone() {
            by_tenant
                .entry(l.trunk.tenant_id)
                .or_default()
                .push(OutboundTrunk {
                    trunk: l.trunk.id,
                    name: l.trunk.name.clone(),
                    proxy,
                    plan: l.plan.clone(),
                });
        }
    }
    for trunks in by_tenant.values_mut() {
        trunks.sort_by(|a, b| a.name.cmp(&b.name));
    }
    by_tenant
}

/// A trunk with checked settings.
#[derive(Debug, Clone)]
pub struct LoadedTrunk {
    /// As stored.
    pub trunk: Trunk,
    /// Checked settings.
    pub plan: TrunkPlan,
}

/// Loads every tenant's trunks and phone points of contact and builds the inbound matcher.
/// Trunks whose settings do not check are left out (and logged).
pub async fn load_matcher(
    store: &dyn Store,
) -> Result<(TrunkMatcher, Vec<LoadedTrunk>), StoreError> {
    let mut loaded = Vec::new();
    for trunk in store.list_all_trunks().await? {
        match TrunkSettings::plan(&trunk.settings) {
            Ok(plan) => loaded.push(LoadedTrunk { trunk, plan }),
            Err((field, message)) => tracing::warn!(
                trunk = %trunk.name, tenant = %trunk.tenant_id, %field, %message,
                "trunk settings are invalid: trunk ignored"
            ),
        }
    }
    let mut contacts = Vec::new();
    for tenant in store.list_tenants().await? {
        for poc in store.list_points_of_contact(tenant.id).await? {
            if poc.kind == ContactKind::Phone {
                contacts.push(PointOfContact {
                    tenant: tenant.id,
                    number: poc.address,
                });
            }
        }
    }
    let sources: Vec<TrunkSource> = loaded
        .iter()
        .map(|l| TrunkSource {
            tenant: l.trunk.tenant_id,
            trunk: l.trunk.id,
            sources: l.plan.sources.clone(),
            numbers: l.plan.numbers.clone(),
            national: l.plan.national.clone(),
        })
        .collect();
    // A number that does not normalise must not take every other tenant's calls down with it.
    contacts.retain(|c| {
        let ok = sb_sip_dialog::e164::normalize(&c.number, None).is_ok();
        if !ok {
            tracing::warn!(tenant = %c.tenant, number = %c.number, "point of contact is not E.164: ignored");
        }
        ok
    });
    let matcher = TrunkMatcher::new(sources, contacts)
        .map_err(|e| StoreError::invalid("trunks", e.to_string()))?;
    Ok((matcher, loaded))
}

/// The trunk source networks the SIP server exempts from the per-source rate: narrow ones
/// only (IPv4 /16 or longer, IPv6 /48 or longer), so a trunk open to "anywhere" in a lab
/// never switches the flood protection off.
fn trusted_nets<'a>(sources: impl Iterator<Item = &'a ipnet::IpNet>) -> Vec<ipnet::IpNet> {
    let narrow = |n: &&ipnet::IpNet| match n {
        ipnet::IpNet::V4(v4) => v4.prefix_len() >= 16,
        ipnet::IpNet::V6(v6) => v6.prefix_len() >= 48,
    };
    let mut nets: Vec<_> = sources.filter(narrow).map(|n| n.trunc()).collect();
    nets.sort();
    nets.dedup();
    nets
}

/// The matcher inbound calls use and the trunks' states, shared by the handler, the manager
/// and (later) the API.
#[derive(Debug)]
pub struct TrunkDirectory {
    matcher: RwLock<Option<Arc<TrunkMatcher>>>,
    /// Trunks that can place calls (an outbound proxy), per tenant, by name.
    outbound: RwLock<BTreeMap<TenantId, Vec<OutboundTrunk>>>,
    names: RwLock<BTreeMap<TrunkId, String>>,
    status: Mutex<BTreeMap<TrunkId, TrunkStatus>>,
    /// The trunks' source networks of the last load, and the SIP server told of them.
    sources: RwLock<Vec<ipnet::IpNet>>,
    trust: OnceLock<TrustedSources>,
}

impl Default for TrunkDirectory {
    fn default() -> Self {
        TrunkDirectory::new()
    }
}

impl TrunkDirectory {
    /// No trunks: every inbound INVITE is refused until [`TrunkDirectory::reload`].
    pub fn new() -> Self {
        TrunkDirectory {
            matcher: RwLock::new(None),
            outbound: RwLock::new(BTreeMap::new()),
            names: RwLock::new(BTreeMap::new()),
            status: Mutex::new(BTreeMap::new()),
            sources: RwLock::new(Vec::new()),
            trust: OnceLock::new(),
        }
    }

    /// From now on the SIP server trusts the trunks' source networks as they are loaded: a
    /// carrier sends every call from a few addresses, far past the per-source request rate
    /// that stops scanners. Later calls are ignored.
    pub fn trust_sources_in(&self, trust: TrustedSources) {
        if self.trust.set(trust).is_ok() {
            self.publish_sources();
        }
    }

    /// The trunks' source networks of the last load.
    pub fn sources(&self) -> Vec<ipnet::IpNet> {
        self.sources.read().map(|s| s.clone()).unwrap_or_default()
    }

    fn publish_sources(&self) {
        if let Some(trust) = self.trust.get() {
            trust.set(self.sources());
        }
    }

    /// Reloads trunks and numbers from the store. On a store error or a conflicting
    /// configuration the previous matcher stays in place and the error is returned.
    pub async fn reload(&self, store: &dyn Store) -> Result<Vec<LoadedTrunk>, StoreError> {
        let (matcher, loaded) = load_matcher(store).await?;
        if let Ok(mut m) = self.matcher.write() {
            *m = Some(Arc::new(matcher));
        }
        if let Ok(mut o) = self.outbound.write() {
            *o = outbound_trunks(&loaded);
        }
        if let Ok(mut s) = self.sources.write() {
            *s = trusted_nets(loaded.iter().flat_map(|l| &l.plan.sources));
        }
        self.publish_sources();
        if let Ok(mut n) = self.names.write() {
            *n = loaded
                .iter()
                .map(|l| (l.trunk.id, l.trunk.name.clone()))
                .collect();
        }
        if let Ok(mut s) = self.status.lock() {
            s.retain(|id, _| loaded.iter().any(|l| l.trunk.id == *id));
            for l in &loaded {
                let entry = s.entry(l.trunk.id).or_insert_with(|| TrunkStatus {
                    tenant: l.trunk.tenant_id,
                    trunk: l.trunk.id,
                    name: l.trunk.name.clone(),
                    registration: None,
                    up: None,
                });
                entry.name = l.trunk.name.clone();
                if l.plan.register.is_none() {
                    entry.registration = None;
                }
                if l.plan.ping.is_none() {
                    entry.up = None;
                }
            }
        }
        Ok(loaded)
    }

    /// The current matcher (`None` before the first load).
    pub fn matcher(&self) -> Option<Arc<TrunkMatcher>> {
        match self.matcher.read() {
            Ok(m) => m.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The trunk a tenant's outbound calls leave through: the first by name with an
    /// outbound proxy.
    pub fn outbound_trunk(&self, tenant: TenantId) -> Option<OutboundTrunk> {
        self.outbound.read().ok()?.get(&tenant)?.first().cloned()
    }

    /// Whether `source` is the address of a trunk (its calls are not authenticated by digest).
    pub fn is_trunk_source(&self, source: std::net::IpAddr) -> bool {
        self.matcher().is_some_and(|m| m.trunk_of(source).is_some())
    }

    /// A trunk's name.
    pub fn name_of(&self, trunk: TrunkId) -> Option<String> {
        self.names.read().ok()?.get(&trunk).cloned()
    }

    /// Every trunk's state.
    pub fn status(&self) -> Vec<TrunkStatus> {
        self.status
            .lock()
            .map(|s| s.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Applies `update` to a trunk's state (no-op for an unknown trunk).
    pub(crate) fn update(&self, trunk: TrunkId, update: impl FnOnce(&mut TrunkStatus)) {
        if let Ok(mut s) = self.status.lock()
            && let Some(entry) = s.get_mut(&trunk)
        {
            update(entry);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::trusted_nets;

    fn nets(list: &[&str]) -> Vec<ipnet::IpNet> {
        list.iter().map(|n| n.parse().expect("net")).collect()
    }

    #[test]
    fn only_narrow_trunk_networks_are_trusted_once_each() {
        let sources = nets(&[
            "203.0.113.7/32",
            "0.0.0.0/0",
            "10.0.0.0/8",
            "198.51.100.9/24",
            "203.0.113.7/32",
            "2001:db8::/32",
            "2001:db8:1::/48",
        ]);
        let trusted = trusted_nets(sources.iter());
        assert_eq!(
            trusted,
            nets(&["198.51.100.0/24", "203.0.113.7/32", "2001:db8:1::/48"])
        );
    }
}
