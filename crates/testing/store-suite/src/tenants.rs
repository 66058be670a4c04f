use crate::fixtures::{T0, assert_conflict, assert_invalid, assert_not_found, tenant};
use sb_store::{NewTenant, Store, TenantUpdate};
use sb_types::TenantId;

/// Create, read by id and name, list, update; a taken name is a conflict.
pub async fn tenants_crud_and_unique_name(s: &dyn Store) {
    let acme = tenant(s, "acme").await;
    let beta = tenant(s, "beta").await;
    assert_eq!(s.get_tenant(acme.id).await.expect("get"), acme);
    assert_eq!(s.get_tenant_by_name("beta").await.expect("by name"), beta);
    let names: Vec<String> = s
        .list_tenants()
        .await
        .expect("list")
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, ["acme", "beta"]);
    let update = TenantUpdate {
        display_name: "ACME".to_owned(),
        cluster: "C15".to_owned(),
        ip_allowlist: vec![
            "203.0.113.0/24".parse().expect("net"),
            "2001:db8::/32".parse().expect("net"),
        ],
    };
    let updated = s
        .update_tenant(acme.id, update.clone())
        .await
        .expect("update");
    assert_eq!(updated.ip_allowlist, update.ip_allowlist);
    assert_eq!(s.get_tenant(acme.id).await.expect("get"), updated);
    assert!(updated.allows_ip("203.0.113.9".parse().expect("ip")));
    assert!(!updated.allows_ip("198.51.100.1".parse().expect("ip")));
    let dup = NewTenant {
        name: "acme".to_owned(),
        display_name: String::new(),
        cluster: "C1".to_owned(),
        ip_allowlist: Vec::new(),
        created_at: T0,
    };
    assert_conflict(s.create_tenant(dup).await);
    assert_not_found(s.get_tenant(TenantId::from_u128(7)).await);
    assert_not_found(s.get_tenant_by_name("nobody").await);
    assert_not_found(s.update_tenant(TenantId::from_u128(7), update).await);
}

/// Names that are not `[a-z0-9-]{1,63}` are refused before anything is written.
pub async fn tenant_name_must_be_slug(s: &dyn Store) {
    for bad in ["", "Acme", "a b", "a_b", &"x".repeat(64)] {
        let new = NewTenant {
            name: bad.to_owned(),
            display_name: String::new(),
            cluster: "C1".to_owned(),
            ip_allowlist: Vec::new(),
            created_at: T0,
        };
        assert_invalid(s.create_tenant(new).await, "name");
    }
    assert!(s.list_tenants().await.expect("list").is_empty());
}
