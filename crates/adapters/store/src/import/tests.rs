//! The planner checked against a reference: ops applied to an in-memory snapshot, then planned
//! again, must change nothing; and hand-written cases for the counts and errors.

use super::*;
use crate::document::{
    CannedResponseDoc, ChannelDoc, FlowDoc, PointOfContactDoc, QueueDoc, TeamDoc, TenantSection,
    UserDoc, UserSkillDoc,
};
use crate::{ContactKind, ExportOptions, FlowVersionState};
use proptest::prelude::*;
use sb_types::{Channel, Role};
use serde_json::json;

/// Applies ops to a snapshot the way a backend applies them to tables.
fn apply(snap: &mut Option<TenantSnapshot>, op: ImportOp) {
    if let ImportOp::InsertTenant(t) = op {
        *snap = Some(TenantSnapshot::empty(t));
        return;
    }
    let s = snap.as_mut().expect("tenant exists");
    match op {
        ImportOp::InsertTenant(_) => unreachable!(),
        ImportOp::UpdateTenant(t) => s.tenant = t,
        ImportOp::SetTenantSettings { settings, .. } => s.settings = settings,
        ImportOp::InsertSkill(k) => s.skills.push(k),
        ImportOp::InsertUser(u) => s.users.push(u),
        ImportOp::UpdateUser(u) => replace(&mut s.users, |x| x.id, u),
        ImportOp::SetUserSkills { user, skills } => {
            s.user_skills.retain(|(u, _)| *u != user);
            s.user_skills.extend(skills.into_iter().map(|k| (user, k)));
        }
        ImportOp::InsertTeam(t) => s.teams.push(t),
        ImportOp::UpdateTeam(t) => replace(&mut s.teams, |x| x.id, t),
        ImportOp::InsertFlow(f) => s.flows.push((f, None)),
        ImportOp::PutFlowVersion(v) => put_version(s, v),
        ImportOp::SetPublished { flow, version } => {
            let entry = s
                .flows
                .iter_mut()
                .find(|(f, _)| f.id == flow)
                .expect("flow");
            entry.0.published_version = Some(version);
        }
        ImportOp::InsertQueue(q) => s.queues.push(q),
        ImportOp::UpdateQueue(q) => replace(&mut s.queues, |x| x.id, q),
        ImportOp::InsertPointOfContact(p) => s.points_of_contact.push(p),
        ImportOp::UpdatePointOfContact(p) => {
            replace(&mut s.points_of_contact, |x| x.id, p);
        }
        ImportOp::InsertTrunk(t) => s.trunks.push(t),
        ImportOp::UpdateTrunk(t) => replace(&mut s.trunks, |x| x.id, t),
        ImportOp::InsertChannel(c) => s.channels.push(c),
        ImportOp::UpdateChannel(c) => replace(&mut s.channels, |x| x.id, c),
        ImportOp::PutCannedResponse(r) => {
            match s.canned_responses.iter_mut().find(|x| x.name == r.name) {
                Some(old) => {
                    assert_eq!(old.id, r.id, "a replaced response keeps its id");
                    *old = r;
                }
                None => s.canned_responses.push(r),
            }
        }
    }
}

fn replace<T, K: PartialEq>(items: &mut [T], key: impl Fn(&T) -> K, new: T) {
    let slot = items
        .iter_mut()
        .find(|x| key(x) == key(&new))
        .expect("updated row exists");
    *slot = new;
}

/// The snapshot keeps each flow's latest version only.
fn put_version(s: &mut TenantSnapshot, v: FlowVersion) {
    let entry = s
        .flows
        .iter_mut()
        .find(|(f, _)| f.id == v.flow_id)
        .expect("flow");
    let newer = entry.1.as_ref().is_none_or(|old| old.version <= v.version);
    if newer {
        entry.1 = Some(v);
    }
}

fn counter() -> impl FnMut() -> uuid::Uuid + Send {
    let mut n = 0u128;
    move || {
        n += 1;
        uuid::Uuid::from_u128(n)
    }
}

fn import(
    snap: &mut Option<TenantSnapshot>,
    doc: &TenantDocument,
    now: i64,
    ids: &mut (dyn FnMut() -> uuid::Uuid + Send),
) -> Result<ImportSummary, StoreError> {
    let plan = plan_import(doc, snap.as_ref(), "test", Timestamp::from_millis(now), ids)?;
    for op in plan.ops {
        apply(snap, op);
    }
    Ok(plan.summary)
}

fn name_pool() -> impl Strategy<Value = Vec<String>> {
    proptest::sample::subsequence(vec!["a", "b", "c", "d"], 0..=4)
        .prop_map(|v| v.into_iter().map(str::to_owned).collect())
}

/// Valid documents: every reference points at something in the document.
fn document() -> impl Strategy<Value = TenantDocument> {
    (name_pool(), name_pool(), name_pool(), any::<u64>())
        .prop_map(|(skills, users, flows, bits)| build(skills, users, flows, bits))
}

fn build(skills: Vec<String>, users: Vec<String>, flows: Vec<String>, bits: u64) -> TenantDocument {
    let bit = |i: usize| bits >> (i % 64) & 1 == 1;
    let user_docs = users
        .iter()
        .enumerate()
        .map(|(i, u)| UserDoc {
            username: format!("u{u}"),
            display_name: if bit(i) {
                "x".to_owned()
            } else {
                String::new()
            },
            role: if bit(i + 7) { Role::Admin } else { Role::Agent },
            skills: skills
                .iter()
                .enumerate()
                .filter(|(j, _)| bit(i * 4 + j + 10))
                .map(|(j, s)| UserSkillDoc {
                    skill: s.clone(),
                    proficiency: (j as u8) + 1,
                })
                .collect(),
            password_hash: bit(i + 30).then(|| format!("hash{i}")),
            disabled: bit(i + 40),
        })
        .collect();
    TenantDocument {
        version: 1,
        tenant: TenantSection {
            name: "acme".to_owned(),
            display_name: String::new(),
            cluster: if bit(50) { "C1" } else { "C2" }.to_owned(),
            ip_allowlist: Vec::new(),
            settings: match bits >> 61 {
                0 => None,
                1 => Some(json!({})),
                n => Some(json!({"reason_codes": [format!("r{n}")]})),
            },
        },
        skills: skills.clone(),
        teams: vec![TeamDoc {
            name: "t".to_owned(),
            members: users
                .iter()
                .filter(|_| bit(51))
                .map(|u| format!("u{u}"))
                .collect(),
        }],
        users: user_docs,
        queues: skills
            .iter()
            .map(|s| QueueDoc {
                name: format!("q{s}"),
                channel: Channel::Voice,
                settings: json!({"s": s}),
            })
            .collect(),
        points_of_contact: flows
            .iter()
            .map(|f| PointOfContactDoc {
                kind: ContactKind::Phone,
                address: format!("+1{}", f.len() + f.as_bytes()[0] as usize),
                flow: f.clone(),
                settings: json!({}),
            })
            .collect(),
        flows: flows
            .iter()
            .enumerate()
            .map(|(i, f)| FlowDoc {
                name: f.clone(),
                document: json!({"v": bit(i + 52)}),
                publish: bit(i + 56),
            })
            .collect(),
        trunks: Vec::new(),
        channels: vec![ChannelDoc {
            kind: Channel::Email,
            name: "m".to_owned(),
            settings: json!({"b": bit(60)}),
        }],
        canned_responses: users
            .iter()
            .enumerate()
            .map(|(i, u)| CannedResponseDoc {
                name: format!("r-{u}"),
                subject: bit(i + 20).then(|| format!("About {u}")),
                body: format!("Hello {{{{ customer_name }}}}, {}", bit(i + 25)),
            })
            .collect(),
    }
}

proptest! {
    /// Whatever was there before, importing a document and then importing it again changes
    /// nothing the second time, and the export of the result imports as unchanged too.
    #[test]
    fn importing_twice_changes_nothing_the_second_time(first in document(), second in document()) {
        let mut ids = counter();
        let mut snap = None;
        import(&mut snap, &first, 1, &mut ids).expect("first");
        let again = import(&mut snap, &second, 2, &mut ids).expect("second");
        prop_assert_eq!(again.tenant_id, snap.as_ref().expect("tenant").tenant.id);
        let before = snap.clone();
        let third = import(&mut snap, &second, 3, &mut ids).expect("third");
        prop_assert!(!third.changed(), "{:?}", third);
        prop_assert_eq!(&before, &snap);
        let exported = snap.as_ref().expect("tenant").to_document(ExportOptions { include_password_hashes: true });
        let fourth = import(&mut snap, &exported, 4, &mut ids).expect("export imports");
        prop_assert!(!fourth.changed(), "{:?}", fourth);
    }
}

#[test]
fn first_import_creates_everything_and_reports_counts() {
    let doc = build(
        vec!["a".into(), "b".into()],
        vec!["1".into()],
        vec!["main".into()],
        u64::MAX,
    );
    let mut snap = None;
    let s = import(&mut snap, &doc, 1, &mut counter()).expect("import");
    assert_eq!(s.canned_responses.created, 1);
    assert_eq!(
        s.total(),
        Counts {
            created: 11,
            updated: 0,
            unchanged: 0
        }
    );
    let snap = snap.expect("tenant");
    assert_eq!(snap.skills_of(snap.users[0].id).len(), 2);
    let (flow, latest) = &snap.flows[0];
    assert_eq!(flow.published_version, Some(1));
    assert_eq!(
        latest.as_ref().map(|v| v.state),
        Some(FlowVersionState::Published)
    );
}

#[test]
fn errors_name_the_field_path_and_plan_nothing() {
    let mut doc = build(
        vec!["a".into()],
        vec!["1".into(), "2".into()],
        Vec::new(),
        0,
    );
    doc.users[1].skills.push(UserSkillDoc {
        skill: "zz".to_owned(),
        proficiency: 3,
    });
    let err = plan_import(&doc, None, "t", Timestamp::EPOCH, &mut counter()).expect_err("bad");
    assert_eq!(
        err,
        StoreError::invalid("users[1].skills[0].skill", "no skill \"zz\"")
    );
}

#[test]
fn missing_password_hash_keeps_the_stored_one() {
    let mut doc = build(Vec::new(), vec!["1".into()], Vec::new(), 0);
    doc.users[0].password_hash = Some("old".to_owned());
    let mut snap = None;
    let mut ids = counter();
    import(&mut snap, &doc, 1, &mut ids).expect("first");
    doc.users[0].password_hash = None;
    let s = import(&mut snap, &doc, 2, &mut ids).expect("second");
    assert!(!s.changed());
    let user = &snap.expect("tenant").users[0];
    assert_eq!(user.password_hash.as_deref(), Some("old"));
}

#[test]
fn unknown_document_version_is_refused() {
    let mut doc = build(Vec::new(), Vec::new(), Vec::new(), 0);
    doc.version = 2;
    let err = plan_import(&doc, None, "t", Timestamp::EPOCH, &mut counter()).expect_err("v2");
    assert!(matches!(err, StoreError::Invalid { ref field, .. } if field == "version"));
}

#[test]
fn settings_are_replaced_kept_when_absent_and_cleared_by_an_empty_object() {
    let mut doc = build(Vec::new(), Vec::new(), Vec::new(), 0);
    doc.tenant.settings = Some(json!({"reason_codes": ["lunch"]}));
    let (mut snap, mut ids) = (None, counter());
    let first = import(&mut snap, &doc, 1, &mut ids).expect("first");
    assert_eq!(first.tenant.created, 1);
    let stored = |snap: &Option<TenantSnapshot>| snap.as_ref().expect("tenant").settings.clone();
    assert_eq!(stored(&snap), json!({"reason_codes": ["lunch"]}));
    doc.tenant.settings = None;
    assert!(
        !import(&mut snap, &doc, 2, &mut ids)
            .expect("absent")
            .changed()
    );
    assert_eq!(stored(&snap), json!({"reason_codes": ["lunch"]}), "kept");
    doc.tenant.settings = Some(json!({"other": 1}));
    let replaced = import(&mut snap, &doc, 3, &mut ids).expect("replace");
    assert_eq!(
        replaced.tenant.updated, 1,
        "a settings change updates the tenant"
    );
    assert_eq!(stored(&snap), json!({"other": 1}));
    doc.tenant.settings = Some(json!({}));
    assert!(
        import(&mut snap, &doc, 4, &mut ids)
            .expect("clear")
            .changed()
    );
    assert_eq!(stored(&snap), json!({}));
    let exported = snap
        .as_ref()
        .expect("tenant")
        .to_document(ExportOptions::default());
    assert_eq!(
        exported.tenant.settings, None,
        "no settings, nothing exported"
    );
}

#[test]
fn bad_settings_are_refused_on_the_tenant_section_and_plan_nothing() {
    let mut doc = build(Vec::new(), Vec::new(), Vec::new(), 0);
    for bad in [json!(["lunch"]), json!({"big": "x".repeat(64 * 1024)})] {
        doc.tenant.settings = Some(bad);
        let err = plan_import(&doc, None, "t", Timestamp::EPOCH, &mut counter()).expect_err("bad");
        assert!(matches!(err, StoreError::Invalid { ref field, .. } if field == "tenant.settings"));
    }
}

#[test]
fn canned_responses_are_put_by_name_keeping_their_id_and_stamped_when_changed() {
    let mut doc = build(Vec::new(), vec!["1".into(), "2".into()], Vec::new(), 0);
    let (mut snap, mut ids) = (None, counter());
    let first = import(&mut snap, &doc, 1, &mut ids).expect("first");
    assert_eq!(first.canned_responses.created, 2);
    let stored =
        |snap: &Option<TenantSnapshot>| snap.as_ref().expect("tenant").canned_responses.clone();
    let before = stored(&snap);
    assert!(
        before
            .iter()
            .all(|r| r.updated_at == Timestamp::from_millis(1))
    );
    doc.canned_responses[1].subject = Some("Changed".to_owned());
    doc.canned_responses.remove(0);
    let second = import(&mut snap, &doc, 2, &mut ids).expect("second");
    assert_eq!(
        second.canned_responses,
        Counts {
            created: 0,
            updated: 1,
            unchanged: 0
        }
    );
    let after = stored(&snap);
    assert_eq!(after[0], before[0], "absent from the document: left alone");
    assert_eq!(
        (after[1].id, after[1].updated_at),
        (before[1].id, Timestamp::from_millis(2))
    );
    assert_eq!(after[1].subject.as_deref(), Some("Changed"));
}

#[test]
fn bad_or_repeated_canned_responses_are_refused_with_their_path() {
    let mut doc = build(Vec::new(), vec!["1".into(), "2".into()], Vec::new(), 0);
    doc.canned_responses[1].name = "Not A Slug".to_owned();
    let err = plan_import(&doc, None, "t", Timestamp::EPOCH, &mut counter()).expect_err("bad");
    assert!(
        matches!(err, StoreError::Invalid { ref field, .. } if field == "canned_responses[1].name")
    );
    doc.canned_responses[1].name = doc.canned_responses[0].name.clone();
    let err = plan_import(&doc, None, "t", Timestamp::EPOCH, &mut counter()).expect_err("twice");
    assert!(matches!(err, StoreError::Invalid { ref field, .. } if field == "canned_responses[1]"));
    doc.canned_responses.truncate(1);
    doc.canned_responses[0].body = "x".repeat(validate::MAX_CANNED_BODY_BYTES + 1);
    let err = plan_import(&doc, None, "t", Timestamp::EPOCH, &mut counter()).expect_err("long");
    assert!(
        matches!(err, StoreError::Invalid { ref field, .. } if field == "canned_responses[0].body")
    );
}
