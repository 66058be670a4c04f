//! The published documents (JSON Schema of the tenant document, OpenAPI) are kept in `docs/`
//! and must match what the binary prints. Regenerate with:
//!   switchboard schema > docs/schema/tenant-document.schema.json
//!   switchboard openapi > docs/api/openapi.json
#![allow(clippy::unwrap_used)]

mod common;

use common::{data_dir, run, text};

fn check(args: &[&str], file: &str) {
    let (_tmp, data) = data_dir();
    let out = run(&data, args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let path = format!("{}/../../../{file}", env!("CARGO_MANIFEST_DIR"));
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == text(&out.stdout),
        "{file} is stale: run `switchboard {} > {file}`",
        args.join(" ")
    );
}

#[test]
fn the_published_tenant_document_schema_is_current() {
    check(&["schema"], "docs/schema/tenant-document.schema.json");
}

#[test]
fn the_published_openapi_document_is_current() {
    check(&["openapi"], "docs/api/openapi.json");
}
