//! `switchboard flow check` and `switchboard flow test`.

use crate::cli::{ConfigArgs, FlowCommand};
use crate::exit::bad_input;
use crate::open::{load_config, open_store};
use sb_flow::script::CaseFile;
use sb_flow::{Catalog, Document, Program};
use std::path::Path;
use std::sync::Arc;

/// Runs a flow subcommand.
pub async fn run(action: FlowCommand) -> anyhow::Result<()> {
    match action {
        FlowCommand::Check {
            file,
            catalog,
            tenant,
            config,
        } => {
            let catalog = match (catalog, tenant) {
                (Some(path), _) => read_catalog(&path)?,
                (None, Some(tenant)) => tenant_catalog(&config, &tenant).await?,
                (None, None) => Catalog::default(),
            };
            compile(&file, &catalog)?;
            println!("{}: ok", file.display());
            Ok(())
        }
        FlowCommand::Test { file, script } => test(&file, &script),
    }
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).map_err(|e| bad_input(format!("{}: {e}", path.display())))
}

/// Reads YAML or JSON as plain data first, so enums are written as maps in both (no YAML tags).
pub fn parse<T: serde::de::DeserializeOwned>(path: &Path) -> anyhow::Result<T> {
    let text = read(path)?;
    let data: Result<serde_json::Value, String> = if text.trim_start().starts_with('{') {
        serde_json::from_str(&text).map_err(|e| e.to_string())
    } else {
        serde_yaml_ng::from_str(&text).map_err(|e| e.to_string())
    };
    let parsed = data.and_then(|v| serde_json::from_value(v).map_err(|e| e.to_string()));
    parsed.map_err(|e| bad_input(format!("{}: {e}", path.display())))
}

fn read_catalog(path: &Path) -> anyhow::Result<Catalog> {
    if let Ok(cases) = parse::<CaseFile>(path) {
        return Ok(cases.catalog.unwrap_or_default());
    }
    parse::<Catalog>(path)
}

async fn tenant_catalog(config: &ConfigArgs, tenant: &str) -> anyhow::Result<Catalog> {
    let config = load_config(config)?;
    let open = open_store(&config).await?;
    let names = super::sip::names_with_prompts(&config, open.store.as_ref(), tenant).await;
    open.close().await;
    Ok(sb_engine::flow_catalog(&names?))
}

/// Compiles the flow at `file`; every diagnostic is printed and the exit code is 2.
fn compile(file: &Path, catalog: &Catalog) -> anyhow::Result<Program> {
    let doc: Document = parse(file)?;
    sb_flow::compile(&doc, catalog).map_err(|diagnostics| {
        let list: Vec<String> = diagnostics.iter().map(|d| format!("  - {d}")).collect();
        bad_input(format!(
            "{}: {} problem(s):\n{}",
            file.display(),
            list.len(),
            list.join("\n")
        ))
    })
}

fn test(file: &Path, script: &Path) -> anyhow::Result<()> {
    let cases: CaseFile = parse(script)?;
    let catalog = cases.catalog.clone().unwrap_or_default();
    let program = Arc::new(compile(file, &catalog)?);
    let transcript = sb_flow::script::run(&program, &cases);
    print!("{transcript}");
    let (passed, failed) = transcript.counts();
    println!("{passed} passed, {failed} failed");
    if failed > 0 {
        anyhow::bail!("{failed} flow test case(s) failed");
    }
    Ok(())
}
