//! The email channel in `serve`: the key that seals mailbox passwords, and the desk.

use anyhow::Context;
use sb_email::SecretKey;
use std::path::Path;
use std::sync::Arc;

/// The file a generated key is kept in, under the data directory.
const KEY_FILE: &str = "email-secret.key";

/// The key from `email.secret_key`, else the one kept in the data directory, made at the
/// first start (readable by its owner only).
pub(super) fn secret_key(config: &sb_config::Config) -> anyhow::Result<SecretKey> {
    if !config.email.secret_key.is_empty() {
        return SecretKey::from_base64(config.email.secret_key.trim())
            .map_err(|e| anyhow::anyhow!("email.secret_key: {e}"));
    }
    let path = config.data_dir.join(KEY_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => SecretKey::from_base64(text.trim())
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key =
                SecretKey::generate().map_err(|e| anyhow::anyhow!("generating a key: {e}"))?;
            write_private(&path, &key.to_base64())?;
            tracing::info!(path = %path.display(), "generated the key that seals email passwords");
            Ok(key)
        }
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    Ok(())
}

/// The node's email desk.
pub(super) fn desk(
    config: &sb_config::Config,
    store: Arc<dyn sb_store::Store>,
    acd: sb_engine::acd::AcdHandle,
    prompts: sb_engine::prompts::PromptLibrary,
    secrets: SecretKey,
) -> anyhow::Result<sb_engine::email::EmailDesk> {
    let deps = sb_engine::email::EmailDeps {
        store,
        acd,
        secrets,
        mail_dir: config.data_dir.join("mail"),
        max_message_bytes: config.email.max_message_bytes,
        http: sb_engine::calls::FlowHttp::new(config.flows.http_allow_nets())
            .map_err(anyhow::Error::msg)?,
        servers: sb_engine::calls::FlowHttp::new(config.email.server_allow_nets())
            .map_err(anyhow::Error::msg)?,
        prompts: Some(prompts),
        clock: sb_api::now,
    };
    Ok(sb_engine::email::EmailDesk::new(deps))
}
