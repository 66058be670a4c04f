//! `switchboard admin …`: operator tasks that need no running server.

use crate::cli::{AdminCommand, ConfigArgs};
use crate::exit::bad_input;
use crate::open::{OpenStore, load_config, open_store};
use sb_api::{ApiSettings, AppState, now};
use sb_store::{NewAuditEntry, NewTenant, NewUser, StoreError};
use sb_types::Role;

/// Runs one admin action.
pub async fn run(args: &ConfigArgs, action: AdminCommand) -> anyhow::Result<()> {
    let config = load_config(args)?;
    let open = open_store(&config).await?;
    let state =
        AppState::new(open.store.clone(), ApiSettings::from_config(&config)).map_err(bad_input)?;
    let result = dispatch(&open, &state, action).await;
    open.close().await;
    result
}

async fn dispatch(open: &OpenStore, state: &AppState, action: AdminCommand) -> anyhow::Result<()> {
    match action {
        AdminCommand::CreateTenant {
            name,
            display_name,
            cluster,
        } => create_tenant(open, name, display_name, cluster).await,
        AdminCommand::CreateUser {
            tenant,
            username,
            role,
            display_name,
            password_stdin,
        } => {
            let role: Role = role
                .parse()
                .map_err(|e: sb_types::TypesError| bad_input(format!("--role: {e}")))?;
            create_user(
                open,
                state,
                &tenant,
                username,
                role,
                display_name,
                password_stdin,
            )
            .await
        }
        AdminCommand::ResetPassword {
            tenant,
            username,
            password_stdin,
        } => reset_password(open, state, &tenant, &username, password_stdin).await,
        AdminCommand::SipPassword {
            tenant,
            username,
            password_stdin,
        } => sip_password(open, &tenant, &username, password_stdin).await,
        AdminCommand::Token {
            tenant,
            username,
            name,
            expires_in_days,
        } => token(open, state, &tenant, &username, &name, expires_in_days).await,
    }
}

/// Store errors caused by the operator's input exit with code 2.
pub fn input_error(e: StoreError) -> anyhow::Error {
    match e {
        StoreError::Backend { .. } => anyhow::Error::new(e),
        other => bad_input(other.to_string()),
    }
}

async fn create_tenant(
    open: &OpenStore,
    name: String,
    display_name: Option<String>,
    cluster: String,
) -> anyhow::Result<()> {
    let new = NewTenant {
        display_name: display_name.unwrap_or_else(|| name.clone()),
        name,
        cluster,
        ip_allowlist: Vec::new(),
        created_at: now(),
    };
    let tenant = open.store.create_tenant(new).await.map_err(input_error)?;
    audit(
        open,
        tenant.id,
        "tenant.create",
        format!("tenant:{}", tenant.name),
    )
    .await?;
    println!(
        "created tenant {} ({}) on cluster {}",
        tenant.name, tenant.id, tenant.cluster
    );
    Ok(())
}

async fn tenant_id(open: &OpenStore, name: &str) -> anyhow::Result<sb_types::TenantId> {
    Ok(open
        .store
        .get_tenant_by_name(name)
        .await
        .map_err(input_error)?
        .id)
}

async fn create_user(
    open: &OpenStore,
    state: &AppState,
    tenant: &str,
    username: String,
    role: Role,
    display_name: Option<String>,
    password_stdin: bool,
) -> anyhow::Result<()> {
    let tenant = tenant_id(open, tenant).await?;
    let (password, generated) = obtain_password(password_stdin)?;
    let hash = hash(state, &password).await?;
    let new = NewUser {
        display_name: display_name.unwrap_or_else(|| username.clone()),
        username,
        role,
        password_hash: Some(hash),
        now: now(),
    };
    let user = open
        .store
        .create_user(tenant, new)
        .await
        .map_err(input_error)?;
    audit(open, tenant, "user.create", format!("user:{}", user.id)).await?;
    println!("created {} {} ({})", user.role, user.username, user.id);
    if generated {
        println!("password: {password}");
    }
    Ok(())
}

async fn sip_password(
    open: &OpenStore,
    tenant: &str,
    username: &str,
    password_stdin: bool,
) -> anyhow::Result<()> {
    let tenant = tenant_id(open, tenant).await?;
    let user = open
        .store
        .get_user_by_username(tenant, username)
        .await
        .map_err(input_error)?;
    let (password, generated) = obtain_password(password_stdin)?;
    sb_api::auth::password::check_strength(&password)
        .map_err(|m| bad_input(format!("SIP password: {m}")))?;
    sb_engine::sip::set_sip_password(&*open.store, tenant, user.id, &password, now()).await?;
    audit(
        open,
        tenant,
        "user.sip_password_set",
        format!("user:{}", user.id),
    )
    .await?;
    println!("SIP password of {username} set");
    if generated {
        println!("password: {password}");
    }
    Ok(())
}

async fn reset_password(
    open: &OpenStore,
    state: &AppState,
    tenant: &str,
    username: &str,
    password_stdin: bool,
) -> anyhow::Result<()> {
    let tenant = tenant_id(open, tenant).await?;
    let user = open
        .store
        .get_user_by_username(tenant, username)
        .await
        .map_err(input_error)?;
    let (password, generated) = obtain_password(password_stdin)?;
    let hash = hash(state, &password).await?;
    open.store
        .set_password_hash(tenant, user.id, Some(hash), now())
        .await?;
    open.store
        .reset_login_failures(tenant, user.id, now())
        .await?;
    open.store.delete_sessions_for_user(tenant, user.id).await?;
    audit(
        open,
        tenant,
        "user.password_reset",
        format!("user:{}", user.id),
    )
    .await?;
    println!("password of {username} reset; the account is unlocked and its sessions ended");
    if generated {
        println!("password: {password}");
    }
    Ok(())
}

async fn token(
    open: &OpenStore,
    state: &AppState,
    tenant: &str,
    username: &str,
    name: &str,
    days: Option<u32>,
) -> anyhow::Result<()> {
    let tenant = tenant_id(open, tenant).await?;
    let user = open
        .store
        .get_user_by_username(tenant, username)
        .await
        .map_err(input_error)?;
    let (token, secret) = sb_api::issue_token(state, tenant, user.id, name, days)
        .await
        .map_err(|e| bad_input(e.to_string()))?;
    audit(open, tenant, "token.create", format!("token:{}", token.id)).await?;
    println!("{secret}");
    Ok(())
}

async fn hash(state: &AppState, password: &str) -> anyhow::Result<String> {
    sb_api::auth::password::check_strength(password)
        .map_err(|m| bad_input(format!("password: {m}")))?;
    state.hasher().hash(password).map_err(anyhow::Error::msg)
}

/// The password from standard input, `SWITCHBOARD_PASSWORD`, or a generated one (`true`).
fn obtain_password(from_stdin: bool) -> anyhow::Result<(String, bool)> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        return Ok((line.trim_end_matches(['\r', '\n']).to_string(), false));
    }
    if let Ok(pw) = std::env::var("SWITCHBOARD_PASSWORD") {
        return Ok((pw, false));
    }
    Ok((generate_password(), true))
}

/// A random 16-character password of letters and digits.
pub fn generate_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..16)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

async fn audit(
    open: &OpenStore,
    tenant: sb_types::TenantId,
    action: &str,
    target: String,
) -> anyhow::Result<()> {
    let entry = NewAuditEntry {
        tenant_id: tenant,
        at: now(),
        actor: format!(
            "cli:{}",
            std::env::var("USER").unwrap_or_else(|_| "operator".into())
        ),
        ip: None,
        action: action.to_string(),
        target,
        details: serde_json::json!({}),
    };
    open.store.append_audit(entry).await?;
    Ok(())
}
