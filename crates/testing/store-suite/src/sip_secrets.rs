use crate::fixtures::{T0, assert_not_found, at, tenant, user};
use sb_store::{Binding, SipSecret, Store, UserProfile};
use sb_types::UserId;

fn secret(realm: &str, tag: &str) -> SipSecret {
    SipSecret {
        realm: realm.to_owned(),
        ha1_md5: format!("md5-{tag}"),
        ha1_sha256: format!("sha256-{tag}"),
        ha1_sha512_256: format!("sha512-{tag}"),
        updated_at: T0,
    }
}

/// A SIP secret is found by user name in its own tenant only, is replaced by a new one, is not
/// given out for a disabled user, can be cleared, and goes with its user.
pub async fn sip_secrets_are_per_user_tenant_scoped_and_deleted_with_the_user(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let b = tenant(s, "beta").await;
    let alice = user(s, a.id, "1001").await;
    let other = user(s, b.id, "1001").await;
    s.set_sip_secret(a.id, alice.id, secret("acme", "one"))
        .await
        .expect("set");
    assert_eq!(
        s.sip_secret_by_username(a.id, "1001").await.expect("get"),
        Some(secret("acme", "one"))
    );
    assert_eq!(
        s.sip_secret_by_username(b.id, "1001").await.expect("b"),
        None
    );
    assert_not_found(s.set_sip_secret(a.id, other.id, secret("acme", "x")).await);
    assert_not_found(
        s.set_sip_secret(a.id, UserId::from_u128(42), secret("acme", "x"))
            .await,
    );
    s.set_sip_secret(a.id, alice.id, secret("acme", "two"))
        .await
        .expect("replace");
    assert_eq!(
        s.sip_secret_by_username(a.id, "1001").await.expect("get"),
        Some(secret("acme", "two"))
    );
    let disabled = UserProfile {
        display_name: alice.display_name.clone(),
        role: alice.role,
        disabled: true,
    };
    s.update_user(a.id, alice.id, disabled, at(1))
        .await
        .expect("disable");
    assert_eq!(
        s.sip_secret_by_username(a.id, "1001").await.expect("off"),
        None
    );
    let enabled = UserProfile {
        display_name: alice.display_name.clone(),
        role: alice.role,
        disabled: false,
    };
    s.update_user(a.id, alice.id, enabled, at(2))
        .await
        .expect("enable");
    s.clear_sip_secret(a.id, alice.id).await.expect("clear");
    s.clear_sip_secret(a.id, alice.id)
        .await
        .expect("clear twice");
    assert_eq!(
        s.sip_secret_by_username(a.id, "1001")
            .await
            .expect("cleared"),
        None
    );
    s.set_sip_secret(b.id, other.id, secret("beta", "b"))
        .await
        .expect("set b");
    s.delete_user(b.id, other.id).await.expect("delete user");
    assert_eq!(
        s.sip_secret_by_username(b.id, "1001").await.expect("gone"),
        None
    );
}

/// Every tenant's live bindings are listed together (for the registrar's restart), and expired
/// ones are not.
pub async fn all_live_bindings_span_tenants(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let b = tenant(s, "beta").await;
    let binding = |tenant, contact: &str, expires| Binding {
        tenant_id: tenant,
        aor: "sip:1001@acme".to_owned(),
        contact: contact.to_owned(),
        expires_at: at(expires),
        call_id: "c".to_owned(),
        cseq: 1,
        path: Vec::new(),
        source: "udp:127.0.0.1:5062".to_owned(),
    };
    s.put_binding(binding(a.id, "sip:a@127.0.0.1", 60))
        .await
        .expect("a");
    s.put_binding(binding(b.id, "sip:b@127.0.0.1", 30))
        .await
        .expect("b");
    let live = s.list_all_live_bindings(at(10)).await.expect("live");
    assert_eq!(live.len(), 2);
    assert!(
        live.iter()
            .any(|x| x.tenant_id == a.id && x.contact == "sip:a@127.0.0.1")
    );
    assert!(
        live.iter()
            .any(|x| x.tenant_id == b.id && x.contact == "sip:b@127.0.0.1")
    );
    let later = s.list_all_live_bindings(at(30)).await.expect("later");
    assert_eq!(later, [binding(a.id, "sip:a@127.0.0.1", 60)]);
}
