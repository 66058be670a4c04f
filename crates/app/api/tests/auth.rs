//! Logins, cookies, lock-out, rate limiting, tokens, bad input, health and metrics.
#![allow(clippy::unwrap_used)]

mod common;

use common::{PASSWORD, TestServer, call, client, settings};
use reqwest::{Method, StatusCode};
use sb_types::Role;
use serde_json::json;

fn login_body(user: &str, password: &str) -> serde_json::Value {
    json!({ "tenant": "acme", "username": user, "password": password })
}

#[tokio::test]
async fn login_sets_a_secure_httponly_strict_cookie_and_logout_ends_the_session() {
    let server = TestServer::start().await;
    let tenant = server.tenant("acme").await;
    server.user(&tenant, "1001", Role::Agent).await;
    let c = client();
    let res = c
        .post(server.url("/api/v1/auth/login"))
        .json(&login_body("1001", PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    for attr in [
        "sb_session=",
        "HttpOnly",
        "Secure",
        "SameSite=Strict",
        "Path=/",
    ] {
        assert!(cookie.contains(attr), "{cookie}");
    }
    let me: serde_json::Value = res.json().await.unwrap();
    assert_eq!(me["user"]["username"], "1001");
    assert!(me["user"].get("password_hash").is_none());
    let (status, me) = call(&c, &server, Method::GET, "/api/v1/me", None).await;
    assert_eq!(
        (status, me["tenant"].clone()),
        (StatusCode::OK, json!("acme"))
    );
    let (status, _) = call(&c, &server, Method::POST, "/api/v1/auth/logout", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(&c, &server, Method::GET, "/api/v1/me", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn unknown_tenant_unknown_user_and_wrong_password_look_the_same() {
    let server = TestServer::start().await;
    let tenant = server.tenant("acme").await;
    server.user(&tenant, "1001", Role::Agent).await;
    let c = client();
    let mut bodies = Vec::new();
    for body in [
        json!({"tenant": "nope", "username": "1001", "password": PASSWORD}),
        login_body("nobody", PASSWORD),
        login_body("1001", "wrong password"),
    ] {
        let (status, value) =
            call(&c, &server, Method::POST, "/api/v1/auth/login", Some(body)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        bodies.push(value);
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "{bodies:?}");
}

#[tokio::test]
async fn repeated_failures_lock_the_account_until_an_admin_resets_it() {
    let server = TestServer::start().await;
    let tenant = server.tenant("acme").await;
    server.user(&tenant, "admin", Role::Admin).await;
    let agent = server.user(&tenant, "1001", Role::Agent).await;
    let c = client();
    for _ in 0..2 {
        let (status, _) = call(
            &c,
            &server,
            Method::POST,
            "/api/v1/auth/login",
            Some(login_body("1001", "bad password")),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, body) = call(
        &c,
        &server,
        Method::POST,
        "/api/v1/auth/login",
        Some(login_body("1001", "bad password")),
    )
    .await;
    assert_eq!(status, StatusCode::LOCKED, "third failure locks: {body}");
    let (status, _) = call(
        &c,
        &server,
        Method::POST,
        "/api/v1/auth/login",
        Some(login_body("1001", PASSWORD)),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::LOCKED,
        "even the right password is refused while locked"
    );
    let audit = server.store.list_audit(tenant.id, 10, None).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "user.locked"));
    let admin = server.login("acme", "admin").await;
    let path = format!("/api/v1/users/{}/password", agent.id);
    let (status, _) = call(
        &admin,
        &server,
        Method::PUT,
        &path,
        Some(json!({"password": "a fresh password"})),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(
        &c,
        &server,
        Method::POST,
        "/api/v1/auth/login",
        Some(login_body("1001", "a fresh password")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn login_attempts_are_rate_limited_per_address() {
    let mut s = settings();
    s.login_attempts_per_minute = 3;
    let server = TestServer::start_with(s).await;
    server.tenant("acme").await;
    let c = client();
    for _ in 0..3 {
        let (status, _) = call(
            &c,
            &server,
            Method::POST,
            "/api/v1/auth/login",
            Some(login_body("x", "y")),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let res = c
        .post(server.url("/api/v1/auth/login"))
        .json(&login_body("x", "y"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn bearer_tokens_authenticate_until_revoked() {
    let server = TestServer::start().await;
    let tenant = server.tenant("acme").await;
    server.user(&tenant, "admin", Role::Admin).await;
    let admin = server.login("acme", "admin").await;
    let (status, issued) = call(
        &admin,
        &server,
        Method::POST,
        "/api/v1/tokens",
        Some(json!({"name": "crm sync"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let secret = issued["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("sbt_"));
    let bearer = client();
    let get_me = || {
        bearer
            .get(server.url("/api/v1/me"))
            .bearer_auth(&secret)
            .send()
    };
    assert_eq!(get_me().await.unwrap().status(), StatusCode::OK);
    let (status, _) = call(
        &admin,
        &server,
        Method::DELETE,
        &format!("/api/v1/tokens/{}", issued["id"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(get_me().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let wrong = bearer
        .get(server.url("/api/v1/me"))
        .bearer_auth("sbt_forged")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn malformed_bodies_get_400_naming_the_field_and_change_nothing() {
    let server = TestServer::start().await;
    let tenant = server.tenant("acme").await;
    server.user(&tenant, "admin", Role::Admin).await;
    let admin = server.login("acme", "admin").await;
    let before = server.store.list_users(tenant.id).await.unwrap().len();
    let cases = [
        (json!({"username": "x1", "role": "emperor"}), "role"),
        (json!({"username": "x2"}), "role"),
        (
            json!({"username": "x3", "role": "agent", "password": "short"}),
            "password",
        ),
        (
            json!({"username": "bad name!", "role": "agent"}),
            "username",
        ),
        (
            json!({"username": "x4", "role": "agent", "colour": "red"}),
            "colour",
        ),
    ];
    for (body, field) in cases {
        let (status, value) = call(
            &admin,
            &server,
            Method::POST,
            "/api/v1/users",
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {value}");
        assert!(
            value.to_string().contains(field),
            "{body}: {value} does not name {field}"
        );
    }
    let res = admin
        .post(server.url("/api/v1/users"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        server.store.list_users(tenant.id).await.unwrap().len(),
        before
    );
}

#[tokio::test]
async fn configuration_changes_are_audited_with_who_and_where() {
    let server = TestServer::start().await;
    let tenant = server.tenant("acme").await;
    server.user(&tenant, "admin", Role::Admin).await;
    let admin = server.login("acme", "admin").await;
    let (status, _) = call(
        &admin,
        &server,
        Method::POST,
        "/api/v1/skills",
        Some(json!({"name": "billing"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, entries) = call(&admin, &server, Method::GET, "/api/v1/audit", None).await;
    assert_eq!(status, StatusCode::OK);
    let entry = entries
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "skill.create")
        .unwrap();
    assert_eq!(entry["actor"], "user:admin");
    assert_eq!(entry["ip"], "127.0.0.1");
    assert!(entry["at"].as_i64().unwrap() > 0);
}

#[tokio::test]
async fn health_readiness_metrics_and_openapi_are_served() {
    let server = TestServer::start().await;
    let c = client();
    for (path, needle) in [
        ("/healthz", "ok"),
        ("/readyz", "ready"),
        ("/api/v1/openapi.json", "\"openapi\""),
    ] {
        let res = c.get(server.url(path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert!(res.text().await.unwrap().contains(needle), "{path}");
    }
    // A login attempt makes the login counter appear.
    let _ = call(
        &c,
        &server,
        Method::POST,
        "/api/v1/auth/login",
        Some(login_body("x", "y")),
    )
    .await;
    let metrics = c
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("switchboard_logins_total"), "{metrics}");
    let (status, _) = call(&c, &server, Method::GET, "/api/v1/nothing-here", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
