//! `switchboard import FILE`.

use crate::cli::ConfigArgs;
use crate::exit::bad_input;
use crate::open::{load_config, open_store};
use sb_api::now;
use sb_store::{StoreError, TenantDocument};
use std::path::Path;

/// Validates the document, then applies it in one transaction.
pub async fn run(args: &ConfigArgs, file: &Path, dry_run: bool) -> anyhow::Result<()> {
    let config = load_config(args)?;
    let doc = read_document(file)?;
    let open = open_store(&config).await?;
    let result = validate_and_apply(&config, open.store.as_ref(), &doc, file, dry_run).await;
    open.close().await;
    result
}

async fn validate_and_apply(
    config: &sb_config::Config,
    store: &dyn sb_store::Store,
    doc: &TenantDocument,
    file: &Path,
    dry_run: bool,
) -> anyhow::Result<()> {
    let known = super::sip::names_with_prompts(config, store, &doc.tenant.name).await?;
    let problems = sb_engine::validate_document(doc, known);
    if !problems.is_empty() {
        let list: Vec<String> = problems.iter().map(|p| format!("  - {p}")).collect();
        return Err(bad_input(format!(
            "{} is not valid:\n{}",
            file.display(),
            list.join("\n")
        )));
    }
    if dry_run {
        println!("{} is valid (nothing written: --dry-run)", file.display());
        return Ok(());
    }
    let actor = format!(
        "cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "operator".into())
    );
    let mut doc = doc.clone();
    let secrets = super::email::secret_key(config)?;
    sb_engine::seal_channel_passwords(&mut doc, &secrets);
    let summary = store
        .import_tenant_document(&doc, &actor, now())
        .await
        .map_err(|e| match e {
            StoreError::Backend { .. } => anyhow::Error::new(e),
            other => bad_input(format!("{}: {other}", file.display())),
        })?;
    print_summary(&doc, &summary);
    Ok(())
}

/// Reads a YAML or JSON tenant document; errors name the line and field.
pub fn read_document(file: &Path) -> anyhow::Result<TenantDocument> {
    let text = if file == Path::new("-") {
        std::io::read_to_string(std::io::stdin())?
    } else {
        std::fs::read_to_string(file).map_err(|e| bad_input(format!("{}: {e}", file.display())))?
    };
    parse_document(&text).map_err(|e| bad_input(format!("{}: {e}", file.display())))
}

/// Parses JSON (when the text starts with `{`) or YAML.
pub fn parse_document(text: &str) -> Result<TenantDocument, String> {
    if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))
    } else {
        serde_yaml_ng::from_str(text).map_err(|e| format!("invalid YAML: {e}"))
    }
}

fn print_summary(doc: &TenantDocument, summary: &sb_store::ImportSummary) {
    let total = summary.total();
    let verdict = if summary.changed() {
        "imported"
    } else {
        "already up to date"
    };
    println!(
        "tenant {}: {verdict} ({} created, {} updated, {} unchanged)",
        doc.tenant.name, total.created, total.updated, total.unchanged
    );
}
