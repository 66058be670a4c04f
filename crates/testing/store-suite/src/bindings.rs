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

/// A user's bindings are found whatever host their AORs name, `sip:` or `sips:`, and only
/// theirs: not a longer user part, another case, a LIKE wildcard, another tenant, or expired.
pub async fn bindings_of_a_user_match_the_user_part_exactly(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let b = tenant(s, "beta").await;
    let put = |t: &sb_store::Tenant, aor: &str, contact: &str, expires: i64| Binding {
        aor: aor.to_owned(),
        ..binding(t, contact, expires, 1)
    };
    let wanted = [
        put(&a, "sip:ag_1@acme.example", "sip:ag_1@192.0.2.4:5060", 60),
        put(&a, "sips:ag_1@10.0.0.1", "sips:ag_1@192.0.2.5:5061", 60),
    ];
    let others = [
        put(&a, "sip:ag_1@old.example", "sip:ag_1@192.0.2.6", 5),
        put(&a, "sip:1001@acme.example", "sip:1001@192.0.2.7", 60),
        put(&a, "sip:ag_10@acme.example", "sip:ag_10@192.0.2.8", 60),
        put(&a, "sip:ag_1X@acme.example", "sip:x@192.0.2.9", 60),
        put(&a, "tel:ag_1", "sip:t@192.0.2.10", 60),
        put(&b, "sip:ag_1@acme.example", "sip:ag_1@203.0.113.1", 60),
    ];
    for binding in wanted.iter().chain(&others) {
        s.put_binding(binding.clone()).await.expect("put");
    }
    let mut found = s
        .list_live_bindings_of_user(a.id, "ag_1", at(10))
        .await
        .expect("of user");
    found.sort_by(|x, y| x.aor.cmp(&y.aor));
    assert_eq!(found, wanted);
    let upper = s
        .list_live_bindings_of_user(a.id, "AG_1", at(10))
        .await
        .expect("of user");
    assert!(upper.is_empty(), "{upper:?}");
    let percent = s
        .list_live_bindings_of_user(a.id, "%", at(10))
        .await
        .expect("a wildcard is literal");
    assert!(percent.is_empty(), "{percent:?}");
}
