//! SQLite store throughput on the paths that run per call or per login: appending an event
//! (durable, `synchronous=FULL`; 64 one after another against 64 at once, which the group
//! commit writes in one transaction), looking a user up by name, routing by phone number, and a
//! whole-tenant import of 200 users that changes nothing.
//!
//! `cargo bench -p sb-store-sqlite --bench store -- --warm-up-time 1 --measurement-time 3`

use criterion::{Criterion, criterion_group, criterion_main};
use sb_store::{
    ContactKind, EventLog, NewEvent, PointOfContactDoc, PointOfContactRepo, TenantDocument,
    TenantDocuments, TenantSection, Timestamp, UserDoc, UserRepo, UserSkillDoc,
};
use sb_store_sqlite::SqliteStore;
use sb_types::Role;
use serde_json::json;

fn document() -> TenantDocument {
    let users = (0..200)
        .map(|i| UserDoc {
            username: format!("{}", 1000 + i),
            display_name: format!("Agent {i}"),
            role: Role::Agent,
            skills: vec![UserSkillDoc {
                skill: "english".to_owned(),
                proficiency: 5,
            }],
            password_hash: None,
            disabled: false,
        })
        .collect();
    TenantDocument {
        version: 1,
        tenant: TenantSection {
            name: "bench".to_owned(),
            display_name: String::new(),
            cluster: "C1".to_owned(),
            ip_allowlist: Vec::new(),
            settings: None,
        },
        skills: vec!["english".to_owned()],
        teams: Vec::new(),
        users,
        queues: Vec::new(),
        points_of_contact: vec![PointOfContactDoc {
            kind: ContactKind::Phone,
            address: "+15550100".to_owned(),
            flow: "main".to_owned(),
            settings: json!({}),
        }],
        flows: vec![sb_store::FlowDoc {
            name: "main".to_owned(),
            document: json!({}),
            publish: true,
        }],
        trunks: Vec::new(),
        channels: Vec::new(),
        canned_responses: Vec::new(),
    }
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("dir");
    let store = rt
        .block_on(SqliteStore::open(dir.path().join("bench.db")))
        .expect("open");
    let doc = document();
    let t = rt
        .block_on(store.import_tenant_document(&doc, "bench", Timestamp::EPOCH))
        .expect("import")
        .tenant_id;
    c.bench_function("sqlite append_event (durable)", |b| {
        b.iter(|| {
            let e = NewEvent {
                tenant_id: t,
                at: Timestamp::EPOCH,
                kind: "interaction.queued".to_owned(),
                subject: "x".to_owned(),
                payload: json!({"queue": "sales"}),
            };
            rt.block_on(store.append_event(e)).expect("append")
        });
    });
    let events = |n: usize| {
        (0..n).map(|i| NewEvent {
            tenant_id: t,
            at: Timestamp::EPOCH,
            kind: "call.offered".to_owned(),
            subject: format!("call-{i}"),
            payload: json!({"agent": "1001"}),
        })
    };
    c.bench_function("sqlite 64 append_event one after another", |b| {
        b.iter(|| {
            for e in events(64) {
                rt.block_on(store.append_event(e)).expect("append");
            }
        });
    });
    c.bench_function("sqlite 64 append_event at once (group commit)", |b| {
        b.iter(|| {
            let all = futures::future::join_all(events(64).map(|e| store.append_event(e)));
            for r in rt.block_on(all) {
                r.expect("append");
            }
        });
    });
    c.bench_function("sqlite get_user_by_username", |b| {
        b.iter(|| {
            rt.block_on(store.get_user_by_username(t, "1100"))
                .expect("user")
        });
    });
    c.bench_function("sqlite find_point_of_contact_by_address", |b| {
        b.iter(|| {
            rt.block_on(store.find_point_of_contact_by_address(ContactKind::Phone, "+15550100"))
                .expect("poc")
        });
    });
    c.bench_function("sqlite import 200 users unchanged", |b| {
        b.iter(|| {
            rt.block_on(store.import_tenant_document(&doc, "bench", Timestamp::EPOCH))
                .expect("import")
        });
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
