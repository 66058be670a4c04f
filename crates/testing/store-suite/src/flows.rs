use crate::fixtures::{T0, assert_conflict, assert_not_found, at, tenant};
use sb_store::{FlowVersionState, Store};
use serde_json::json;

/// Drafts overwrite drafts; publishing freezes; the next save starts a new version; publishing
/// an old version rolls back and keeps every version.
pub async fn flow_drafts_publish_and_rollback(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let f = s.create_flow(a.id, "main", T0).await.expect("create");
    assert_eq!(f.published_version, None);
    assert_conflict(s.create_flow(a.id, "main", T0).await);
    assert_not_found(s.get_published_flow(a.id, f.id).await);
    let d1 = s
        .save_draft(a.id, f.id, json!({"v": 1}), at(1))
        .await
        .expect("draft");
    assert_eq!((d1.version, d1.state), (1, FlowVersionState::Draft));
    let d1b = s
        .save_draft(a.id, f.id, json!({"v": "1b"}), at(2))
        .await
        .expect("overwrite");
    assert_eq!(d1b.version, 1, "a draft is overwritten");
    let p1 = s.publish_flow(a.id, f.id, 1, at(3)).await.expect("publish");
    assert_eq!(
        (p1.state, p1.published_at),
        (FlowVersionState::Published, Some(at(3)))
    );
    assert_eq!(p1.document, json!({"v": "1b"}));
    let d2 = s
        .save_draft(a.id, f.id, json!({"v": 2}), at(4))
        .await
        .expect("new draft");
    assert_eq!(d2.version, 2, "a published version is frozen");
    assert_eq!(
        s.get_published_flow(a.id, f.id).await.expect("published"),
        p1
    );
    let p2 = s
        .publish_flow(a.id, f.id, 2, at(5))
        .await
        .expect("publish 2");
    assert_eq!(
        s.get_flow(a.id, f.id)
            .await
            .expect("flow")
            .published_version,
        Some(2)
    );
    let back = s
        .publish_flow(a.id, f.id, 1, at(6))
        .await
        .expect("rollback");
    assert_eq!(
        back.published_at,
        Some(at(3)),
        "first publication time is kept"
    );
    assert_eq!(
        s.get_published_flow(a.id, f.id)
            .await
            .expect("published")
            .document,
        json!({"v": "1b"})
    );
    let versions = s.list_flow_versions(a.id, f.id).await.expect("versions");
    assert_eq!(versions, [back.clone(), p2.clone()]);
    assert_eq!(s.get_flow_version(a.id, f.id, 2).await.expect("v2"), p2);
    assert_not_found(s.get_flow_version(a.id, f.id, 3).await);
    assert_not_found(s.publish_flow(a.id, f.id, 9, at(7)).await);
    assert_eq!(
        s.get_flow_by_name(a.id, "main")
            .await
            .expect("by name")
            .published_version,
        Some(1)
    );
    s.delete_flow(a.id, f.id).await.expect("delete");
    assert_not_found(s.get_flow(a.id, f.id).await);
    assert!(s.list_flows(a.id).await.expect("list").is_empty());
}

/// Another tenant can neither read, draft, publish nor delete a tenant's flow.
pub async fn flows_are_isolated_between_tenants(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let b = tenant(s, "beta").await;
    let f = s.create_flow(a.id, "main", T0).await.expect("create");
    s.save_draft(a.id, f.id, json!({}), at(1))
        .await
        .expect("draft");
    s.publish_flow(a.id, f.id, 1, at(1)).await.expect("publish");
    s.create_flow(b.id, "main", T0)
        .await
        .expect("same name elsewhere");
    assert_not_found(s.get_flow(b.id, f.id).await);
    assert_not_found(s.save_draft(b.id, f.id, json!({"evil": true}), at(2)).await);
    assert_not_found(s.publish_flow(b.id, f.id, 1, at(2)).await);
    assert_not_found(s.get_published_flow(b.id, f.id).await);
    assert_not_found(s.get_flow_version(b.id, f.id, 1).await);
    assert_not_found(s.list_flow_versions(b.id, f.id).await);
    assert_not_found(s.delete_flow(b.id, f.id).await);
    assert_eq!(
        s.list_flow_versions(a.id, f.id)
            .await
            .expect("versions")
            .len(),
        1
    );
}
