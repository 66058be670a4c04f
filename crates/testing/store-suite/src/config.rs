use crate::fixtures::{assert_conflict, assert_not_found, tenant};
use sb_store::{ContactKind, PointOfContactSpec, QueueSpec, Store};
use sb_types::Channel;
use serde_json::json;

fn queue(name: &str) -> QueueSpec {
    QueueSpec {
        name: name.to_owned(),
        channel: Channel::Voice,
        settings: json!({"strategy": "longest_idle"}),
    }
}

/// Queues: CRUD, names unique per tenant, other tenants' queues invisible.
pub async fn queues_are_unique_per_tenant_and_isolated(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let b = tenant(s, "beta").await;
    let q = s.create_queue(a.id, queue("sales")).await.expect("create");
    assert_eq!(s.get_queue(a.id, q.id).await.expect("get"), q);
    assert_eq!(
        s.get_queue_by_name(a.id, "sales").await.expect("by name"),
        q
    );
    assert_conflict(s.create_queue(a.id, queue("sales")).await);
    let theirs = s
        .create_queue(b.id, queue("sales"))
        .await
        .expect("same name elsewhere");
    let other = s
        .create_queue(a.id, queue("support"))
        .await
        .expect("second");
    let mut spec = queue("sales-en");
    spec.channel = Channel::Chat;
    spec.settings = json!({"sla": 20});
    let updated = s
        .update_queue(a.id, q.id, spec.clone())
        .await
        .expect("update");
    assert_eq!(s.get_queue(a.id, q.id).await.expect("get"), updated);
    assert_eq!(updated.channel, Channel::Chat);
    assert_conflict(s.update_queue(a.id, other.id, queue("sales-en")).await);
    assert_eq!(s.list_queues(a.id).await.expect("list"), [updated, other]);
    assert_not_found(s.get_queue(a.id, theirs.id).await);
    assert_not_found(s.update_queue(a.id, theirs.id, spec).await);
    assert_not_found(s.delete_queue(a.id, theirs.id).await);
    assert_not_found(s.get_queue_by_name(b.id, "support").await);
    s.delete_queue(a.id, q.id).await.expect("delete");
    assert_not_found(s.get_queue(a.id, q.id).await);
    assert_eq!(
        s.get_queue(b.id, theirs.id).await.expect("theirs intact"),
        theirs
    );
}

fn phone(number: &str) -> PointOfContactSpec {
    PointOfContactSpec {
        kind: ContactKind::Phone,
        address: number.to_owned(),
        flow: "main".to_owned(),
        settings: json!({}),
    }
}

/// A number routes to one tenant: unique across tenants, found without a tenant, invisible to
/// other tenants otherwise.
pub async fn points_of_contact_are_unique_across_tenants_and_found_by_address(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let b = tenant(s, "beta").await;
    let p = s
        .create_point_of_contact(a.id, phone("+15550100"))
        .await
        .expect("create");
    assert_conflict(s.create_point_of_contact(b.id, phone("+15550100")).await);
    let sms = PointOfContactSpec {
        kind: ContactKind::Sms,
        ..phone("+15550100")
    };
    let same_number_sms = s
        .create_point_of_contact(b.id, sms)
        .await
        .expect("other kind is free");
    let found = s
        .find_point_of_contact_by_address(ContactKind::Phone, "+15550100")
        .await
        .expect("route");
    assert_eq!((found.id, found.tenant_id), (p.id, a.id));
    let routed = s
        .find_point_of_contact_by_address(ContactKind::Sms, "+15550100")
        .await
        .expect("sms");
    assert_eq!(routed.tenant_id, b.id);
    assert_not_found(
        s.find_point_of_contact_by_address(ContactKind::Phone, "+15550199")
            .await,
    );
    assert_eq!(s.get_point_of_contact(a.id, p.id).await.expect("get"), p);
    assert_not_found(s.get_point_of_contact(b.id, p.id).await);
    assert_not_found(
        s.update_point_of_contact(b.id, p.id, phone("+15550101"))
            .await,
    );
    assert_not_found(s.delete_point_of_contact(b.id, p.id).await);
    let mut spec = phone("+15550101");
    spec.flow = "night".to_owned();
    let moved = s
        .update_point_of_contact(a.id, p.id, spec)
        .await
        .expect("update");
    assert_eq!(s.list_points_of_contact(a.id).await.expect("list"), [moved]);
    assert_eq!(
        s.list_points_of_contact(b.id).await.expect("list"),
        [same_number_sms]
    );
    s.delete_point_of_contact(a.id, p.id).await.expect("delete");
    s.create_point_of_contact(b.id, phone("+15550101"))
        .await
        .expect("freed number is reusable");
}

/// Trunks: CRUD, names unique per tenant, isolated; `list_all_trunks` sees every tenant's.
pub async fn trunks_are_unique_per_tenant_and_isolated(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let b = tenant(s, "beta").await;
    let settings = json!({"sources": ["198.51.100.0/24"], "host": "sip.carrier.example"});
    let t = s
        .create_trunk(a.id, "carrier", settings.clone())
        .await
        .expect("create");
    assert_conflict(s.create_trunk(a.id, "carrier", json!({})).await);
    let theirs = s
        .create_trunk(b.id, "carrier", json!({}))
        .await
        .expect("elsewhere");
    assert_eq!(s.get_trunk(a.id, t.id).await.expect("get"), t);
    let updated = s
        .update_trunk(a.id, t.id, "carrier-2", json!({"host": "x"}))
        .await
        .expect("update");
    assert_eq!(
        s.list_trunks(a.id).await.expect("list"),
        std::slice::from_ref(&updated)
    );
    assert_eq!(s.list_all_trunks().await.expect("all").len(), 2);
    assert_not_found(s.get_trunk(a.id, theirs.id).await);
    assert_not_found(s.update_trunk(a.id, theirs.id, "x", json!({})).await);
    assert_not_found(s.delete_trunk(a.id, theirs.id).await);
    s.delete_trunk(a.id, t.id).await.expect("delete");
    assert!(s.list_trunks(a.id).await.expect("list").is_empty());
}

/// Channel accounts: (kind, name) unique per tenant, isolated.
pub async fn channel_configs_are_unique_per_kind_and_tenant_scoped(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let b = tenant(s, "beta").await;
    let mail = s
        .create_channel_config(
            a.id,
            Channel::Email,
            "support",
            json!({"imap": "imap.example"}),
        )
        .await
        .expect("create");
    assert_conflict(
        s.create_channel_config(a.id, Channel::Email, "support", json!({}))
            .await,
    );
    let chat = s
        .create_channel_config(a.id, Channel::Chat, "support", json!({}))
        .await
        .expect("other kind");
    let theirs = s
        .create_channel_config(b.id, Channel::Email, "support", json!({}))
        .await
        .expect("elsewhere");
    assert_eq!(
        s.get_channel_config(a.id, mail.id).await.expect("get"),
        mail
    );
    let updated = s
        .update_channel_config(a.id, mail.id, "sales", json!({"pop3": "pop.example"}))
        .await
        .expect("update");
    assert_eq!(updated.kind, Channel::Email);
    let listed = s.list_channel_configs(a.id).await.expect("list");
    assert_eq!(listed.len(), 2);
    assert!(listed.contains(&updated) && listed.contains(&chat));
    assert_not_found(s.get_channel_config(a.id, theirs.id).await);
    assert_not_found(
        s.update_channel_config(a.id, theirs.id, "x", json!({}))
            .await,
    );
    assert_not_found(s.delete_channel_config(a.id, theirs.id).await);
    s.delete_channel_config(a.id, chat.id)
        .await
        .expect("delete");
    assert_eq!(s.list_channel_configs(a.id).await.expect("list"), [updated]);
}

/// Every tenant's channel accounts of one kind, by tenant id then name (the mailbox pollers'
/// list); other kinds left out.
pub async fn all_channel_configs_of_a_kind_span_tenants(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let b = tenant(s, "beta").await;
    let create = |t, kind, name: &'static str| async move {
        s.create_channel_config(t, kind, name, json!({"n": name}))
            .await
            .expect("create")
    };
    let a_sales = create(a.id, Channel::Email, "sales").await;
    let a_support = create(a.id, Channel::Email, "support").await;
    let b_info = create(b.id, Channel::Email, "info").await;
    create(a.id, Channel::Chat, "web").await;
    let mut want = vec![a_sales, a_support, b_info];
    want.sort_by(|x, y| (x.tenant_id, &x.name).cmp(&(y.tenant_id, &y.name)));
    let all = s
        .list_all_channel_configs(Channel::Email)
        .await
        .expect("all");
    assert_eq!(all, want);
    assert!(
        s.list_all_channel_configs(Channel::Sms)
            .await
            .expect("none")
            .is_empty()
    );
    assert_eq!(
        s.list_all_channel_configs(Channel::Chat)
            .await
            .expect("chat")
            .len(),
        1
    );
}
