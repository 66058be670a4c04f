//! `switchboard export`.

use crate::cli::{ConfigArgs, Format};
use crate::cmd::admin::input_error;
use crate::open::{load_config, open_store};
use sb_store::ExportOptions;

/// Prints the tenant's whole configuration.
pub async fn run(
    args: &ConfigArgs,
    tenant: &str,
    format: Format,
    include_password_hashes: bool,
) -> anyhow::Result<()> {
    let config = load_config(args)?;
    let open = open_store(&config).await?;
    let result = async {
        let tenant = open
            .store
            .get_tenant_by_name(tenant)
            .await
            .map_err(input_error)?;
        let options = ExportOptions {
            include_password_hashes,
        };
        let doc = open
            .store
            .export_tenant_document(tenant.id, options)
            .await?;
        let text = match format {
            Format::Yaml => serde_yaml_ng::to_string(&doc)?,
            Format::Json => serde_json::to_string_pretty(&doc)? + "\n",
        };
        print!("{text}");
        anyhow::Ok(())
    }
    .await;
    open.close().await;
    result
}
