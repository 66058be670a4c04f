//! Shared helpers: a fixture that keeps the database alive, and short constructors.

use sb_store::{NewTenant, NewUser, Store, StoreError, StoreResult, Tenant, User};
use sb_types::{Role, TenantId, Timestamp};
use std::sync::Arc;

/// A store under test and whatever keeps its database alive (a temp dir, a PG database name).
pub struct Fixture {
    store: Arc<dyn Store>,
    _keep: Box<dyn std::any::Any + Send>,
}

impl Fixture {
    /// Wraps a store; `keep` is dropped with the fixture.
    pub fn new(store: Arc<dyn Store>, keep: impl std::any::Any + Send) -> Self {
        Fixture {
            store,
            _keep: Box::new(keep),
        }
    }

    /// The store under test.
    pub fn store(&self) -> &dyn Store {
        &*self.store
    }
}

/// A fixed instant the tests count from (2026-01-01T00:00:00Z).
pub(crate) const T0: Timestamp = Timestamp::from_millis(1_767_225_600_000);

/// `T0` plus `secs` seconds.
pub(crate) fn at(secs: i64) -> Timestamp {
    Timestamp::from_millis(T0.as_millis() + secs * 1000)
}

pub(crate) async fn tenant(s: &dyn Store, name: &str) -> Tenant {
    let new = NewTenant {
        name: name.to_owned(),
        display_name: format!("{name} Inc."),
        cluster: "C14".to_owned(),
        ip_allowlist: Vec::new(),
        created_at: T0,
    };
    s.create_tenant(new).await.expect("create tenant")
}

pub(crate) async fn user(s: &dyn Store, tenant: TenantId, username: &str) -> User {
    let new = NewUser {
        username: username.to_owned(),
        display_name: format!("Agent {username}"),
        role: Role::Agent,
        password_hash: Some(format!("$argon2id$v=19$m=19456,t=2,p=1$salt${username}")),
        now: T0,
    };
    s.create_user(tenant, new).await.expect("create user")
}

/// Panics unless the result is `NotFound`.
#[track_caller]
pub(crate) fn assert_not_found<T: std::fmt::Debug>(r: StoreResult<T>) {
    assert!(
        matches!(r, Err(StoreError::NotFound { .. })),
        "expected NotFound, got {r:?}"
    );
}

/// Panics unless the result is `Conflict`.
#[track_caller]
pub(crate) fn assert_conflict<T: std::fmt::Debug>(r: StoreResult<T>) {
    assert!(
        matches!(r, Err(StoreError::Conflict { .. })),
        "expected Conflict, got {r:?}"
    );
}

/// Panics unless the result is `Invalid` on exactly `field`.
#[track_caller]
pub(crate) fn assert_invalid<T: std::fmt::Debug>(r: StoreResult<T>, field: &str) {
    match r {
        Err(StoreError::Invalid { field: f, .. }) => assert_eq!(f, field),
        other => panic!("expected Invalid on {field}, got {other:?}"),
    }
}
