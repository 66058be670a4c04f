//! The engine's SIP seams over a real (SQLite) store.

mod common;

use common::{T0, store, tenant};

use sb_engine::sip::{
    StoreCredentials, binding_persistence, live_bindings, realm_of_aor, set_sip_password,
};
use sb_engine::softphone::SoftphonePasswords;
use sb_sip_dialog::digest::{Algorithm, UserSecret, ha1};
use sb_sip_dialog::registrar::{Binding, RegistrarEvent, Removal};
use sb_sip_transport::{BindingSink, SipCredentials};
use sb_store::{NewUser, Store, Tenant, Timestamp, User};
use sb_types::Role;
use std::time::Duration;

async fn agent(s: &dyn Store, t: &Tenant, username: &str) -> User {
    s.create_user(
        t.id,
        NewUser {
            username: username.to_owned(),
            display_name: username.to_owned(),
            role: Role::Agent,
            password_hash: None,
            now: T0,
        },
    )
    .await
    .expect("user")
}

fn md5_of(secret: Option<UserSecret>) -> Option<String> {
    match secret? {
        UserSecret::Ha1(list) => list
            .into_iter()
            .find(|(a, _)| *a == Algorithm::Md5)
            .map(|(_, h)| h),
        UserSecret::Password(_) | UserSecret::AnyOf(_) => None,
    }
}

fn clock() -> Timestamp {
    T0
}

#[tokio::test]
async fn a_softphone_password_answers_beside_the_desk_phone_secret_until_it_expires() {
    let (s, _dir) = store().await;
    let acme = tenant(&*s, "acme").await;
    let alice = agent(&*s, &acme, "1001").await;
    agent(&*s, &acme, "1002").await;
    set_sip_password(&*s, acme.id, alice.id, "alice-pw", T0)
        .await
        .expect("set");
    let passwords = SoftphonePasswords::default();
    let creds = StoreCredentials::new(s.clone()).with_softphones(passwords.clone(), clock);
    passwords.issue(
        "acme",
        "1001",
        "token-a".into(),
        T0,
        T0 + Duration::from_secs(60),
    );
    passwords.issue(
        "acme",
        "1002",
        "token-b".into(),
        T0,
        T0 + Duration::from_secs(60),
    );
    match creds.secret("acme", "1001").await {
        Some(UserSecret::AnyOf(list)) => {
            assert_eq!(list.len(), 2, "{list:?}");
            assert!(matches!(&list[0], UserSecret::Ha1(_)), "desk phone first");
            assert!(matches!(&list[1], UserSecret::Password(p) if p == "token-a"));
        }
        other => panic!("expected both secrets, got {other:?}"),
    }
    // A user without a desk phone registers with the console's password alone.
    match creds.secret("acme", "1002").await {
        Some(UserSecret::AnyOf(list)) => {
            assert!(matches!(&list[..], [UserSecret::Password(p)] if p == "token-b"))
        }
        other => panic!("expected the token, got {other:?}"),
    }
    assert!(creds.secret("beta", "1002").await.is_none(), "other realm");
    passwords.revoke("acme", "1002");
    assert!(creds.secret("acme", "1002").await.is_none(), "revoked");
    passwords.issue(
        "acme",
        "1002",
        "late".into(),
        T0 - Duration::from_secs(9),
        T0,
    );
    assert!(creds.secret("acme", "1002").await.is_none(), "expired");
}

#[tokio::test]
async fn a_sip_password_answers_only_in_its_tenants_realm() {
    let (s, _dir) = store().await;
    let acme = tenant(&*s, "acme").await;
    let beta = tenant(&*s, "beta").await;
    let alice = agent(&*s, &acme, "1001").await;
    let bob = agent(&*s, &beta, "1001").await;
    set_sip_password(&*s, acme.id, alice.id, "alice-pw", T0)
        .await
        .expect("set");
    set_sip_password(&*s, beta.id, bob.id, "bob-pw", T0)
        .await
        .expect("set");
    let creds = StoreCredentials::new(s.clone());
    assert_eq!(
        md5_of(creds.secret("acme", "1001").await),
        Some(ha1(Algorithm::Md5, "1001", "acme", "alice-pw"))
    );
    assert_eq!(
        md5_of(creds.secret("beta", "1001").await),
        Some(ha1(Algorithm::Md5, "1001", "beta", "bob-pw"))
    );
    assert!(
        creds.secret("gamma", "1001").await.is_none(),
        "unknown realm"
    );
    assert!(creds.secret("acme", "1002").await.is_none(), "unknown user");
    match creds.secret("acme", "1001").await {
        Some(UserSecret::Ha1(list)) => assert_eq!(list.len(), 3, "MD5, SHA-256, SHA-512/256"),
        other => panic!("expected HA1 values, got {other:?}"),
    }
}

#[test]
fn an_aor_names_its_tenant_by_the_first_label_or_the_default() {
    assert_eq!(realm_of_aor("sip:1001@acme.pbx.example", "demo"), "acme");
    assert_eq!(realm_of_aor("sip:1001@127.0.0.1:5060", "demo"), "demo");
    assert_eq!(realm_of_aor("sip:1001@[::1]", "demo"), "demo");
    assert_eq!(realm_of_aor("not a uri", "demo"), "demo");
}

fn binding(aor: &str, contact: &str, cseq: u32) -> Binding {
    Binding {
        aor: aor.to_owned(),
        contact: contact.to_owned(),
        call_id: "reg-1".to_owned(),
        cseq,
        expires_at: Timestamp::from_millis(T0.as_millis() + 3_600_000),
        q: None,
        path: Vec::new(),
        source: Some("udp:127.0.0.1:5062".to_owned()),
    }
}

#[tokio::test]
async fn registrar_events_are_persisted_under_the_aors_tenant_and_reloaded() {
    let (s, _dir) = store().await;
    let demo = tenant(&*s, "demo").await;
    let acme = tenant(&*s, "acme").await;
    let (sink, writer) = binding_persistence(s.clone(), "demo");
    let by_ip = binding("sip:1001@127.0.0.1", "sip:1001@127.0.0.1:5062", 1);
    let by_domain = binding("sip:1001@acme.example", "sip:1001@127.0.0.1:5064", 1);
    let gone = binding("sip:1002@127.0.0.1", "sip:1002@127.0.0.1:5066", 1);
    sink.binding_changed(RegistrarEvent::Bound(by_ip.clone()));
    sink.binding_changed(RegistrarEvent::Bound(by_domain.clone()));
    sink.binding_changed(RegistrarEvent::Bound(gone.clone()));
    sink.binding_changed(RegistrarEvent::Unbound {
        binding: gone,
        reason: Removal::Unregistered,
    });
    // An AOR whose realm is no tenant is logged and skipped, not fatal.
    sink.binding_changed(RegistrarEvent::Bound(binding(
        "sip:9@nobody.example",
        "sip:9@127.0.0.1",
        1,
    )));
    drop(sink);
    writer.run().await;
    let demo_live = s
        .list_live_bindings(demo.id, "sip:1001@127.0.0.1", T0)
        .await
        .expect("demo");
    assert_eq!(demo_live.len(), 1);
    assert_eq!(demo_live[0].source, "udp:127.0.0.1:5062");
    assert_eq!(
        s.list_live_bindings(acme.id, "sip:1001@acme.example", T0)
            .await
            .expect("acme")
            .len(),
        1
    );
    assert!(
        s.list_live_bindings(demo.id, "sip:1002@127.0.0.1", T0)
            .await
            .expect("gone")
            .is_empty()
    );
    let mut reloaded = live_bindings(&*s, T0).await.expect("reload");
    reloaded.sort_by(|a, b| a.contact.cmp(&b.contact));
    assert_eq!(reloaded, vec![by_ip, by_domain]);
}
