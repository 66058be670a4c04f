//! `switchboard serve --demo`: the demo tenant, seeded from `examples/demo.yaml`.

use crate::cmd::admin::generate_password;
use crate::cmd::import::parse_document;
use crate::exit::bad_input;
use sb_api::{AppState, now};
use sb_store::Store;

/// The demo tenant's document (the same file `switchboard import examples/demo.yaml` loads).
const DEMO: &str = include_str!("../../../../../examples/demo.yaml");

/// Users whose password the demo sets.
const DEMO_USERS: [&str; 4] = ["1001", "1002", "1003", "admin"];
/// Users whose SIP password the demo sets (the same password).
const DEMO_PHONES: [&str; 3] = ["1001", "1002", "1003"];

/// What seeding chose: the password when it was set now (`None`: kept from an earlier start).
pub struct Seeded {
    password: Option<String>,
}

/// Imports the demo tenant (idempotent) and sets the demo users' console and SIP password:
/// from `SWITCHBOARD_DEMO_PASSWORD`, else generated on first seeding (kept on later starts).
pub async fn seed(store: &dyn Store, state: &AppState) -> anyhow::Result<Seeded> {
    let doc = parse_document(DEMO).map_err(|e| bad_input(format!("examples/demo.yaml: {e}")))?;
    let known = sb_engine::known_names(store, &doc.tenant.name).await?;
    let problems = sb_engine::validate_document(&doc, known);
    if let Some(p) = problems.first() {
        return Err(bad_input(format!("examples/demo.yaml: {p}")));
    }
    let summary = store.import_tenant_document(&doc, "demo", now()).await?;
    let tenant = summary.tenant_id;
    let password = choose_password(store, tenant).await?;
    if let Some(pw) = &password {
        let hash = state.hasher().hash(pw).map_err(anyhow::Error::msg)?;
        for name in DEMO_USERS {
            let user = store.get_user_by_username(tenant, name).await?;
            store
                .set_password_hash(tenant, user.id, Some(hash.clone()), now())
                .await?;
            store.reset_login_failures(tenant, user.id, now()).await?;
        }
        for name in DEMO_PHONES {
            let user = store.get_user_by_username(tenant, name).await?;
            sb_engine::sip::set_sip_password(store, tenant, user.id, pw, now()).await?;
        }
    }
    Ok(Seeded { password })
}

async fn choose_password(
    store: &dyn Store,
    tenant: sb_types::TenantId,
) -> anyhow::Result<Option<String>> {
    if let Ok(pw) = std::env::var("SWITCHBOARD_DEMO_PASSWORD") {
        sb_api::auth::password::check_strength(&pw)
            .map_err(|m| bad_input(format!("SWITCHBOARD_DEMO_PASSWORD {m}")))?;
        return Ok(Some(pw));
    }
    let agent = store.get_user_by_username(tenant, DEMO_USERS[0]).await?;
    Ok(agent.password_hash.is_none().then(generate_password))
}

/// Tells how to use the demo: users, SIP registration, routing, login.
pub fn print_welcome(seeded: &Seeded, base: &str, sip: std::net::SocketAddr) {
    let base = base
        .replace("0.0.0.0", "127.0.0.1")
        .replace("[::]", "[::1]");
    let sip = sip.to_string().replace("0.0.0.0", "127.0.0.1");
    let pw = seeded
        .password
        .as_deref()
        .unwrap_or("(unchanged since the first start; set SWITCHBOARD_DEMO_PASSWORD to reset)");
    println!("Demo tenant \"demo\" is ready.");
    println!("  users:     agents 1001, 1002, 1003 and admin \"admin\"; password: {pw}");
    println!(
        "  phones:    register a SIP phone as 1001@{sip} (or 1002, 1003; realm \"demo\", same password)"
    );
    println!(
        "  routing:   +15550100 -> flow demo-inbound -> queue support (trunk demo-local, 127.0.0.1)"
    );
    println!("  log in:    curl -k -c cookies.txt -H 'content-type: application/json' \\");
    println!(
        "               -d '{{\"tenant\":\"demo\",\"username\":\"1001\",\"password\":\"PASSWORD\"}}' {base}/api/v1/auth/login"
    );
    println!("  API docs:  {base}/api/v1/openapi.json");
}
