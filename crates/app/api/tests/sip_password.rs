//! An admin sets and clears a user's SIP password over the API.
#![allow(clippy::unwrap_used)]

mod common;

use common::{TestServer, call};
use reqwest::{Method, StatusCode};
use sb_types::Role;
use serde_json::json;

#[tokio::test]
async fn an_admin_sets_a_sip_password_stored_as_ha1_for_the_tenant_realm_and_clears_it() {
    let server = TestServer::start().await;
    let acme = server.tenant("acme").await;
    server.user(&acme, "admin", Role::Admin).await;
    let agent = server.user(&acme, "1001", Role::Agent).await;
    let admin = server.login("acme", "admin").await;
    let path = format!("/api/v1/users/{}/sip-password", agent.id);

    let (status, body) = call(
        &admin,
        &server,
        Method::PUT,
        &path,
        Some(json!({"password": "short"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _) = call(
        &admin,
        &server,
        Method::PUT,
        &path,
        Some(json!({"password": "phone-secret-1001"})),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let secret = server
        .store
        .sip_secret_by_username(acme.id, "1001")
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(secret.realm, "acme");
    assert_eq!(
        secret.ha1_md5,
        sb_sip_dialog::digest::ha1(
            sb_sip_dialog::digest::Algorithm::Md5,
            "1001",
            "acme",
            "phone-secret-1001"
        )
    );
    let (status, _) = call(&admin, &server, Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(
        server
            .store
            .sip_secret_by_username(acme.id, "1001")
            .await
            .unwrap()
            .is_none()
    );
    let missing = format!(
        "/api/v1/users/{}/sip-password",
        sb_types::UserId::from_u128(42)
    );
    let (status, _) = call(
        &admin,
        &server,
        Method::PUT,
        &missing,
        Some(json!({"password": "phone-secret-1001"})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
