//! SIP phones meet the store: digest secrets from the users' SIP secrets, registrar bindings
//! persisted per tenant, and reloaded at start.
//!
//! Tenants are told apart by realm: every tenant's SIP domain is `<tenant>.<anything>` (or the
//! bare tenant name), and the realm of a request is that first label
//! ([`sb_sip_transport::realm_of_host`]). Phones that register to an IP address land in the
//! node's *default realm*, which is the default tenant's name. A user's HA1 values are computed
//! for the tenant's name, so they answer challenges in that realm only.

use std::collections::HashMap;
use std::sync::Arc;

use sb_sip_dialog::digest::{Algorithm, UserSecret, ha1};
use sb_sip_dialog::registrar::{Binding as SipBinding, RegistrarEvent};
use sb_sip_transport::{BindingSink, SipCredentials, realm_of_host};
use sb_store::{Binding, SipSecret, Store, StoreError, Timestamp};
use sb_types::{TenantId, UserId};

use crate::softphone::SoftphonePasswords;
use tokio::sync::mpsc;

/// The digest secret of `username` with `password` in the tenant's realm (its name).
pub fn sip_secret(tenant_name: &str, username: &str, password: &str, now: Timestamp) -> SipSecret {
    SipSecret {
        realm: tenant_name.to_owned(),
        ha1_md5: ha1(Algorithm::Md5, username, tenant_name, password),
        ha1_sha256: ha1(Algorithm::Sha256, username, tenant_name, password),
        ha1_sha512_256: ha1(Algorithm::Sha512_256, username, tenant_name, password),
        updated_at: now,
    }
}

/// Sets a user's SIP password (stored as HA1 values for the tenant's realm).
pub async fn set_sip_password(
    store: &dyn Store,
    tenant: TenantId,
    user: UserId,
    password: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    let t = store.get_tenant(tenant).await?;
    let u = store.get_user(tenant, user).await?;
    let secret = sip_secret(&t.name, &u.username, password, now);
    store.set_sip_secret(tenant, user, secret).await
}

/// [`SipCredentials`] over the store: the realm names the tenant.
pub struct StoreCredentials {
    store: Arc<dyn Store>,
    softphones: Option<(SoftphonePasswords, fn() -> Timestamp)>,
}

impl StoreCredentials {
    /// Looks secrets up in `store`.
    pub fn new(store: Arc<dyn Store>) -> Self {
        StoreCredentials {
            store,
            softphones: None,
        }
    }

    /// Also accepts the agent console's softphone passwords (valid by `clock`).
    pub fn with_softphones(
        mut self,
        passwords: SoftphonePasswords,
        clock: fn() -> Timestamp,
    ) -> Self {
        self.softphones = Some((passwords, clock));
        self
    }

    /// The user's desk-phone secret from the store.
    async fn stored(&self, realm: &str, username: &str) -> Option<UserSecret> {
        let tenant = match self.store.get_tenant_by_name(realm).await {
            Ok(t) => t,
            Err(StoreError::NotFound { .. }) => return None,
            Err(e) => {
                tracing::warn!(error = %e, realm, "SIP credentials lookup failed");
                return None;
            }
        };
        let secret = match self.store.sip_secret_by_username(tenant.id, username).await {
            Ok(s) => s?,
            Err(e) => {
                tracing::warn!(error = %e, realm, "SIP credentials lookup failed");
                return None;
            }
        };
        // A secret made for another realm (a renamed tenant) cannot answer this one.
        (secret.realm == realm).then(|| {
            UserSecret::Ha1(vec![
                (Algorithm::Md5, secret.ha1_md5),
                (Algorithm::Sha256, secret.ha1_sha256),
                (Algorithm::Sha512_256, secret.ha1_sha512_256),
            ])
        })
    }
}

#[async_trait::async_trait]
impl SipCredentials for StoreCredentials {
    async fn secret(&self, realm: &str, username: &str) -> Option<UserSecret> {
        let stored = self.stored(realm, username).await;
        let tokens = match &self.softphones {
            Some((passwords, clock)) => passwords.valid(realm, username, clock()),
            None => Vec::new(),
        };
        if tokens.is_empty() {
            return stored;
        }
        let mut any: Vec<UserSecret> = stored.into_iter().collect();
        any.extend(tokens.into_iter().map(UserSecret::Password));
        Some(UserSecret::AnyOf(any))
    }
}

/// The realm (and so the tenant name) of an address of record such as `sip:1001@acme.example`.
pub fn realm_of_aor(aor: &str, default_realm: &str) -> String {
    match sb_sip::SipUri::parse(aor) {
        Ok(uri) => realm_of_host(&uri.host.to_string(), default_realm),
        Err(_) => default_realm.to_owned(),
    }
}

/// Persists registrar changes: a [`BindingSink`] that never blocks the SIP task, and the
/// writer that drains it into the store (run it with [`BindingWriter::run`]).
pub struct StoreBindings {
    sender: mpsc::UnboundedSender<RegistrarEvent>,
}

impl BindingSink for StoreBindings {
    fn binding_changed(&self, event: RegistrarEvent) {
        // The writer stops only at shutdown, when losing the last events is expected.
        let _ = self.sender.send(event);
    }
}

/// Writes registrar events to the store in order, each under the tenant its AOR's realm names.
pub struct BindingWriter {
    store: Arc<dyn Store>,
    default_realm: String,
    receiver: mpsc::UnboundedReceiver<RegistrarEvent>,
    tenants: HashMap<String, TenantId>,
}

/// A sink for the SIP server and the writer that persists what it receives.
pub fn binding_persistence(
    store: Arc<dyn Store>,
    default_realm: &str,
) -> (StoreBindings, BindingWriter) {
    let (sender, receiver) = mpsc::unbounded_channel();
    let writer = BindingWriter {
        store,
        default_realm: default_realm.to_owned(),
        receiver,
        tenants: HashMap::new(),
    };
    (StoreBindings { sender }, writer)
}

impl BindingWriter {
    /// Drains events until every sender is gone (the SIP server stopped).
    pub async fn run(mut self) {
        while let Some(event) = self.receiver.recv().await {
            if let Err(e) = self.apply(&event).await {
                tracing::warn!(error = %e, ?event, "persisting a SIP binding failed");
            }
        }
    }

    async fn apply(&mut self, event: &RegistrarEvent) -> Result<(), StoreError> {
        match event {
            RegistrarEvent::Bound(b) => {
                let tenant = self.tenant_of(&b.aor).await?;
                self.store.put_binding(to_store(tenant, b)).await
            }
            RegistrarEvent::Unbound { binding: b, .. } => {
                let tenant = self.tenant_of(&b.aor).await?;
                self.store.remove_binding(tenant, &b.aor, &b.contact).await
            }
        }
    }

    async fn tenant_of(&mut self, aor: &str) -> Result<TenantId, StoreError> {
        let realm = realm_of_aor(aor, &self.default_realm);
        if let Some(id) = self.tenants.get(&realm) {
            return Ok(*id);
        }
        let id = self.store.get_tenant_by_name(&realm).await?.id;
        self.tenants.insert(realm, id);
        Ok(id)
    }
}

fn to_store(tenant: TenantId, b: &SipBinding) -> Binding {
    Binding {
        tenant_id: tenant,
        aor: b.aor.clone(),
        contact: b.contact.clone(),
        expires_at: b.expires_at,
        call_id: b.call_id.clone(),
        cseq: b.cseq,
        path: b.path.clone(),
        source: b.source.clone().unwrap_or_default(),
    }
}

/// Every live binding in the store, for `Registrar::restore` at start.
pub async fn live_bindings(
    store: &dyn Store,
    now: Timestamp,
) -> Result<Vec<SipBinding>, StoreError> {
    let all = store.list_all_live_bindings(now).await?;
    Ok(all
        .into_iter()
        .map(|b| SipBinding {
            aor: b.aor,
            contact: b.contact,
            call_id: b.call_id,
            cseq: b.cseq,
            expires_at: b.expires_at,
            q: None,
            path: b.path,
            source: (!b.source.is_empty()).then_some(b.source),
        })
        .collect())
}
