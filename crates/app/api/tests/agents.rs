//! Agent states over the API: an agent sets their own presence, supervisors see everyone's,
//! bad bodies are refused, tenants stay apart, and a node without the ACD answers 503.
#![allow(clippy::unwrap_used)]

mod common;

use common::{TestServer, call};
use reqwest::{Method, StatusCode};
use sb_types::Role;
use serde_json::{Value, json};

async fn put_state(
    client: &reqwest::Client,
    server: &TestServer,
    body: Value,
) -> (StatusCode, Value) {
    call(client, server, Method::PUT, "/api/v1/me/state", Some(body)).await
}

fn by_username<'a>(list: &'a Value, username: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == username)
        .unwrap_or_else(|| panic!("{username} not in {list}"))
}

#[tokio::test]
async fn an_agent_sets_their_own_state_and_a_supervisor_sees_every_agents_state() {
    let server = TestServer::start_with_acd().await;
    let acme = server.tenant("acme").await;
    let me = server.user(&acme, "1001", Role::Agent).await;
    server.user(&acme, "1002", Role::Agent).await;
    server.user(&acme, "super", Role::Supervisor).await;
    let agent = server.login("acme", "1001").await;

    let (status, body) = call(&agent, &server, Method::GET, "/api/v1/me/state", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["state"], "logged_out");
    assert_eq!(body["agent"], json!(me.id));

    let (status, body) = put_state(&agent, &server, json!({"state": "available"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["state"], "available");
    let (status, body) = put_state(
        &agent,
        &server,
        json!({"state": "unavailable", "reason": "lunch"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["state"], "unavailable");
    assert_eq!(body["reason"], "lunch");
    let (_, body) = call(&agent, &server, Method::GET, "/api/v1/me/state", None).await;
    assert_eq!(body["reason"], "lunch");

    let (status, _) = call(&agent, &server, Method::GET, "/api/v1/agents/states", None).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "an agent sees only their own state"
    );
    let supervisor = server.login("acme", "super").await;
    let (status, list) = call(
        &supervisor,
        &server,
        Method::GET,
        "/api/v1/agents/states",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list.as_array().unwrap().len(), 3, "{list}");
    assert_eq!(by_username(&list, "1001")["state"], "unavailable");
    assert_eq!(by_username(&list, "1001")["reason"], "lunch");
    assert_eq!(by_username(&list, "1002")["state"], "logged_out");

    // The log writer runs beside the ACD: wait for it.
    let mut states = Vec::new();
    for _ in 0..100 {
        let events = server.store.read_events(acme.id, 0, 100).await.unwrap();
        states = events
            .iter()
            .filter(|e| e.kind == "agent.state_changed" && e.subject == me.id.to_string())
            .map(|e| e.payload["state"]["state"].clone())
            .collect();
        if states.len() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(states, vec![json!("available"), json!("unavailable")]);
}

#[tokio::test]
async fn a_malformed_state_body_is_refused_with_400_naming_the_field() {
    let server = TestServer::start_with_acd().await;
    let acme = server.tenant("acme").await;
    server.user(&acme, "1001", Role::Agent).await;
    let agent = server.login("acme", "1001").await;
    let long = "x".repeat(65);
    for (body, field) in [
        (json!({"state": "napping"}), None),
        (json!({"state": "available", "colour": "red"}), None),
        (json!({}), None),
        (json!({"state": "unavailable"}), Some("reason")),
        (
            json!({"state": "unavailable", "reason": ""}),
            Some("reason"),
        ),
        (
            json!({"state": "unavailable", "reason": long}),
            Some("reason"),
        ),
        (
            json!({"state": "available", "reason": "lunch"}),
            Some("reason"),
        ),
    ] {
        let (status, value) = put_state(&agent, &server, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {value}");
        if let Some(field) = field {
            assert_eq!(value["error"]["field"], field, "{body}: {value}");
        }
    }
    let (_, body) = call(&agent, &server, Method::GET, "/api/v1/me/state", None).await;
    assert_eq!(body["state"], "logged_out", "nothing changed");
}

#[tokio::test]
async fn a_user_the_acd_does_not_route_has_no_state() {
    let server = TestServer::start_with_acd().await;
    let acme = server.tenant("acme").await;
    server.user(&acme, "admin", Role::Admin).await;
    let admin = server.login("acme", "admin").await;
    let (status, body) = put_state(&admin, &server, json!({"state": "available"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, list) = call(&admin, &server, Method::GET, "/api/v1/agents/states", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list, json!([]));
}

#[tokio::test]
async fn agent_states_stay_within_their_tenant() {
    let server = TestServer::start_with_acd().await;
    let alpha = server.tenant("alpha").await;
    let beta = server.tenant("beta").await;
    let alpha_agent = server.user(&alpha, "1001", Role::Agent).await;
    server.user(&beta, "1001", Role::Agent).await;
    server.user(&beta, "super", Role::Supervisor).await;
    let agent = server.login("alpha", "1001").await;
    let (status, _) = put_state(&agent, &server, json!({"state": "available"})).await;
    assert_eq!(status, StatusCode::OK);

    let supervisor = server.login("beta", "super").await;
    let (_, list) = call(
        &supervisor,
        &server,
        Method::GET,
        "/api/v1/agents/states",
        None,
    )
    .await;
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2, "{list:?}");
    assert!(list.iter().all(|a| a["agent"] != json!(alpha_agent.id)));
    assert!(list.iter().all(|a| a["state"] == "logged_out"), "{list:?}");
    let beta_agent = server.login("beta", "1001").await;
    let (_, body) = call(&beta_agent, &server, Method::GET, "/api/v1/me/state", None).await;
    assert_eq!(body["state"], "logged_out");
}

#[tokio::test]
async fn without_the_acd_the_agent_state_routes_answer_503() {
    let server = TestServer::start().await;
    let acme = server.tenant("acme").await;
    server.user(&acme, "1001", Role::Agent).await;
    server.user(&acme, "super", Role::Supervisor).await;
    let agent = server.login("acme", "1001").await;
    let (status, body) = put_state(&agent, &server, json!({"state": "available"})).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], "acd_unavailable");
    let (status, _) = call(&agent, &server, Method::GET, "/api/v1/me/state", None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let supervisor = server.login("acme", "super").await;
    let (status, _) = call(
        &supervisor,
        &server,
        Method::GET,
        "/api/v1/agents/states",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn an_admin_sets_the_tenants_reason_codes_and_agents_choose_among_them() {
    let server = TestServer::start_with_acd().await;
    let acme = server.tenant("acme").await;
    server.user(&acme, "1001", Role::Agent).await;
    server.user(&acme, "boss", Role::Admin).await;
    let agent = server.login("acme", "1001").await;
    let admin = server.login("acme", "boss").await;
    let settings = "/api/v1/tenant/settings";

    let (status, body) = call(&agent, &server, Method::GET, settings, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["reason_codes"],
        json!(["break", "lunch", "meeting", "training"])
    );
    let codes = json!({"reason_codes": ["coaching", "lunch"]});
    let (status, _) = call(&agent, &server, Method::PUT, settings, Some(codes.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "agents cannot change them");
    let (status, body) = call(&admin, &server, Method::PUT, settings, Some(codes)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for bad in [
        json!({"reason_codes": []}),
        json!({"reason_codes": ["Bad code"]}),
        json!({"reason_codes": ["missed"]}),
        json!({"reason_codes": ["a"], "x": 1}),
    ] {
        let (status, body) = call(&admin, &server, Method::PUT, settings, Some(bad.clone())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
    let (_, body) = call(&agent, &server, Method::GET, settings, None).await;
    assert_eq!(
        body["reason_codes"],
        json!(["coaching", "lunch"]),
        "bad documents changed nothing"
    );
    assert_eq!(body["record_calls"], false);
    let record = json!({"record_calls": true});
    let (status, body) = call(&admin, &server, Method::PUT, settings, Some(record)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["record_calls"], true);
    assert_eq!(
        body["reason_codes"],
        json!(["coaching", "lunch"]),
        "a setting left out keeps its value"
    );
    let bad = json!({"record_calls": "yes"});
    let (status, _) = call(&admin, &server, Method::PUT, settings, Some(bad)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (status, body) = put_state(
        &agent,
        &server,
        json!({"state": "unavailable", "reason": "break"}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "not one of the tenant's codes: {body}"
    );
    assert!(body.to_string().contains("coaching, lunch"), "{body}");
    let (status, body) = put_state(
        &agent,
        &server,
        json!({"state": "unavailable", "reason": "coaching"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["reason"], "coaching");
}

#[tokio::test]
async fn wrap_up_notes_cannot_land_on_a_call_the_agent_did_not_handle() {
    let server = TestServer::start_with_acd().await;
    let acme = server.tenant("acme").await;
    server.user(&acme, "1001", Role::Agent).await;
    let agent = server.login("acme", "1001").await;
    let body = json!({"call": "someone-elses-call", "notes": "overwritten"});
    let (status, body) = call(
        &agent,
        &server,
        Method::POST,
        "/api/v1/me/wrap-up",
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["field"], "call", "{body}");
    let (status, _) = call(
        &agent,
        &server,
        Method::POST,
        "/api/v1/me/wrap-up",
        Some(json!({"notes": "about no call in particular"})),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NO_CONTENT,
        "notes without a call are kept as before"
    );
}
