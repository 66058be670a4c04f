use crate::fixtures::{T0, assert_conflict, assert_invalid, at, tenant, user};
use sb_store::{
    ChannelDoc, ContactKind, Counts, ExportOptions, FlowDoc, FlowVersionState, PointOfContactDoc,
    PointOfContactSpec, QueueDoc, Store, TeamDoc, TenantDocument, TenantSection, TrunkDoc, UserDoc,
    UserSkillDoc,
};
use sb_types::{Channel, Role};
use serde_json::json;

/// A change that breaks a sample document.
type Breaker = Box<dyn Fn(&mut TenantDocument)>;

fn counts(created: u32, updated: u32, unchanged: u32) -> Counts {
    Counts {
        created,
        updated,
        unchanged,
    }
}

fn agent(username: &str, skills: &[(&str, u8)]) -> UserDoc {
    UserDoc {
        username: username.to_owned(),
        display_name: format!("Agent {username}"),
        role: Role::Agent,
        skills: skills
            .iter()
            .map(|(s, p)| UserSkillDoc {
                skill: (*s).to_owned(),
                proficiency: *p,
            })
            .collect(),
        password_hash: None,
        disabled: false,
    }
}

/// A document with something in every section.
pub(crate) fn sample(name: &str) -> TenantDocument {
    TenantDocument {
        version: 1,
        tenant: TenantSection {
            name: name.to_owned(),
            display_name: "Acme Corp".to_owned(),
            cluster: "C14".to_owned(),
            ip_allowlist: vec!["203.0.113.0/24".parse().expect("net")],
            settings: Some(json!({"reason_codes": ["lunch", "training"]})),
        },
        skills: vec!["english".to_owned(), "french".to_owned()],
        teams: vec![TeamDoc {
            name: "blue".to_owned(),
            members: vec!["1001".to_owned(), "1002".to_owned()],
        }],
        users: vec![
            UserDoc {
                password_hash: Some("$argon2id$admin".to_owned()),
                role: Role::Admin,
                ..agent("admin", &[])
            },
            agent("1001", &[("english", 8), ("french", 3)]),
            agent("1002", &[("english", 5)]),
        ],
        queues: vec![QueueDoc {
            name: "sales".to_owned(),
            channel: Channel::Voice,
            settings: json!({"skills": ["english"]}),
        }],
        points_of_contact: vec![PointOfContactDoc {
            kind: ContactKind::Phone,
            address: format!("+1555{}", name.len()),
            flow: "main".to_owned(),
            settings: json!({}),
        }],
        flows: vec![FlowDoc {
            name: "main".to_owned(),
            document: json!({"start": "menu"}),
            publish: true,
        }],
        trunks: vec![TrunkDoc {
            name: "carrier".to_owned(),
            settings: json!({"sources": ["198.51.100.0/24"]}),
        }],
        channels: vec![ChannelDoc {
            kind: Channel::Email,
            name: "support".to_owned(),
            settings: json!({"imap": "imap.example"}),
        }],
        canned_responses: Vec::new(),
    }
}

/// First import creates all; the same document again changes nothing and says so; a change
/// counts as one update.
pub async fn import_is_idempotent_and_counts_changes(s: &dyn Store) {
    let doc = sample("acme");
    let first = s
        .import_tenant_document(&doc, "cli", T0)
        .await
        .expect("first");
    assert!(first.changed());
    assert_eq!(first.total(), counts(12, 0, 0));
    assert_eq!(
        (first.users, first.skills, first.flows),
        (counts(3, 0, 0), counts(2, 0, 0), counts(1, 0, 0))
    );
    let tenant = s.get_tenant_by_name("acme").await.expect("tenant");
    assert_eq!(first.tenant_id, tenant.id);
    let before = s
        .export_tenant_document(
            tenant.id,
            ExportOptions {
                include_password_hashes: true,
            },
        )
        .await
        .expect("export");
    let second = s
        .import_tenant_document(&doc, "cli", at(1))
        .await
        .expect("second");
    assert!(!second.changed(), "{second:?}");
    assert_eq!(second.total(), counts(0, 0, 12));
    let after = s
        .export_tenant_document(
            tenant.id,
            ExportOptions {
                include_password_hashes: true,
            },
        )
        .await
        .expect("export");
    assert_eq!(before, after);
    assert_eq!(
        s.list_flow_versions(
            tenant.id,
            s.get_flow_by_name(tenant.id, "main")
                .await
                .expect("flow")
                .id
        )
        .await
        .expect("versions")
        .len(),
        1
    );

    let mut changed = doc.clone();
    changed.users[1].skills[1].proficiency = 9;
    changed.queues[0].settings = json!({"skills": ["french"]});
    let third = s
        .import_tenant_document(&changed, "cli", at(2))
        .await
        .expect("third");
    assert_eq!(
        (third.users, third.queues),
        (counts(0, 1, 2), counts(0, 1, 0))
    );
    assert_eq!(third.total(), counts(0, 2, 10));
    let audit = s.list_audit(tenant.id, 10, None).await.expect("audit");
    assert_eq!(audit.len(), 3);
    assert!(
        audit
            .iter()
            .all(|e| e.action == "tenant.import" && e.actor == "cli" && e.target == "acme")
    );
}

/// Users absent from the document are left alone, and a hash the document lacks is kept.
pub async fn import_keeps_absent_password_and_other_users(s: &dyn Store) {
    let doc = sample("acme");
    let summary = s
        .import_tenant_document(&doc, "cli", T0)
        .await
        .expect("import");
    let t = summary.tenant_id;
    let extra = user(s, t, "9999").await;
    let agent = s.get_user_by_username(t, "1001").await.expect("agent");
    s.set_password_hash(t, agent.id, Some("$argon2id$set-later".to_owned()), at(1))
        .await
        .expect("hash");
    let mut doc2 = doc.clone();
    doc2.users[0].password_hash = None;
    doc2.users[1].display_name = "Renamed".to_owned();
    let again = s
        .import_tenant_document(&doc2, "cli", at(2))
        .await
        .expect("again");
    assert_eq!(again.users, counts(0, 1, 2));
    let agent = s.get_user_by_username(t, "1001").await.expect("agent");
    assert_eq!(agent.password_hash.as_deref(), Some("$argon2id$set-later"));
    assert_eq!(
        (agent.display_name.as_str(), agent.updated_at),
        ("Renamed", at(2))
    );
    let admin = s.get_user_by_username(t, "admin").await.expect("admin");
    assert_eq!(admin.password_hash.as_deref(), Some("$argon2id$admin"));
    assert_eq!(
        s.get_user(t, extra.id).await.expect("extra untouched"),
        extra
    );
    let exported = s
        .export_tenant_document(t, ExportOptions::default())
        .await
        .expect("export");
    assert!(
        exported.users.iter().all(|u| u.password_hash.is_none()),
        "no hashes by default"
    );
}

/// Every bad reference is reported with its field path, and nothing at all is written.
pub async fn import_rejects_bad_references_with_field_path(s: &dyn Store) {
    let cases: Vec<(Breaker, &str)> = vec![
        (
            Box::new(|d| d.users[2].skills[0].skill = "klingon".to_owned()),
            "users[2].skills[0].skill",
        ),
        (
            Box::new(|d| d.users[1].skills[1].proficiency = 11),
            "users[1].skills[1].proficiency",
        ),
        (
            Box::new(|d| d.teams[0].members[1] = "ghost".to_owned()),
            "teams[0].members[1]",
        ),
        (
            Box::new(|d| d.points_of_contact[0].flow = "nowhere".to_owned()),
            "points_of_contact[0].flow",
        ),
        (
            Box::new(|d| d.skills.push("english".to_owned())),
            "skills[2]",
        ),
        (Box::new(|d| d.users.push(agent("1001", &[]))), "users[3]"),
        (
            Box::new(|d| d.users[0].username = "has space".to_owned()),
            "users[0].username",
        ),
        (
            Box::new(|d| d.tenant.name = "Not A Slug".to_owned()),
            "tenant.name",
        ),
        (Box::new(|d| d.version = 2), "version"),
    ];
    for (break_it, field) in cases {
        let mut doc = sample("acme");
        break_it(&mut doc);
        assert_invalid(s.import_tenant_document(&doc, "cli", T0).await, field);
    }
    assert!(
        s.list_tenants().await.expect("list").is_empty(),
        "nothing written"
    );
}

/// A failure found only while writing (the phone number belongs to another tenant) rolls back
/// the whole import: the new tenant does not exist, an existing tenant is unchanged.
pub async fn failing_import_late_writes_nothing(s: &dyn Store) {
    let other = tenant(s, "other").await;
    let mut doc = sample("acme");
    let number = doc.points_of_contact[0].address.clone();
    let spec = PointOfContactSpec {
        kind: ContactKind::Phone,
        address: number,
        flow: "x".to_owned(),
        settings: json!({}),
    };
    s.create_point_of_contact(other.id, spec)
        .await
        .expect("taken number");
    assert_conflict(s.import_tenant_document(&doc, "cli", T0).await);
    assert_eq!(
        s.list_tenants().await.expect("list"),
        std::slice::from_ref(&other)
    );
    assert!(
        s.find_point_of_contact_by_address(ContactKind::Phone, "nope")
            .await
            .is_err()
    );

    doc.points_of_contact.clear();
    let created = s
        .import_tenant_document(&doc, "cli", T0)
        .await
        .expect("import");
    let before = s
        .export_tenant_document(
            created.tenant_id,
            ExportOptions {
                include_password_hashes: true,
            },
        )
        .await
        .expect("export");
    let mut bad = sample("acme");
    bad.users.push(agent("1003", &[("english", 2)]));
    bad.skills.push("german".to_owned());
    bad.tenant.display_name = "Changed".to_owned();
    assert_conflict(s.import_tenant_document(&bad, "cli", at(1)).await);
    let after = s
        .export_tenant_document(
            created.tenant_id,
            ExportOptions {
                include_password_hashes: true,
            },
        )
        .await
        .expect("export");
    assert_eq!(before, after, "the failed import left no trace");
    assert_eq!(
        s.list_audit(created.tenant_id, 10, None)
            .await
            .expect("audit")
            .len(),
        1
    );
}

/// A changed flow document becomes a new version (published if asked); an unpublished draft is
/// overwritten, not stacked.
pub async fn import_updates_flows_as_new_versions(s: &dyn Store) {
    let mut doc = sample("acme");
    let t = s
        .import_tenant_document(&doc, "cli", T0)
        .await
        .expect("import")
        .tenant_id;
    let flow = s.get_flow_by_name(t, "main").await.expect("flow");
    assert_eq!(flow.published_version, Some(1));
    doc.flows[0].document = json!({"start": "queue"});
    doc.flows[0].publish = false;
    let r = s
        .import_tenant_document(&doc, "cli", at(1))
        .await
        .expect("draft");
    assert_eq!(r.flows, counts(0, 1, 0));
    doc.flows[0].document = json!({"start": "voicemail"});
    s.import_tenant_document(&doc, "cli", at(2))
        .await
        .expect("draft again");
    let versions = s.list_flow_versions(t, flow.id).await.expect("versions");
    assert_eq!(versions.len(), 2, "the draft was overwritten");
    assert_eq!(
        (versions[1].state, &versions[1].document),
        (FlowVersionState::Draft, &json!({"start": "voicemail"}))
    );
    assert_eq!(
        s.get_published_flow(t, flow.id)
            .await
            .expect("published")
            .version,
        1
    );
    doc.flows[0].publish = true;
    let r = s
        .import_tenant_document(&doc, "cli", at(3))
        .await
        .expect("publish");
    assert_eq!(r.flows, counts(0, 1, 0));
    let published = s.get_published_flow(t, flow.id).await.expect("published");
    assert_eq!(
        (published.version, published.published_at),
        (2, Some(at(3)))
    );
    let r = s
        .import_tenant_document(&doc, "cli", at(4))
        .await
        .expect("same");
    assert_eq!(r.flows, counts(0, 0, 1));
}

/// Export, then import under another name: the copy exports to the same document.
pub async fn export_then_import_round_trips(s: &dyn Store) {
    let mut doc = sample("acme");
    doc.users[2].disabled = true;
    let t = s
        .import_tenant_document(&doc, "cli", T0)
        .await
        .expect("import")
        .tenant_id;
    let all = ExportOptions {
        include_password_hashes: true,
    };
    let exported = s.export_tenant_document(t, all).await.expect("export");
    assert_eq!(exported.users.len(), 3);
    assert_eq!(
        exported
            .users
            .iter()
            .find(|u| u.username == "admin")
            .and_then(|u| u.password_hash.clone())
            .as_deref(),
        Some("$argon2id$admin")
    );
    let json = serde_json::to_value(&exported).expect("serialise");
    let parsed: TenantDocument = serde_json::from_value(json).expect("parse");
    assert_eq!(parsed, exported);
    let same = s
        .import_tenant_document(&parsed, "cli", at(1))
        .await
        .expect("reimport");
    assert!(!same.changed(), "{same:?}");

    let mut copy = exported.clone();
    copy.tenant.name = "acme-copy".to_owned();
    copy.points_of_contact[0].address = "+15559999".to_owned();
    let c = s
        .import_tenant_document(&copy, "cli", at(2))
        .await
        .expect("copy")
        .tenant_id;
    let mut back = s.export_tenant_document(c, all).await.expect("export copy");
    back.tenant.name = "acme".to_owned();
    back.points_of_contact[0].address = exported.points_of_contact[0].address.clone();
    assert_eq!(back, exported);
}

/// Two imports of one document racing: they run one after the other, so the tenant and its
/// objects are created once and the second import finds nothing to change.
pub async fn concurrent_imports_of_one_document_create_it_once(s: &dyn Store) {
    let doc = sample("acme");
    let (one, two) = futures::join!(
        s.import_tenant_document(&doc, "node-1", T0),
        s.import_tenant_document(&doc, "node-2", T0)
    );
    let (one, two) = (one.expect("first"), two.expect("second"));
    assert_eq!(one.tenant_id, two.tenant_id);
    let mut totals = [one.total(), two.total()];
    totals.sort_by_key(|c| c.created);
    assert_eq!(totals, [counts(0, 0, 12), counts(12, 0, 0)]);
    assert_eq!(s.list_users(one.tenant_id).await.expect("users").len(), 3);
}
