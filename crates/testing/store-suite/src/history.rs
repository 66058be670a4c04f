use crate::fixtures::{assert_invalid, assert_not_found, at, tenant, user};
use sb_store::{InteractionRecord, Store};
use sb_types::{Channel, TenantId, Timestamp, UserId};
use std::collections::BTreeMap;

const ALICE: &str = "+442079460123";
const BOB: &str = "+15550100";

/// An ended inbound call with `contact`, started `start` seconds after T0, no wrap-up.
fn call(tenant: TenantId, id: &str, contact: &str, start: i64) -> InteractionRecord {
    InteractionRecord {
        tenant_id: tenant,
        id: id.to_owned(),
        channel: Channel::Voice,
        direction: "inbound".to_owned(),
        contact: contact.to_owned(),
        started_at: at(start),
        ended_at: Some(at(start + 60)),
        queue: Some("Sales EN".to_owned()),
        agent: None,
        outcome: Some("caller_hangup".to_owned()),
        disposition: None,
        notes: None,
    }
}

/// The ids of the contact's history, in order.
async fn ids(s: &dyn Store, t: TenantId, contact: &str, limit: u32) -> Vec<String> {
    let got = s.contact_history(t, contact, limit).await.expect("history");
    got.into_iter().map(|r| r.id).collect()
}

/// Newest first by start time, ties broken by id (descending); other contacts' calls are not
/// listed; every field reads back as written; `limit` cuts the oldest.
pub async fn history_lists_a_contacts_interactions_newest_first(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let agent = user(s, a.id, "1001").await;
    let mut full = call(a.id, "call-2", ALICE, 200);
    full.channel = Channel::Chat;
    full.direction = "outbound".to_owned();
    full.agent = Some(agent.id);
    full.disposition = Some("sale".to_owned());
    full.notes = Some("Wants the blue one.\nCall back Friday.".to_owned());
    for r in [
        call(a.id, "call-1", ALICE, 100),
        full.clone(),
        call(a.id, "call-3", BOB, 300),
        call(a.id, "call-4", ALICE, 200),
        call(a.id, "call-0", ALICE, 50),
    ] {
        s.record_interaction(r).await.expect("record");
    }
    let history = s.contact_history(a.id, ALICE, 10).await.expect("history");
    let order: Vec<&str> = history.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(order, ["call-4", "call-2", "call-1", "call-0"]);
    assert_eq!(history[1], full);
    assert_eq!(history[2], call(a.id, "call-1", ALICE, 100));
    assert_eq!(ids(s, a.id, ALICE, 2).await, ["call-4", "call-2"]);
    assert_eq!(ids(s, a.id, BOB, 10).await, ["call-3"]);
    assert!(ids(s, a.id, "+33140000000", 10).await.is_empty());
}

/// The agent wraps up before the call task writes the call: the wrap-up belongs to no contact
/// until the call side arrives, then shows with it (the call's start, not the wrap-up time).
pub async fn a_wrap_up_before_the_call_is_recorded_is_kept_when_the_call_side_arrives(
    s: &dyn Store,
) {
    let a = tenant(s, "acme").await;
    s.set_interaction_wrap_up(a.id, "call-1", Some("sale"), Some("Paid by card"), at(500))
        .await
        .expect("wrap up first");
    assert!(ids(s, a.id, ALICE, 10).await.is_empty());
    assert!(
        ids(s, a.id, "", 10).await.is_empty(),
        "stubs have no contact"
    );
    s.record_interaction(call(a.id, "call-1", ALICE, 100))
        .await
        .expect("call side");
    let mut want = call(a.id, "call-1", ALICE, 100);
    want.disposition = Some("sale".to_owned());
    want.notes = Some("Paid by card".to_owned());
    assert_eq!(
        s.contact_history(a.id, ALICE, 10).await.expect("history"),
        [want]
    );
    assert!(ids(s, a.id, "", 10).await.is_empty());
}

/// The call side written again (a transfer, the hang-up) replaces the call side only, even when
/// the new record carries a disposition of its own; a later wrap-up replaces (or clears) the
/// wrap-up only.
pub async fn recording_the_call_again_keeps_the_wrap_up(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let agent = user(s, a.id, "1001").await;
    let mut ringing = call(a.id, "call-1", ALICE, 100);
    (ringing.ended_at, ringing.outcome) = (None, None);
    s.record_interaction(ringing).await.expect("started");
    s.set_interaction_wrap_up(a.id, "call-1", Some("complaint"), Some("Angry"), at(150))
        .await
        .expect("wrap up");
    let mut ended = call(a.id, "call-1", ALICE, 100);
    ended.agent = Some(agent.id);
    ended.outcome = Some("agent_hangup".to_owned());
    ended.disposition = Some("ignored".to_owned());
    s.record_interaction(ended.clone()).await.expect("ended");
    let mut want = ended.clone();
    want.disposition = Some("complaint".to_owned());
    want.notes = Some("Angry".to_owned());
    assert_eq!(
        s.contact_history(a.id, ALICE, 10).await.expect("history"),
        [want]
    );
    s.set_interaction_wrap_up(a.id, "call-1", None, None, at(900))
        .await
        .expect("clear wrap-up");
    let mut cleared = ended;
    cleared.disposition = None;
    assert_eq!(
        s.contact_history(a.id, ALICE, 10).await.expect("history"),
        [cleared]
    );
}

/// The same interaction id and contact in two tenants are two rows; each tenant sees and wraps
/// up only its own; an unknown tenant is `NotFound`.
pub async fn history_is_per_tenant(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let b = tenant(s, "beta").await;
    s.record_interaction(call(a.id, "call-1", ALICE, 100))
        .await
        .expect("a");
    s.record_interaction(call(b.id, "call-1", ALICE, 200))
        .await
        .expect("b");
    s.set_interaction_wrap_up(b.id, "call-1", Some("sale"), None, at(300))
        .await
        .expect("b wraps up");
    let theirs = s.contact_history(b.id, ALICE, 10).await.expect("b");
    assert_eq!(theirs.len(), 1);
    assert_eq!((theirs[0].tenant_id, theirs[0].started_at), (b.id, at(200)));
    assert_eq!(theirs[0].disposition.as_deref(), Some("sale"));
    assert_eq!(
        s.contact_history(a.id, ALICE, 10).await.expect("a"),
        [call(a.id, "call-1", ALICE, 100)]
    );
    let ghost = TenantId::from_u128(9);
    assert_not_found(s.record_interaction(call(ghost, "call-1", ALICE, 1)).await);
    assert_not_found(
        s.set_interaction_wrap_up(ghost, "call-1", None, None, at(1))
            .await,
    );
    assert!(ids(s, ghost, ALICE, 10).await.is_empty());
}

/// `limit` is clamped to 1..=200; ids, contacts, dispositions and notes over their bounds (in
/// characters, not bytes) are `Invalid` on the field and write nothing.
pub async fn limits_are_clamped_and_long_notes_refused(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    for i in 0..205 {
        let id = format!("call-{i:03}");
        s.record_interaction(call(a.id, &id, ALICE, i))
            .await
            .expect("record");
    }
    assert_eq!(ids(s, a.id, ALICE, 0).await, ["call-204"]);
    let most = ids(s, a.id, ALICE, 1000).await;
    assert_eq!((most.len(), most[199].as_str()), (200, "call-005"));
    assert_eq!(ids(s, a.id, ALICE, u32::MAX).await.len(), 200);

    let aid = a.id;
    let wrap = |id: String, d: Option<String>, n: Option<String>| async move {
        s.set_interaction_wrap_up(aid, &id, d.as_deref(), n.as_deref(), at(1))
            .await
    };
    wrap("call-204".into(), text(64, "é"), text(4000, "é"))
        .await
        .expect("at the bounds");
    assert_invalid(
        wrap("call-204".into(), None, text(4001, "n")).await,
        "notes",
    );
    assert_invalid(
        wrap("call-204".into(), None, text(1, "\u{0}")).await,
        "notes",
    );
    assert_invalid(
        wrap("call-204".into(), text(65, "d"), None).await,
        "disposition",
    );
    assert_invalid(wrap("c".repeat(201), None, None).await, "id");
    assert_invalid(wrap(String::new(), None, None).await, "id");
    let newest = &s.contact_history(aid, ALICE, 1).await.expect("history")[0];
    assert_eq!(newest.notes.as_ref().map(|n| n.chars().count()), Some(4000));
    assert_eq!(newest.disposition, text(64, "é"));

    let bad = |f: fn(&mut InteractionRecord)| {
        let mut r = call(aid, "call-new", BOB, 1);
        f(&mut r);
        s.record_interaction(r)
    };
    assert_invalid(bad(|r| r.contact = "1".repeat(321)).await, "contact");
    assert_invalid(bad(|r| r.contact.clear()).await, "contact");
    assert_invalid(bad(|r| r.id = "c".repeat(201)).await, "id");
    assert_invalid(bad(|r| r.direction = "sideways".into()).await, "direction");
    assert_invalid(bad(|r| r.notes = text(4001, "n")).await, "notes");
    assert_invalid(bad(|r| r.disposition = text(65, "d")).await, "disposition");
    assert_invalid(bad(|r| r.outcome = text(65, "o")).await, "outcome");
    assert!(ids(s, a.id, BOB, 10).await.is_empty(), "nothing written");
    bad(|r| r.contact = "é".repeat(320))
        .await
        .expect("320 chars");
}

/// `n` times `c`.
fn text(n: usize, c: &str) -> Option<String> {
    Some(c.repeat(n))
}

/// The reference: rows by (tenant, id), with the same upsert rules.
#[derive(Default)]
struct Model {
    rows: BTreeMap<(TenantId, String), InteractionRecord>,
}

impl Model {
    fn record(&mut self, r: InteractionRecord) {
        let k = (r.tenant_id, r.id.clone());
        let kept = self
            .rows
            .get(&k)
            .map(|o| (o.disposition.clone(), o.notes.clone()));
        let mut r = r;
        if let Some((d, n)) = kept {
            (r.disposition, r.notes) = (d, n);
        }
        self.rows.insert(k, r);
    }

    fn wrap_up(
        &mut self,
        t: TenantId,
        id: &str,
        d: Option<String>,
        n: Option<String>,
        now: Timestamp,
    ) {
        let stub = InteractionRecord {
            direction: String::new(),
            contact: String::new(),
            started_at: now,
            ended_at: None,
            queue: None,
            outcome: None,
            ..call(t, id, "", 0)
        };
        let row = self.rows.entry((t, id.to_owned())).or_insert(stub);
        (row.disposition, row.notes) = (d, n);
    }

    fn history(&self, t: TenantId, contact: &str, limit: usize) -> Vec<InteractionRecord> {
        let mut out: Vec<InteractionRecord> = self
            .rows
            .values()
            .filter(|r| r.tenant_id == t && r.contact == contact && !contact.is_empty())
            .cloned()
            .collect();
        out.sort_by(|x, y| (y.started_at, &y.id).cmp(&(x.started_at, &x.id)));
        out.truncate(limit.clamp(1, 200));
        out
    }
}

/// A xorshift generator: deterministic, so a failure replays.
struct XorShift(u64);

impl XorShift {
    /// A number in `0..n`.
    fn below(&mut self, n: u32) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % u64::from(n)) as u32
    }
}

/// A deterministic pseudo-random walk of call records and wrap-ups over a few ids, contacts and
/// two tenants, in any order, compared with the model after every step.
pub async fn history_follows_reference_model(s: &dyn Store) {
    let tenants = [tenant(s, "acme").await.id, tenant(s, "beta").await.id];
    let contacts = [ALICE, BOB, "jane@example.com"];
    let mut model = Model::default();
    let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
    for step in 0..120i64 {
        let t = tenants[rng.below(2) as usize];
        let id = format!("call-{}", rng.below(6));
        if rng.below(3) == 0 {
            let d = (rng.below(4) > 0).then(|| format!("code-{}", rng.below(3)));
            let n = (rng.below(4) > 1).then(|| format!("note {step}\nsecond line"));
            s.set_interaction_wrap_up(t, &id, d.as_deref(), n.as_deref(), at(step))
                .await
                .expect("wrap up");
            model.wrap_up(t, &id, d, n, at(step));
        } else {
            let contact = contacts[rng.below(3) as usize];
            let mut r = call(t, &id, contact, i64::from(rng.below(5)) * 10);
            r.agent = (rng.below(2) == 0).then(|| UserId::from_u128(7));
            r.ended_at = r.ended_at.filter(|_| rng.below(2) == 0);
            r.disposition = (rng.below(4) == 0).then(|| "from-call".to_owned());
            s.record_interaction(r.clone()).await.expect("record");
            model.record(r);
        }
        for t in tenants {
            for c in contacts {
                let limit = rng.below(4) + 1;
                let got = s.contact_history(t, c, limit).await.expect("history");
                assert_eq!(got, model.history(t, c, limit as usize), "step {step}, {c}");
            }
        }
    }
}
