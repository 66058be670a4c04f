//! Role checks, tenant isolation and the allowlist, over every route of the API.
#![allow(clippy::unwrap_used)]

mod common;

use common::{TestServer, call, client};
use reqwest::{Method, StatusCode};
use sb_types::Role;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Every route of the API with the least role it needs and a well-formed body.
/// `{user}`, `{skill}`, `{team}`, `{token}` are replaced by ids.
fn routes() -> Vec<(Method, &'static str, Role, Option<Value>)> {
    use Method as M;
    use Role::*;
    vec![
        (M::GET, "/api/v1/me", Agent, None),
        (
            M::PUT,
            "/api/v1/me/password",
            Agent,
            Some(json!({"current_password": "x", "new_password": "yyyyyyyyy"})),
        ),
        (M::GET, "/api/v1/users", Supervisor, None),
        (
            M::POST,
            "/api/v1/users",
            Admin,
            Some(json!({"username": "new-user", "role": "agent"})),
        ),
        (M::GET, "/api/v1/users/{user}", Supervisor, None),
        (
            M::PATCH,
            "/api/v1/users/{user}",
            Admin,
            Some(json!({"display_name": "Changed"})),
        ),
        (
            M::PUT,
            "/api/v1/users/{user}/password",
            Admin,
            Some(json!({"password": "a new password"})),
        ),
        (
            M::PUT,
            "/api/v1/users/{user}/sip-password",
            Admin,
            Some(json!({"password": "a new SIP password"})),
        ),
        (M::DELETE, "/api/v1/users/{user}/sip-password", Admin, None),
        (M::GET, "/api/v1/users/{user}/skills", Supervisor, None),
        (
            M::PUT,
            "/api/v1/users/{user}/skills",
            Admin,
            Some(json!([{"skill_id": "{skill}", "proficiency": 2}])),
        ),
        (M::GET, "/api/v1/skills", Agent, None),
        (
            M::POST,
            "/api/v1/skills",
            Admin,
            Some(json!({"name": "new-skill"})),
        ),
        (M::GET, "/api/v1/teams", Supervisor, None),
        (
            M::POST,
            "/api/v1/teams",
            Admin,
            Some(json!({"name": "new-team"})),
        ),
        (M::GET, "/api/v1/teams/{team}", Supervisor, None),
        (
            M::PUT,
            "/api/v1/teams/{team}/members",
            Admin,
            Some(json!(["{user}"])),
        ),
        (M::GET, "/api/v1/tenant", Agent, None),
        (
            M::PATCH,
            "/api/v1/tenant",
            Admin,
            Some(json!({"display_name": "Renamed"})),
        ),
        (M::GET, "/api/v1/tokens", Admin, None),
        (
            M::POST,
            "/api/v1/tokens",
            Admin,
            Some(json!({"name": "automation"})),
        ),
        (M::GET, "/api/v1/events", Supervisor, None),
        (M::GET, "/api/v1/audit", Admin, None),
        (M::GET, "/api/v1/config/export", Admin, None),
        (
            M::POST,
            "/api/v1/config/import",
            Admin,
            Some(json!({"tenant": {"name": "{tenant}", "cluster": "C1"}})),
        ),
        (M::GET, "/api/v1/flows", Supervisor, None),
        (
            M::POST,
            "/api/v1/flows",
            Admin,
            Some(json!({"name": "new-flow", "document": FLOW.clone()})),
        ),
        (M::GET, "/api/v1/flows/{flow}", Supervisor, None),
        (M::GET, "/api/v1/flows/{flow}/versions/1", Supervisor, None),
        (
            M::PUT,
            "/api/v1/flows/{flow}/draft",
            Admin,
            Some(json!({"document": FLOW.clone()})),
        ),
        (
            M::POST,
            "/api/v1/flows/{flow}/publish",
            Admin,
            Some(json!({"version": 1})),
        ),
        (
            M::POST,
            "/api/v1/flows/dry-run",
            Supervisor,
            Some(json!({"document": FLOW.clone(), "cases": {"cases": []}})),
        ),
        (M::GET, "/api/v1/queues", Supervisor, None),
        (
            M::POST,
            "/api/v1/queues",
            Admin,
            Some(json!({"name": "new-queue", "channel": "chat"})),
        ),
        (M::GET, "/api/v1/queues/{queue}", Supervisor, None),
        (
            M::PUT,
            "/api/v1/queues/{queue}",
            Admin,
            Some(
                json!({"name": "support", "channel": "voice", "settings": {"service_level_secs": 30}}),
            ),
        ),
        (M::GET, "/api/v1/points-of-contact", Supervisor, None),
        (
            M::POST,
            "/api/v1/points-of-contact",
            Admin,
            Some(json!({"kind": "chat", "address": "{tenant}-new-chat", "flow": "main"})),
        ),
        (M::GET, "/api/v1/points-of-contact/{poc}", Supervisor, None),
        (
            M::PUT,
            "/api/v1/points-of-contact/{poc}",
            Admin,
            Some(json!({"kind": "phone", "address": "{tenant}-line", "flow": "main"})),
        ),
        (M::GET, "/api/v1/me/state", Agent, None),
        (
            M::PUT,
            "/api/v1/me/state",
            Agent,
            Some(json!({"state": "unavailable", "reason": "lunch"})),
        ),
        (M::GET, "/api/v1/agents/states", Supervisor, None),
        (M::GET, "/api/v1/me/directory", Agent, None),
        (M::GET, "/api/v1/tenant/settings", Agent, None),
        (M::GET, "/api/v1/me/device", Agent, None),
        (
            M::PUT,
            "/api/v1/me/device",
            Agent,
            Some(json!({"kind": "softphone"})),
        ),
        (
            M::PUT,
            "/api/v1/tenant/settings",
            Admin,
            Some(json!({"reason_codes": ["lunch", "break"]})),
        ),
        (M::GET, "/api/v1/contacts/history", Agent, None),
        (M::GET, "/api/v1/prompts", Supervisor, None),
        (M::PUT, "/api/v1/prompts/{prompt}", Admin, None),
        (M::GET, "/api/v1/prompts/{prompt}/audio", Supervisor, None),
        (M::GET, "/api/v1/voicemails", Agent, None),
        (M::GET, "/api/v1/voicemails/{voicemail}/audio", Agent, None),
        (M::POST, "/api/v1/voicemails/{voicemail}/close", Agent, None),
        (
            M::POST,
            "/api/v1/voicemails/{voicemail}/accept",
            Agent,
            None,
        ),
        (
            M::POST,
            "/api/v1/voicemails/{voicemail}/reject",
            Agent,
            None,
        ),
        (M::GET, "/api/v1/conversations", Agent, None),
        (M::GET, "/api/v1/conversations/{conversation}", Agent, None),
        (
            M::GET,
            "/api/v1/conversations/{conversation}/messages/{message}/raw",
            Agent,
            None,
        ),
        (
            M::GET,
            "/api/v1/conversations/{conversation}/messages/{message}/attachments/0",
            Agent,
            None,
        ),
        (
            M::GET,
            "/api/v1/conversations/{conversation}/messages/{message}/html",
            Agent,
            None,
        ),
        (
            M::GET,
            "/api/v1/conversations/{conversation}/messages/{message}/authentication",
            Agent,
            None,
        ),
        (
            M::POST,
            "/api/v1/conversations/{conversation}/accept",
            Agent,
            None,
        ),
        (
            M::POST,
            "/api/v1/conversations/{conversation}/reject",
            Agent,
            None,
        ),
        (
            M::POST,
            "/api/v1/conversations/{conversation}/reply",
            Agent,
            Some(json!({"text": "Thanks"})),
        ),
        (
            M::POST,
            "/api/v1/conversations/{conversation}/forward",
            Agent,
            Some(json!({"to": ["billing@vendor.example"], "text": "FYI"})),
        ),
        (
            M::POST,
            "/api/v1/conversations/{conversation}/notes",
            Agent,
            Some(json!({"text": "A note"})),
        ),
        (
            M::POST,
            "/api/v1/conversations/{conversation}/transfer",
            Agent,
            Some(json!({"queue": "support"})),
        ),
        (
            M::POST,
            "/api/v1/conversations/{conversation}/close",
            Agent,
            None,
        ),
        (M::GET, "/api/v1/email/canned-responses", Agent, None),
        (
            M::PUT,
            "/api/v1/email/canned-responses/greeting",
            Admin,
            Some(json!({"body": "Hello {{ customer_name }}"})),
        ),
        (
            M::POST,
            "/api/v1/conversations/{conversation}/canned-responses/greeting/render",
            Agent,
            None,
        ),
        (M::GET, "/api/v1/email/channels", Supervisor, None),
        (
            M::PUT,
            "/api/v1/email/channels/support",
            Admin,
            Some(json!({"address": "support@example.com"})),
        ),
        (M::GET, "/api/v1/calls", Supervisor, None),
        (M::GET, "/api/v1/me/calls", Agent, None),
        (M::GET, "/api/v1/me/console", Agent, None),
        (M::POST, "/api/v1/me/softphone", Agent, None),
        (
            M::POST,
            "/api/v1/me/wrap-up",
            Agent,
            Some(json!({"disposition": "resolved", "notes": "ok"})),
        ),
        (M::POST, "/api/v1/calls/{call}/hold", Agent, None),
        (
            M::POST,
            "/api/v1/calls/{call}/dtmf",
            Agent,
            Some(json!({"digits": "1"})),
        ),
        (
            M::POST,
            "/api/v1/calls/{call}/transfer",
            Agent,
            Some(json!({"to": {"queue": "support"}, "mode": "blind"})),
        ),
        // Deletions last: they remove what the routes above use.
        (M::DELETE, "/api/v1/tokens/{token}", Admin, None),
        (M::DELETE, "/api/v1/email/channels/support", Admin, None),
        (
            M::DELETE,
            "/api/v1/email/canned-responses/greeting",
            Admin,
            None,
        ),
        (M::DELETE, "/api/v1/prompts/{prompt}", Admin, None),
        (M::DELETE, "/api/v1/points-of-contact/{poc}", Admin, None),
        (M::DELETE, "/api/v1/flows/{flow}", Admin, None),
        (M::DELETE, "/api/v1/queues/{queue}", Admin, None),
        (M::DELETE, "/api/v1/teams/{team}", Admin, None),
        (M::DELETE, "/api/v1/skills/{skill}", Admin, None),
        (M::DELETE, "/api/v1/users/{user}", Admin, None),
        (M::POST, "/api/v1/auth/logout", Agent, None),
    ]
}

/// A small valid flow: play a greeting, then hang up.
static FLOW: std::sync::LazyLock<Value> = std::sync::LazyLock::new(|| {
    json!({"start": "hello", "blocks": [
        {"id": "hello", "type": "play", "params": {"say": {"text": "Hello"}}, "transitions": {"success": "bye"}},
        {"id": "bye", "type": "hangup"}
    ]})
});

/// An id no object has.
const NO_SUCH_ID: &str = "00000000-0000-7000-8000-000000000000";

/// Ids of one tenant's objects, substituted into paths and bodies.
struct Ids {
    tenant: String,
    user: String,
    skill: String,
    team: String,
    token: String,
    flow: String,
    queue: String,
    poc: String,
}

impl Ids {
    fn fill(&self, text: &str) -> String {
        text.replace("{tenant}", &self.tenant)
            .replace("{user}", &self.user)
            .replace("{skill}", &self.skill)
            .replace("{team}", &self.team)
            .replace("{token}", &self.token)
            .replace("{flow}", &self.flow)
            .replace("{queue}", &self.queue)
            .replace("{poc}", &self.poc)
            .replace("{call}", "no-such-call")
            .replace("{voicemail}", "no-such-voicemail")
            .replace("{conversation}", NO_SUCH_ID)
            .replace("{message}", NO_SUCH_ID)
            .replace("{prompt}", "no-such-prompt")
    }

    fn body(&self, body: &Option<Value>) -> Option<Value> {
        body.as_ref()
            .map(|b| serde_json::from_str(&self.fill(&b.to_string())).unwrap())
    }
}

/// A tenant with an admin, a supervisor, an agent, and a victim user, skill, team and token.
async fn populate(server: &TestServer, name: &str) -> Ids {
    let tenant = server.tenant(name).await;
    server.user(&tenant, "admin", Role::Admin).await;
    server.user(&tenant, "super", Role::Supervisor).await;
    server.user(&tenant, "agent", Role::Agent).await;
    let victim = server.user(&tenant, "victim", Role::Agent).await;
    let skill = server
        .store
        .create_skill(tenant.id, "billing")
        .await
        .unwrap();
    let team = server
        .store
        .create_team(tenant.id, "blue", vec![victim.id])
        .await
        .unwrap();
    let (token, _) = sb_api::issue_token(&server.state, tenant.id, victim.id, "t", None)
        .await
        .unwrap();
    let t = sb_types::Timestamp::from_secs(1);
    let flow = server
        .store
        .create_flow(tenant.id, "main", t)
        .await
        .unwrap();
    server
        .store
        .save_draft(tenant.id, flow.id, FLOW.clone(), t)
        .await
        .unwrap();
    let spec = sb_store::QueueSpec {
        name: "support".into(),
        channel: sb_types::Channel::Voice,
        settings: json!({}),
    };
    let queue = server.store.create_queue(tenant.id, spec).await.unwrap();
    let spec = sb_store::PointOfContactSpec {
        kind: sb_store::ContactKind::Phone,
        address: format!("{name}-line"),
        flow: "main".into(),
        settings: json!({}),
    };
    let poc = server
        .store
        .create_point_of_contact(tenant.id, spec)
        .await
        .unwrap();
    Ids {
        flow: flow.id.to_string(),
        queue: queue.id.to_string(),
        poc: poc.id.to_string(),
        tenant: name.into(),
        user: victim.id.to_string(),
        skill: skill.id.to_string(),
        team: team.id.to_string(),
        token: token.id.to_string(),
    }
}

#[tokio::test]
async fn the_route_table_covers_every_route_in_the_openapi_document() {
    let doc = serde_json::to_value(sb_api::openapi()).unwrap();
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.insert(format!(
                "{} /api/v1{}",
                method.to_uppercase(),
                path.replace("{id}", "{x}")
            ));
        }
    }
    let mut tested: BTreeSet<String> = routes()
        .iter()
        .map(|(m, p, _, _)| {
            let p = [
                "{user}",
                "{skill}",
                "{team}",
                "{token}",
                "{flow}",
                "{queue}",
                "{poc}",
                "{call}",
                "{voicemail}",
                "{prompt}",
                "{conversation}",
            ]
            .iter()
            .fold(p.to_string(), |p, v| p.replace(v, "{x}"));
            let p = p.replace("/versions/1", "/versions/{version}");
            let p = p.replace("/calls/{x}/hold", "/calls/{x}/{action}");
            let p = p.replace("/attachments/0", "/attachments/{index}");
            let p = p.replace("/email/channels/support", "/email/channels/{name}");
            let p = p.replace("/canned-responses/greeting", "/canned-responses/{name}");
            format!("{m} {p}")
        })
        .collect();
    tested.insert("POST /api/v1/auth/login".into());
    assert_eq!(documented, tested);
}

#[tokio::test]
async fn every_route_refuses_anonymous_callers() {
    let server = TestServer::start().await;
    let ids = populate(&server, "acme").await;
    let anonymous = client();
    for (method, path, _, body) in routes() {
        let (status, _) = call(
            &anonymous,
            &server,
            method.clone(),
            &ids.fill(path),
            ids.body(&body),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}");
    }
}

#[tokio::test]
async fn every_route_checks_the_callers_role() {
    let server = TestServer::start().await;
    let ids = populate(&server, "acme").await;
    for (role, username) in [(Role::Agent, "agent"), (Role::Supervisor, "super")] {
        let client = server.login("acme", username).await;
        for (method, path, needed, body) in routes() {
            if path.ends_with("/logout") {
                continue;
            }
            let (status, value) = call(
                &client,
                &server,
                method.clone(),
                &ids.fill(path),
                ids.body(&body),
            )
            .await;
            if role.allows(needed) {
                assert!(
                    status != StatusCode::FORBIDDEN && status != StatusCode::UNAUTHORIZED,
                    "{username}: {method} {path}: {status} {value}"
                );
            } else {
                assert_eq!(
                    status,
                    StatusCode::FORBIDDEN,
                    "{username}: {method} {path}: {value}"
                );
            }
        }
    }
}

#[tokio::test]
async fn an_admin_of_one_tenant_can_touch_nothing_of_another() {
    let server = TestServer::start().await;
    populate(&server, "alpha").await;
    let beta = populate(&server, "beta").await;
    let before = server
        .store
        .export_tenant_document(
            server.store.get_tenant_by_name("beta").await.unwrap().id,
            Default::default(),
        )
        .await
        .unwrap();
    let alpha_admin = server.login("alpha", "admin").await;
    for (method, path, _, body) in routes() {
        if !path.contains('{') {
            continue;
        }
        let (status, value) = call(
            &alpha_admin,
            &server,
            method.clone(),
            &beta.fill(path),
            beta.body(&body),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {value}");
    }
    // Cross-tenant references inside bodies are refused too.
    let alpha = server.store.get_tenant_by_name("alpha").await.unwrap();
    let alpha_agent = server
        .store
        .get_user_by_username(alpha.id, "agent")
        .await
        .unwrap();
    let skills = json!([{ "skill_id": beta.skill, "proficiency": 1 }]);
    let (status, _) = call(
        &alpha_admin,
        &server,
        Method::PUT,
        &format!("/api/v1/users/{}/skills", alpha_agent.id),
        Some(skills),
    )
    .await;
    assert!(status.is_client_error(), "{status}");
    let (status, _) = call(
        &alpha_admin,
        &server,
        Method::POST,
        "/api/v1/teams",
        Some(json!({"name": "x", "members": [beta.user]})),
    )
    .await;
    assert!(status.is_client_error(), "{status}");
    // Importing a document naming another tenant is refused.
    let (status, _) = call(
        &alpha_admin,
        &server,
        Method::POST,
        "/api/v1/config/import",
        Some(json!({"tenant": {"name": "beta", "cluster": "C1"}})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Lists show only the caller's tenant.
    let (_, users) = call(&alpha_admin, &server, Method::GET, "/api/v1/users", None).await;
    assert!(
        users
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["id"] != json!(beta.user))
    );
    let (_, tokens) = call(&alpha_admin, &server, Method::GET, "/api/v1/tokens", None).await;
    assert!(
        tokens
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["id"] != json!(beta.token))
    );
    let after = server
        .store
        .export_tenant_document(
            server.store.get_tenant_by_name("beta").await.unwrap().id,
            Default::default(),
        )
        .await
        .unwrap();
    assert_eq!(before, after, "tenant beta changed");
    let beta_token = server
        .store
        .list_api_tokens(
            server.store.get_tenant_by_name("beta").await.unwrap().id,
            None,
        )
        .await
        .unwrap();
    assert_eq!(beta_token.len(), 1);
}

#[tokio::test]
async fn a_request_from_outside_the_allowlist_gets_403_and_an_audit_entry() {
    let server = TestServer::start().await;
    populate(&server, "acme").await;
    let admin = server.login("acme", "admin").await;
    // The admin cannot lock themself out by mistake.
    let (status, body) = call(
        &admin,
        &server,
        Method::PATCH,
        "/api/v1/tenant",
        Some(json!({"ip_allowlist": ["10.0.0.0/8"]})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = call(
        &admin,
        &server,
        Method::PATCH,
        "/api/v1/tenant",
        Some(json!({"ip_allowlist": ["127.0.0.0/8", "10.0.0.0/8"]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = call(&admin, &server, Method::GET, "/api/v1/me", None).await;
    assert_eq!(status, StatusCode::OK);
    // Now the operator narrows the list to a network the test client is not in.
    let tenant = server.store.get_tenant_by_name("acme").await.unwrap();
    let update = sb_store::TenantUpdate {
        display_name: tenant.display_name.clone(),
        cluster: tenant.cluster.clone(),
        ip_allowlist: vec!["10.0.0.0/8".parse().unwrap()],
    };
    server.store.update_tenant(tenant.id, update).await.unwrap();
    let (status, body) = call(&admin, &server, Method::GET, "/api/v1/me", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "address_not_allowed");
    let fresh = client();
    let login = json!({"tenant": "acme", "username": "agent", "password": common::PASSWORD});
    let (status, _) = call(
        &fresh,
        &server,
        Method::POST,
        "/api/v1/auth/login",
        Some(login),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let audit = server.store.list_audit(tenant.id, 50, None).await.unwrap();
    let denied: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "allowlist.denied")
        .collect();
    assert_eq!(denied.len(), 2, "{audit:?}");
    assert_eq!(denied[0].ip.as_deref(), Some("127.0.0.1"));
}
