use crate::documents::sample;
use crate::fixtures::{T0, assert_invalid, assert_not_found, at, tenant};
use sb_store::validate::{MAX_CANNED_BODY_BYTES, MAX_CANNED_SUBJECT_LEN};
use sb_store::{
    CannedResponse, CannedResponseDoc, CannedResponseSpec, ExportOptions, Store, StoreResult,
};
use sb_types::TenantId;

/// A response named `name` with a subject and a two-line template body.
fn spec(name: &str) -> CannedResponseSpec {
    CannedResponseSpec {
        name: name.to_owned(),
        subject: Some(format!("About {name}")),
        body: format!("Hello {{{{ customer_name }}}},\r\n\tabout {name}: ✓"),
    }
}

async fn put(s: &dyn Store, t: TenantId, spec: CannedResponseSpec, secs: i64) -> CannedResponse {
    s.upsert_canned_response(t, spec, at(secs))
        .await
        .expect("upsert canned response")
}

async fn names(s: &dyn Store, t: TenantId) -> Vec<String> {
    let all = s.list_canned_responses(t).await.expect("list");
    all.into_iter().map(|r| r.name).collect()
}

/// An upserted response gets a UUID v7 id and reads back (by name and in the list) exactly as
/// returned: the spec's fields, the tenant, the given time; unicode, CR LF and tabs intact.
pub async fn a_canned_response_reads_back_as_stored(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let stored = put(s, a.id, spec("greeting"), 10).await;
    let want = spec("greeting");
    assert_eq!(
        (&stored.name, &stored.subject, &stored.body),
        (&want.name, &want.subject, &want.body)
    );
    assert_eq!((stored.tenant_id, stored.updated_at), (a.id, at(10)));
    assert_eq!(stored.id.get_version_num(), 7);
    let got = s.get_canned_response(a.id, "greeting").await;
    assert_eq!(got.expect("get"), stored);
    let list = s.list_canned_responses(a.id).await.expect("list");
    assert_eq!(list, std::slice::from_ref(&stored));
}

/// Upserting a stored name replaces its subject (also with none), body and time, and keeps its
/// id; other responses are untouched.
pub async fn upserting_a_canned_response_replaces_it_and_keeps_its_id(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let first = put(s, a.id, spec("greeting"), 10).await;
    let other = put(s, a.id, spec("refund"), 11).await;
    let new = CannedResponseSpec {
        subject: None,
        body: "Hi {{ customer }}".to_owned(),
        ..spec("greeting")
    };
    let second = put(s, a.id, new, 20).await;
    assert_eq!(second.id, first.id, "the same response");
    assert_eq!(
        (second.subject.as_deref(), second.body.as_str()),
        (None, "Hi {{ customer }}")
    );
    assert_eq!(second.updated_at, at(20));
    let got = s.get_canned_response(a.id, "greeting").await;
    assert_eq!(got.expect("get"), second);
    let untouched = s.get_canned_response(a.id, "refund").await;
    assert_eq!(untouched.expect("other"), other);
    assert_eq!(names(s, a.id).await, ["greeting", "refund"]);
}

/// The list is by name, bytewise (`-` before digits before `_` before letters) in both
/// backends.
pub async fn canned_responses_list_by_name(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    for name in ["b", "a_c", "ab", "a-c", "a1", "a"] {
        put(s, a.id, spec(name), 1).await;
    }
    assert_eq!(names(s, a.id).await, ["a", "a-c", "a1", "a_c", "ab", "b"]);
    assert!(names(s, tenant(s, "empty").await.id).await.is_empty());
}

/// Deleting removes the one response (then `NotFound` to read and to delete again); deleting a
/// name never stored is `NotFound`.
pub async fn deleting_a_canned_response_removes_only_it(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    put(s, a.id, spec("greeting"), 1).await;
    let refund = put(s, a.id, spec("refund"), 2).await;
    s.delete_canned_response(a.id, "greeting")
        .await
        .expect("delete");
    assert_not_found(s.get_canned_response(a.id, "greeting").await);
    assert_not_found(s.delete_canned_response(a.id, "greeting").await);
    assert_not_found(s.delete_canned_response(a.id, "never").await);
    let list = s.list_canned_responses(a.id).await.expect("list");
    assert_eq!(list, [refund]);
    let again = put(s, a.id, spec("greeting"), 3).await;
    assert_eq!(again.updated_at, at(3), "the name can be used again");
}

/// Each tenant has its own responses: the same name in two tenants is two responses; another
/// tenant's response is `NotFound` to read and to delete, and upserting one's name does not
/// touch the other's.
pub async fn canned_responses_are_per_tenant(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let b = tenant(s, "beta").await;
    let in_a = put(s, a.id, spec("greeting"), 1).await;
    let only_a = put(s, a.id, spec("refund"), 2).await;
    assert_not_found(s.get_canned_response(b.id, "refund").await);
    assert_not_found(s.delete_canned_response(b.id, "refund").await);
    let in_b = put(s, b.id, spec("greeting"), 3).await;
    assert_ne!(in_b.id, in_a.id);
    assert_eq!(in_b.tenant_id, b.id);
    let a_greeting = s.get_canned_response(a.id, "greeting").await;
    assert_eq!(a_greeting.expect("a's"), in_a);
    assert_eq!(names(s, b.id).await, ["greeting"]);
    s.delete_canned_response(b.id, "greeting")
        .await
        .expect("delete b's");
    let list = s.list_canned_responses(a.id).await.expect("list a");
    assert_eq!(list, [in_a, only_a]);
}

/// Out-of-bounds fields are `Invalid` naming the field and store nothing (a stored response
/// keeps its content); a name that no response can have is `NotFound` to read and to delete.
pub async fn invalid_canned_responses_are_refused_and_nothing_is_stored(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let kept = put(s, a.id, spec("greeting"), 1).await;
    let long_body = "b".repeat(MAX_CANNED_BODY_BYTES + 1);
    let long_subject = "s".repeat(MAX_CANNED_SUBJECT_LEN + 1);
    let cases: [(CannedResponseSpec, &str); 8] = [
        (spec("Greeting"), "name"),
        (spec(&"n".repeat(65)), "name"),
        (spec(""), "name"),
        (with_subject("Re:\r\nBcc: x@evil.example"), "subject"),
        (with_subject(&long_subject), "subject"),
        (with_body("a\u{0}b"), "body"),
        (with_body(&long_body), "body"),
        (with_body("  \n"), "body"),
    ];
    for (bad, field) in cases {
        let refused = s.upsert_canned_response(a.id, bad, at(2)).await;
        assert_invalid(refused, field);
    }
    let largest = with_body(&"b".repeat(MAX_CANNED_BODY_BYTES));
    let stored = put(
        s,
        a.id,
        CannedResponseSpec {
            name: "big".to_owned(),
            ..largest
        },
        3,
    )
    .await;
    assert_eq!(stored.body.len(), MAX_CANNED_BODY_BYTES);
    let got = s.get_canned_response(a.id, "greeting").await;
    assert_eq!(got.expect("kept"), kept);
    assert_eq!(names(s, a.id).await, ["big", "greeting"]);
    for name in ["Greeting", "", "a b", "x\u{0}"] {
        assert_not_found(s.get_canned_response(a.id, name).await);
        assert_not_found(s.delete_canned_response(a.id, name).await);
    }
}

/// `spec("greeting")` with another subject.
fn with_subject(subject: &str) -> CannedResponseSpec {
    CannedResponseSpec {
        subject: Some(subject.to_owned()),
        ..spec("greeting")
    }
}

/// `spec("greeting")` with another body.
fn with_body(body: &str) -> CannedResponseSpec {
    CannedResponseSpec {
        body: body.to_owned(),
        ..spec("greeting")
    }
}

/// An unknown tenant has no responses, and none can be stored for it.
pub async fn canned_responses_of_an_unknown_tenant_are_not_found(s: &dyn Store) {
    let ghost = TenantId::from_u128(9);
    let r: StoreResult<_> = s.upsert_canned_response(ghost, spec("greeting"), T0).await;
    assert_not_found(r);
    assert!(names(s, ghost).await.is_empty());
    assert_not_found(s.get_canned_response(ghost, "greeting").await);
}

/// The document's `canned_responses` section: imported by name, exported sorted (a subject
/// only when there is one), unchanged on re-import, kept when absent from a document, refused
/// with its path when bad; an export imported as another tenant exports the same.
pub async fn canned_responses_travel_in_the_tenant_document(s: &dyn Store) {
    let mut doc = sample("acme");
    doc.canned_responses = vec![
        doc_response("refund", None),
        doc_response("greeting", Some("Hi")),
    ];
    let first = s.import_tenant_document(&doc, "cli", T0).await;
    let first = first.expect("import");
    assert_eq!(first.canned_responses.created, 2);
    let t = first.tenant_id;
    let stored = s.get_canned_response(t, "greeting").await.expect("get");
    assert_eq!(
        (stored.subject.as_deref(), stored.updated_at),
        (Some("Hi"), T0)
    );
    let all = ExportOptions {
        include_password_hashes: true,
    };
    let exported = s.export_tenant_document(t, all).await.expect("export");
    let mut sorted = doc.canned_responses.clone();
    sorted.sort_by(|x, y| x.name.cmp(&y.name));
    assert_eq!(exported.canned_responses, sorted);
    let same = s.import_tenant_document(&exported, "cli", at(1)).await;
    assert!(!same.expect("reimport").changed());

    let mut copy = exported.clone();
    copy.tenant.name = "acme-copy".to_owned();
    copy.points_of_contact[0].address = "+15559999".to_owned();
    let c = s.import_tenant_document(&copy, "cli", at(2)).await;
    let c = c.expect("copy").tenant_id;
    let back = s.export_tenant_document(c, all).await.expect("export copy");
    assert_eq!(back.canned_responses, exported.canned_responses);

    put(s, t, spec("set-in-app"), 3).await;
    doc.canned_responses = vec![doc_response("greeting", None)];
    let changed = s.import_tenant_document(&doc, "cli", at(4)).await;
    assert_eq!(changed.expect("update").canned_responses.updated, 1);
    assert_eq!(names(s, t).await, ["greeting", "refund", "set-in-app"]);
    let greeting = s.get_canned_response(t, "greeting").await.expect("get");
    assert_eq!((greeting.id, greeting.subject), (stored.id, None));

    doc.canned_responses[0].name = "Bad Name".to_owned();
    let refused = s.import_tenant_document(&doc, "cli", at(5)).await;
    assert_invalid(refused, "canned_responses[0].name");
}

fn doc_response(name: &str, subject: Option<&str>) -> CannedResponseDoc {
    CannedResponseDoc {
        name: name.to_owned(),
        subject: subject.map(str::to_owned),
        body: format!("{name} for {{{{ customer_name }}}}"),
    }
}
