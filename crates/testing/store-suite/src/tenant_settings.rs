use crate::documents::sample;
use crate::fixtures::{T0, assert_invalid, assert_not_found, at, tenant};
use sb_store::{ExportOptions, Store, validate::MAX_SETTINGS_BYTES};
use sb_types::TenantId;
use serde_json::{Value, json};

/// Settings with a bit of every JSON type.
fn rich() -> Value {
    json!({
        "reason_codes": ["break", "lunch", "coaching"],
        "labels": {"lunch": "Déjeuner 🍽", "": "empty key"},
        "limits": {"max": 18_446_744_073_709_551_615_u64, "min": -7, "ratio": 2.5},
        "flags": [true, false, null],
        "nested": {"a": {"b": {"c": []}}},
    })
}

/// `{"k": "x…x"}` serialized in exactly `bytes` bytes.
fn sized(bytes: usize) -> Value {
    let doc = json!({ "k": "x".repeat(bytes - 8) });
    assert_eq!(serde_json::to_vec(&doc).expect("json").len(), bytes);
    doc
}

async fn settings(s: &dyn Store, t: TenantId) -> Value {
    s.get_tenant_settings(t).await.expect("get settings")
}

/// A tenant whose settings were never set reads `{}`.
pub async fn a_tenant_without_settings_reads_an_empty_object(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    assert_eq!(settings(s, a.id).await, json!({}));
}

/// Settings read back exactly as written (every JSON type, unicode, big numbers), and again
/// after being written a second time unchanged.
pub async fn tenant_settings_read_back_as_set(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    s.set_tenant_settings(a.id, rich()).await.expect("set");
    assert_eq!(settings(s, a.id).await, rich());
    s.set_tenant_settings(a.id, rich())
        .await
        .expect("set again");
    assert_eq!(settings(s, a.id).await, rich());
    s.set_tenant_settings(a.id, json!({})).await.expect("clear");
    assert_eq!(settings(s, a.id).await, json!({}));
}

/// Setting replaces the whole document: keys missing from the new one are gone, not merged.
pub async fn setting_tenant_settings_replaces_the_whole_document(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    s.set_tenant_settings(a.id, json!({"reason_codes": ["lunch"], "theme": "dark"}))
        .await
        .expect("first");
    let second = json!({"reason_codes": ["break"], "nested": {"x": 1}});
    s.set_tenant_settings(a.id, second.clone())
        .await
        .expect("second");
    assert_eq!(settings(s, a.id).await, second);
}

/// Each tenant has its own settings: setting one tenant's neither shows in nor changes another's.
pub async fn tenant_settings_are_per_tenant(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let b = tenant(s, "beta").await;
    let c = tenant(s, "gamma").await;
    s.set_tenant_settings(a.id, json!({"reason_codes": ["lunch"]}))
        .await
        .expect("a");
    assert_eq!(settings(s, b.id).await, json!({}), "b sees nothing of a");
    s.set_tenant_settings(b.id, json!({"reason_codes": ["break"]}))
        .await
        .expect("b");
    assert_eq!(settings(s, a.id).await, json!({"reason_codes": ["lunch"]}));
    assert_eq!(settings(s, b.id).await, json!({"reason_codes": ["break"]}));
    assert_eq!(settings(s, c.id).await, json!({}));
}

/// A non-object, a document over 64 KiB serialized (exactly 64 KiB is fine) and a NUL
/// character (which PostgreSQL's jsonb cannot hold) are `Invalid` on `settings` and leave the
/// stored settings as they were.
pub async fn bad_tenant_settings_are_refused_and_keep_the_stored_ones(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    s.set_tenant_settings(a.id, rich()).await.expect("set");
    let bad = [
        json!(["lunch"]),
        json!("lunch"),
        json!(7),
        Value::Null,
        sized(MAX_SETTINGS_BYTES + 1),
        json!({"reason_codes": ["lu\u{0}nch"]}),
        json!({"k\u{0}": 1}),
    ];
    for doc in bad {
        assert_invalid(s.set_tenant_settings(a.id, doc).await, "settings");
        assert_eq!(settings(s, a.id).await, rich(), "unchanged");
    }
    let largest = sized(MAX_SETTINGS_BYTES);
    s.set_tenant_settings(a.id, largest.clone())
        .await
        .expect("exactly 64 KiB");
    assert_eq!(settings(s, a.id).await, largest);
}

/// An unknown tenant's settings are `NotFound`, to read and to set (nothing is created).
pub async fn tenant_settings_of_an_unknown_tenant_are_not_found(s: &dyn Store) {
    let ghost = TenantId::from_u128(9);
    assert_not_found(s.get_tenant_settings(ghost).await);
    assert_not_found(s.set_tenant_settings(ghost, json!({"a": 1})).await);
    assert_not_found(s.get_tenant_settings(ghost).await);
    assert!(s.list_tenants().await.expect("list").is_empty());
}

/// The tenant document carries the settings as `tenant.settings`: imported with the tenant,
/// exported (and omitted when `{}`), kept when a document has none, cleared by `{}`, refused
/// as `tenant.settings` when bad (nothing written); an exported tenant imports as unchanged.
pub async fn tenant_settings_travel_in_the_tenant_document(s: &dyn Store) {
    let mut doc = sample("acme");
    doc.tenant.settings = Some(rich());
    let t = s
        .import_tenant_document(&doc, "cli", T0)
        .await
        .expect("import")
        .tenant_id;
    assert_eq!(settings(s, t).await, rich());
    let exported = s
        .export_tenant_document(t, ExportOptions::default())
        .await
        .expect("export");
    assert_eq!(exported.tenant.settings, Some(rich()));
    let same = s.import_tenant_document(&exported, "cli", at(1)).await;
    assert!(!same.expect("reimport").changed());

    doc.tenant.settings = None;
    let kept = s.import_tenant_document(&doc, "cli", at(2)).await;
    assert!(!kept.expect("no settings").changed());
    assert_eq!(settings(s, t).await, rich(), "absent settings are kept");
    s.set_tenant_settings(t, json!({"reason_codes": ["set-in-app"]}))
        .await
        .expect("set");
    doc.tenant.settings = Some(rich());
    let back = s.import_tenant_document(&doc, "cli", at(3)).await;
    assert_eq!(back.expect("replace").tenant.updated, 1);
    assert_eq!(settings(s, t).await, rich());

    doc.tenant.settings = Some(json!(["not", "an", "object"]));
    let refused = s.import_tenant_document(&doc, "cli", at(4)).await;
    assert_invalid(refused, "tenant.settings");
    assert_eq!(settings(s, t).await, rich(), "nothing written");

    doc.tenant.settings = Some(json!({}));
    s.import_tenant_document(&doc, "cli", at(5))
        .await
        .expect("clear");
    assert_eq!(settings(s, t).await, json!({}));
    let exported = s
        .export_tenant_document(t, ExportOptions::default())
        .await
        .expect("export");
    assert_eq!(exported.tenant.settings, None);
    let text = serde_json::to_value(&exported).expect("json");
    assert!(
        text["tenant"].get("settings").is_none(),
        "{}",
        text["tenant"]
    );
}
