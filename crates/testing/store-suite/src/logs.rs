use crate::fixtures::{at, tenant};
use sb_store::{NewAuditEntry, NewEvent, Store};
use serde_json::json;

/// Sequence numbers strictly increase across tenants; reads are per tenant, after a seq, limited.
pub async fn event_seq_increases_and_reads_per_tenant(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let b = tenant(s, "beta").await;
    let mut seqs = Vec::new();
    for i in 0..10i64 {
        let t = if i % 3 == 0 { b.id } else { a.id };
        let e = NewEvent {
            tenant_id: t,
            at: at(i),
            kind: "interaction.queued".to_owned(),
            subject: format!("i{i}"),
            payload: json!({"n": i}),
        };
        seqs.push((t, s.append_event(e).await.expect("append")));
    }
    assert!(
        seqs.windows(2).all(|w| w[0].1 < w[1].1),
        "strictly increasing: {seqs:?}"
    );
    let a_seqs: Vec<i64> = seqs
        .iter()
        .filter(|(t, _)| *t == a.id)
        .map(|(_, q)| *q)
        .collect();
    let all = s.read_events(a.id, 0, 100).await.expect("read");
    assert_eq!(all.iter().map(|e| e.seq).collect::<Vec<_>>(), a_seqs);
    assert!(all.iter().all(|e| e.tenant_id == a.id));
    assert_eq!(all[0].payload, json!({"n": 1}));
    assert_eq!((all[0].at, all[0].subject.as_str()), (at(1), "i1"));
    let page = s.read_events(a.id, a_seqs[1], 2).await.expect("page");
    assert_eq!(page.iter().map(|e| e.seq).collect::<Vec<_>>(), a_seqs[2..4]);
    let last = *a_seqs.last().expect("some");
    assert!(
        s.read_events(a.id, last, 10)
            .await
            .expect("tail")
            .is_empty()
    );
    assert_eq!(s.read_events(b.id, 0, 100).await.expect("b").len(), 4);
}

/// Audit entries list newest first, per tenant, paged with `before`.
pub async fn audit_pages_newest_first_per_tenant(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let b = tenant(s, "beta").await;
    let mut ids = Vec::new();
    for i in 0..5i64 {
        let e = NewAuditEntry {
            tenant_id: a.id,
            at: at(i),
            actor: "cli".to_owned(),
            ip: (i == 0).then(|| "192.0.2.7".to_owned()),
            action: "user.create".to_owned(),
            target: format!("user {i}"),
            details: json!({"i": i}),
        };
        ids.push(s.append_audit(e).await.expect("append"));
    }
    let other = NewAuditEntry {
        tenant_id: b.id,
        at: at(9),
        actor: "system".to_owned(),
        ip: None,
        action: "allowlist.denied".to_owned(),
        target: "api".to_owned(),
        details: json!(null),
    };
    s.append_audit(other).await.expect("b");
    let first = s.list_audit(a.id, 2, None).await.expect("page 1");
    assert_eq!(
        first.iter().map(|e| e.id).collect::<Vec<_>>(),
        [ids[4], ids[3]]
    );
    let next = s.list_audit(a.id, 10, Some(ids[3])).await.expect("page 2");
    assert_eq!(
        next.iter().map(|e| e.id).collect::<Vec<_>>(),
        [ids[2], ids[1], ids[0]]
    );
    assert_eq!(next[2].ip.as_deref(), Some("192.0.2.7"));
    assert_eq!(
        (next[2].target.as_str(), &next[2].details),
        ("user 0", &json!({"i": 0}))
    );
    let theirs = s.list_audit(b.id, 10, None).await.expect("b");
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].action, "allowlist.denied");
}

/// Appends racing on several connections get distinct seqs, and a reader sees all of them in
/// ascending order.
pub async fn concurrent_appends_read_back_in_seq_order(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let appends = (0..24i64).map(|i| {
        s.append_event(NewEvent {
            tenant_id: a.id,
            at: at(i),
            kind: "agent.state".to_owned(),
            subject: format!("a{i}"),
            payload: json!(i),
        })
    });
    let mut seqs: Vec<i64> = futures::future::join_all(appends)
        .await
        .into_iter()
        .map(|r| r.expect("append"))
        .collect();
    seqs.sort_unstable();
    seqs.dedup();
    assert_eq!(seqs.len(), 24, "distinct seqs");
    let read: Vec<i64> = s
        .read_events(a.id, 0, 100)
        .await
        .expect("read")
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(read, seqs);
}
