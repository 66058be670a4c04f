//! `switchboard schema` and `switchboard openapi`.

use crate::cli::SchemaKind;

/// Prints the JSON Schema.
pub fn run(which: SchemaKind) -> anyhow::Result<()> {
    let schema = match which {
        SchemaKind::TenantDocument => sb_store::tenant_document_schema(),
    };
    println!("{}", serde_json::to_string_pretty(&schema)?);
    Ok(())
}

/// Prints the OpenAPI document.
pub fn openapi() -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(&sb_api::openapi())?);
    Ok(())
}
