use crate::fixtures::{assert_conflict, assert_invalid, assert_not_found, at, tenant, user};
use sb_store::{NewVoicemail, Store, StoreError, Voicemail, VoicemailState};
use sb_types::{TenantId, UserId};
use std::slice;

const SALES: &str = "Sales EN";
const SUPPORT: &str = "Support";

/// A 20-second message in `mailbox`, received `secs` seconds after T0.
fn message(tenant: TenantId, mailbox: &str, secs: i64) -> NewVoicemail {
    NewVoicemail {
        tenant_id: tenant,
        call_id: format!("call-{secs}"),
        mailbox: mailbox.to_owned(),
        caller: "+442079460123".to_owned(),
        called: "+442079460100".to_owned(),
        file: format!("voicemail/acme/call-{secs}.wav"),
        duration_ms: 20_000,
        bytes: 320_044,
        received_at: at(secs),
    }
}

/// Adds `new`, panicking on failure.
async fn add(s: &dyn Store, new: NewVoicemail) -> Voicemail {
    s.add_voicemail(new).await.expect("add voicemail")
}

/// The ids the list returns, in order.
async fn listed(
    s: &dyn Store,
    t: TenantId,
    mailboxes: Option<&[&str]>,
    state: Option<VoicemailState>,
    limit: u32,
) -> Vec<String> {
    let owned: Option<Vec<String>> = mailboxes.map(|m| m.iter().map(|&b| b.to_owned()).collect());
    let got = s
        .voicemails(t, owned.as_deref(), state, limit)
        .await
        .expect("list voicemails");
    got.into_iter().map(|v| v.id).collect()
}

/// Ids ordered as the list orders them: newest first, ties by id descending.
fn newest_first(mut messages: Vec<&Voicemail>) -> Vec<String> {
    messages.sort_by(|x, y| (y.message.received_at, &y.id).cmp(&(x.message.received_at, &x.id)));
    messages.into_iter().map(|v| v.id.clone()).collect()
}

/// An added message is new, has a generated UUID v7 id, and reads back (by id and in the list)
/// exactly as it was returned, every field intact: unicode, an anonymous caller, the largest
/// sizes.
pub async fn an_added_voicemail_reads_back_as_returned(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let mut new = message(a.id, "Ventes FR — étage 2", 10);
    new.caller = String::new();
    new.file = "acme/2026/01/01/0190a1b2-öß.wav".to_owned();
    (new.duration_ms, new.bytes) = (i64::MAX as u64, i64::MAX as u64);
    let added = add(s, new.clone()).await;
    assert_eq!(added.message, new);
    assert_eq!(added.state, VoicemailState::New);
    assert_eq!((added.handled_by, added.handled_at), (None, None));
    let id = added.id.as_bytes();
    assert_eq!((id.len(), id[8], id[13], id[14]), (36, b'-', b'-', b'7'));
    assert_eq!(s.voicemail(a.id, &added.id).await.expect("get"), added);
    let list = s.voicemails(a.id, None, None, 10).await.expect("list");
    assert_eq!(list, slice::from_ref(&added));
    let other = add(s, message(a.id, SALES, 10)).await;
    assert_ne!(other.id, added.id, "every message gets its own id");
}

/// Newest first by received_at, ties broken by id (descending); `limit` cuts the oldest and is
/// clamped to 1..=200.
pub async fn voicemails_list_newest_first_up_to_the_limit(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let mut added = Vec::new();
    for secs in [30, 10, 20, 20, 40, 20] {
        added.push(add(s, message(a.id, SALES, secs)).await);
    }
    let want = newest_first(added.iter().collect());
    assert_eq!(listed(s, a.id, None, None, 10).await, want);
    assert_eq!(listed(s, a.id, None, None, 3).await, want[..3]);
    assert_eq!(listed(s, a.id, None, None, 0).await, want[..1]);
    let full = s.voicemails(a.id, None, None, 10).await.expect("list");
    assert!(
        full.iter().all(|v| added.contains(v)),
        "rows read back whole"
    );

    for secs in 100..300 {
        add(s, message(a.id, SUPPORT, secs)).await;
    }
    let most = listed(s, a.id, None, None, u32::MAX).await;
    assert_eq!(most.len(), 200);
    let oldest_listed = s.voicemail(a.id, &most[199]).await.expect("get");
    assert_eq!(oldest_listed.message.received_at, at(100));
}

/// Only the messages of the given mailboxes (exact names), any number of them; an empty slice
/// lists nothing; `None` lists every mailbox.
pub async fn voicemails_filter_by_mailbox(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let sales = add(s, message(a.id, SALES, 10)).await;
    let support = add(s, message(a.id, SUPPORT, 20)).await;
    let lower = add(s, message(a.id, "sales en", 30)).await;
    let id = |v: &Voicemail| v.id.clone();
    assert_eq!(
        listed(s, a.id, Some(&[SALES]), None, 10).await,
        [id(&sales)]
    );
    assert_eq!(
        listed(s, a.id, Some(&[SALES, SUPPORT, "Nobody"]), None, 10).await,
        [id(&support), id(&sales)]
    );
    assert!(listed(s, a.id, Some(&[]), None, 10).await.is_empty());
    assert!(
        listed(s, a.id, Some(&["Nobody"]), None, 10)
            .await
            .is_empty()
    );
    assert!(
        listed(s, a.id, Some(&["", "a\u{0}b", "Sales"]), None, 10)
            .await
            .is_empty(),
        "names no message can have match nothing"
    );
    assert_eq!(
        listed(s, a.id, None, None, 10).await,
        [id(&lower), id(&support), id(&sales)]
    );
}

/// `state` filters new or done messages, together with the mailbox filter.
pub async fn voicemails_filter_by_state(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let agent = user(s, a.id, "1001").await;
    let old = add(s, message(a.id, SALES, 10)).await;
    let done = add(s, message(a.id, SALES, 20)).await;
    let other = add(s, message(a.id, SUPPORT, 30)).await;
    s.close_voicemail(a.id, &done.id, agent.id, at(100))
        .await
        .expect("close");
    let new = Some(VoicemailState::New);
    let closed = Some(VoicemailState::Done);
    assert_eq!(
        listed(s, a.id, None, new, 10).await,
        [other.id.clone(), old.id.clone()]
    );
    assert_eq!(
        listed(s, a.id, None, closed, 10).await,
        slice::from_ref(&done.id)
    );
    assert_eq!(listed(s, a.id, Some(&[SALES]), new, 10).await, [old.id]);
    assert!(
        listed(s, a.id, Some(&[SUPPORT]), closed, 10)
            .await
            .is_empty()
    );
    assert_eq!(listed(s, a.id, None, None, 10).await.len(), 3);
}

/// Closing sets state, who and when, returns the message as stored, and changes nothing else;
/// the closer is a plain user id (kept even if no such user exists any more).
pub async fn closing_a_voicemail_records_who_and_when(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let agent = user(s, a.id, "1001").await;
    let first = add(s, message(a.id, SALES, 10)).await;
    let second = add(s, message(a.id, SALES, 20)).await;
    let closed = s
        .close_voicemail(a.id, &first.id, agent.id, at(500))
        .await
        .expect("close");
    let mut want = first.clone();
    want.state = VoicemailState::Done;
    (want.handled_by, want.handled_at) = (Some(agent.id), Some(at(500)));
    assert_eq!(closed, want);
    assert_eq!(s.voicemail(a.id, &first.id).await.expect("get"), want);
    assert_eq!(s.voicemail(a.id, &second.id).await.expect("other"), second);
    let gone = UserId::from_u128(77);
    let by_gone = s
        .close_voicemail(a.id, &second.id, gone, at(600))
        .await
        .expect("close by an id that is no user");
    assert_eq!(by_gone.handled_by, Some(gone));
}

/// A second close is `Conflict` naming who closed it first, whose close is kept.
pub async fn closing_a_voicemail_twice_is_a_conflict(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let first = user(s, a.id, "1001").await;
    let second = user(s, a.id, "1002").await;
    let v = add(s, message(a.id, SALES, 10)).await;
    let closed = s
        .close_voicemail(a.id, &v.id, first.id, at(100))
        .await
        .expect("first close");
    let again = s.close_voicemail(a.id, &v.id, second.id, at(200)).await;
    match &again {
        Err(StoreError::Conflict { what }) => {
            assert!(what.contains(&first.id.to_string()), "{what}");
        }
        other => panic!("expected Conflict, got {other:?}"),
    }
    assert_conflict(s.close_voicemail(a.id, &v.id, first.id, at(300)).await);
    assert_eq!(s.voicemail(a.id, &v.id).await.expect("get"), closed);
}

/// Two users closing the same message at once: exactly one wins, the other gets `Conflict`,
/// and the stored closer is the winner.
pub async fn concurrent_closes_of_a_voicemail_let_exactly_one_win(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let v = add(s, message(a.id, SALES, 10)).await;
    let closes = (1..=8u128).map(|n| s.close_voicemail(a.id, &v.id, UserId::from_u128(n), at(100)));
    let results = futures::future::join_all(closes).await;
    let winners: Vec<&Voicemail> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    let losers = results
        .iter()
        .filter(|r| matches!(r, Err(StoreError::Conflict { .. })))
        .count();
    assert_eq!(losers, 7, "{results:?}");
    assert_eq!(s.voicemail(a.id, &v.id).await.expect("get"), *winners[0]);
}

/// Another tenant's message is `NotFound` to read or close (and stays new), and is never
/// listed; an id that is no message (or not even a uuid) is `NotFound`.
pub async fn voicemails_are_per_tenant(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let b = tenant(s, "beta").await;
    let theirs = add(s, message(b.id, SALES, 10)).await;
    let ours = add(s, message(a.id, SALES, 20)).await;
    assert_not_found(s.voicemail(a.id, &theirs.id).await);
    assert_not_found(
        s.close_voicemail(a.id, &theirs.id, UserId::from_u128(1), at(30))
            .await,
    );
    assert_eq!(s.voicemail(b.id, &theirs.id).await.expect("theirs"), theirs);
    assert_eq!(
        listed(s, a.id, None, None, 10).await,
        slice::from_ref(&ours.id)
    );
    assert_eq!(
        listed(s, b.id, None, None, 10).await,
        slice::from_ref(&theirs.id)
    );
    let absent = "01900000-0000-7000-8000-000000000000";
    for id in [absent, "", "not-a-uuid", "'; DROP TABLE voicemails; --"] {
        assert_not_found(s.voicemail(a.id, id).await);
        assert_not_found(
            s.close_voicemail(a.id, id, UserId::from_u128(1), at(30))
                .await,
        );
    }
}

/// A message for a tenant that does not exist is `NotFound` and stored nowhere; such a tenant
/// lists nothing.
pub async fn voicemails_of_an_unknown_tenant_are_not_found(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let ghost = TenantId::from_u128(9);
    assert_not_found(s.add_voicemail(message(ghost, SALES, 10)).await);
    assert!(listed(s, ghost, None, None, 10).await.is_empty());
    assert!(listed(s, a.id, None, None, 10).await.is_empty());
}

/// Fields out of bounds are `Invalid` on the field and store nothing: the mailbox empty, blank
/// or over 100 characters, numbers over 200, the file empty, absolute, escaping its folder with
/// `..` or over 500 characters, the call id empty or over 200, sizes over `i64::MAX`. The
/// bounds themselves (in characters, not bytes) are accepted.
pub async fn invalid_voicemails_are_refused_and_nothing_is_stored(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let aid = a.id;
    let bad = |f: fn(&mut NewVoicemail)| {
        let mut new = message(aid, SALES, 10);
        f(&mut new);
        s.add_voicemail(new)
    };
    assert_invalid(bad(|v| v.mailbox.clear()).await, "mailbox");
    assert_invalid(bad(|v| v.mailbox = "   ".into()).await, "mailbox");
    assert_invalid(bad(|v| v.mailbox = "m".repeat(101)).await, "mailbox");
    assert_invalid(bad(|v| v.caller = "1".repeat(201)).await, "caller");
    assert_invalid(bad(|v| v.called = "1".repeat(201)).await, "called");
    assert_invalid(bad(|v| v.called = "1\n2".into()).await, "called");
    assert_invalid(bad(|v| v.file.clear()).await, "file");
    assert_invalid(bad(|v| v.file = "/var/lib/vm.wav".into()).await, "file");
    assert_invalid(bad(|v| v.file = "C:\\vm.wav".into()).await, "file");
    assert_invalid(bad(|v| v.file = "../vm.wav".into()).await, "file");
    assert_invalid(
        bad(|v| v.file = "acme/../../etc/passwd".into()).await,
        "file",
    );
    assert_invalid(bad(|v| v.file = "acme\\..\\vm.wav".into()).await, "file");
    assert_invalid(bad(|v| v.file = "f".repeat(501)).await, "file");
    assert_invalid(bad(|v| v.call_id.clear()).await, "call_id");
    assert_invalid(bad(|v| v.call_id = "c".repeat(201)).await, "call_id");
    assert_invalid(bad(|v| v.duration_ms = u64::MAX).await, "duration_ms");
    assert_invalid(bad(|v| v.bytes = i64::MAX as u64 + 1).await, "bytes");
    assert!(
        listed(s, aid, None, None, 200).await.is_empty(),
        "nothing stored"
    );

    let at_bounds = bad(|v| {
        v.mailbox = "é".repeat(100);
        v.caller = "é".repeat(200);
        v.called = "1".repeat(200);
        v.file = "é".repeat(500);
        v.call_id = "c".repeat(200);
    })
    .await
    .expect("at the bounds");
    assert_eq!(listed(s, aid, None, None, 200).await, [at_bounds.id]);
}
