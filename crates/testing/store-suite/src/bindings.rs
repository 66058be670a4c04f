use crate::fixtures::{at, tenant};
use sb_store::{Binding, Store};

fn binding(s: &sb_store::Tenant, contact: &str, expires: i64, cseq: u32) -> Binding {
    Binding {
        tenant_id: s.id,
        aor: "sip:1001@acme.example".to_owned(),
        contact: contact.to_owned(),
        expires_at: at(expires),
        call_id: "reg-1".to_owned(),
        cseq,
        path: vec!["<sip:edge1.example;lr>".to_owned()],
        source: "udp:192.0.2.4:5060".to_owned(),
    }
}

/// A binding is live strictly before it expires, a refresh replaces it, unregistering removes
/// one or all, and another tenant's AOR of the same text is separate.
pub async fn bindings_refresh_expire_and_are_tenant_scoped(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let b = tenant(s, "beta").await;
    let aor = "sip:1001@acme.example";
    s.put_binding(binding(&a, "sip:1001@192.0.2.4:5060", 60, 1))
        .await
        .expect("put");
    s.put_binding(binding(&a, "sip:1001@198.51.100.9", 30, 1))
        .await
        .expect("second contact");
    s.put_binding(binding(&b, "sip:x@203.0.113.1", 60, 1))
        .await
        .expect("other tenant");
    let live = s.list_live_bindings(a.id, aor, at(29)).await.expect("live");
    assert_eq!(live.len(), 2);
    assert_eq!(live[0], binding(&a, "sip:1001@192.0.2.4:5060", 60, 1));
    assert_eq!(
        s.list_live_bindings(a.id, aor, at(30))
            .await
            .expect("live")
            .len(),
        1
    );
    let refreshed = binding(&a, "sip:1001@198.51.100.9", 90, 2);
    s.put_binding(refreshed.clone()).await.expect("refresh");
    assert_eq!(
        s.list_live_bindings(a.id, aor, at(80)).await.expect("live"),
        [refreshed]
    );
    s.remove_binding(a.id, aor, "sip:1001@198.51.100.9")
        .await
        .expect("remove");
    s.remove_binding(a.id, aor, "sip:1001@198.51.100.9")
        .await
        .expect("remove twice");
    assert_eq!(
        s.list_live_bindings(a.id, aor, at(1))
            .await
            .expect("live")
            .len(),
        1
    );
    assert_eq!(s.remove_bindings(a.id, aor).await.expect("remove all"), 1);
    assert!(
        s.list_live_bindings(a.id, aor, at(1))
            .await
            .expect("live")
            .is_empty()
    );
    assert_eq!(
        s.list_live_bindings(b.id, aor, at(1))
            .await
            .expect("b")
            .len(),
        1
    );
    assert_eq!(s.purge_expired_bindings(at(60)).await.expect("purge"), 1);
    assert!(
        s.list_live_bindings(b.id, aor, at(1))
            .await
            .expect("b")
            .is_empty()
    );
}
