//! The agent console's WebSocket (`GET /api/v1/me/console`): a snapshot on connect and on
//! every change of the agent's state, pings, and the end of the connection at logout.
#![allow(clippy::unwrap_used)]

mod common;

use common::{PASSWORD, TestServer};
use futures::{SinkExt, StreamExt};
use reqwest::header::{COOKIE, SET_COOKIE};
use sb_types::Role;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

type Socket = tokio_tungstenite::WebSocketStream<TcpStream>;

/// Logs in over plain HTTP; the `sb_session=…` cookie pair.
async fn login(server: &TestServer, http: &reqwest::Client) -> String {
    let url = format!("http://{}/api/v1/auth/login", server.addr);
    let body = json!({ "tenant": "acme", "username": "1001", "password": PASSWORD });
    let res = http.post(url).json(&body).send().await.unwrap();
    assert!(res.status().is_success());
    let cookie = res.headers().get(SET_COOKIE).unwrap().to_str().unwrap();
    cookie.split(';').next().unwrap().to_owned()
}

async fn connect(server: &TestServer, cookie: &str) -> Socket {
    let url = format!("ws://{}/api/v1/me/console", server.addr);
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert(COOKIE, cookie.parse().unwrap());
    let tcp = TcpStream::connect(server.addr).await.unwrap();
    let (socket, _) = tokio_tungstenite::client_async(request, tcp).await.unwrap();
    socket
}

/// The next message of `kind`, skipping others; `None` when the socket closes first.
async fn next_of(socket: &mut Socket, kind: &str) -> Option<Value> {
    let wait = Duration::from_secs(20);
    loop {
        let message = tokio::time::timeout(wait, socket.next()).await.unwrap()?;
        if let Ok(Message::Text(text)) = message {
            let value: Value = serde_json::from_str(&text).unwrap();
            if value["type"] == kind {
                return Some(value);
            }
        } else {
            return None;
        }
    }
}

#[tokio::test]
async fn the_console_gets_a_snapshot_on_each_change_and_is_closed_at_logout() {
    let server = TestServer::start_plain_with_acd().await;
    let acme = server.tenant("acme").await;
    server.user(&acme, "1001", Role::Agent).await;
    // A queue without skill requirements: every agent serves it.
    let spec = sb_store::QueueSpec {
        name: "support".into(),
        channel: sb_types::Channel::Voice,
        settings: json!({}),
    };
    server.store.create_queue(acme.id, spec).await.unwrap();
    let http = reqwest::Client::new();
    let cookie = login(&server, &http).await;
    let mut socket = connect(&server, &cookie).await;

    let first = next_of(&mut socket, "snapshot").await.unwrap();
    assert_eq!(first["agent"]["username"], "1001", "{first}");
    assert!(
        first["reason_codes"]
            .as_array()
            .is_some_and(|r| !r.is_empty())
    );
    let state_url = format!("http://{}/api/v1/me/state", server.addr);
    let res = http
        .put(&state_url)
        .header(COOKIE, &cookie)
        .json(&json!({ "state": "available" }))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    let changed = next_of(&mut socket, "snapshot").await.unwrap();
    assert_eq!(changed["agent"]["state"], "available", "{changed}");
    assert_eq!(changed["queues"][0]["staffed"], 1, "{changed}");
    assert!(next_of(&mut socket, "ping").await.is_some());

    let logout = format!("http://{}/api/v1/auth/logout", server.addr);
    let res = http
        .post(logout)
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    let closed = loop {
        match tokio::time::timeout(Duration::from_secs(20), socket.next()).await {
            Ok(Some(Ok(Message::Close(frame)))) => break frame,
            Ok(Some(Ok(_))) => continue,
            other => panic!("the console socket was not closed: {other:?}"),
        }
    };
    assert_eq!(closed.map(|f| f.code), Some(CloseCode::Policy));
}

#[tokio::test]
async fn call_commands_over_the_console_socket_answer_like_the_rest_routes() {
    let server = TestServer::start_plain_with_acd().await;
    let acme = server.tenant("acme").await;
    server.user(&acme, "1001", Role::Agent).await;
    let http = reqwest::Client::new();
    let cookie = login(&server, &http).await;
    let mut socket = connect(&server, &cookie).await;
    next_of(&mut socket, "snapshot").await.unwrap();
    let cases = [
        (json!({"action": "hold", "call": "nope"}), 404),
        (
            json!({"action": "dtmf", "call": "nope", "digits": "12"}),
            404,
        ),
        (
            json!({"action": "dtmf", "call": "nope", "digits": "x"}),
            400,
        ),
        (json!({"action": "fly", "call": "nope"}), 400),
        (json!({"action": "hold"}), 400),
        (
            json!({"action": "transfer", "call": "nope", "to": {}, "mode": "blind"}),
            400,
        ),
        (
            json!({"action": "transfer", "call": "nope", "to": {"queue": "q"}, "mode": "consult"}),
            404,
        ),
    ];
    for (i, (mut command, status)) in cases.into_iter().enumerate() {
        command["type"] = json!("command");
        command["id"] = json!(i);
        let text = command.to_string();
        socket.send(Message::Text(text.into())).await.unwrap();
        let result = next_of(&mut socket, "result").await.unwrap();
        assert_eq!(result["id"], i, "{result}");
        assert_eq!(result["ok"], false, "{command}: {result}");
        assert_eq!(result["status"], status, "{command}: {result}");
    }
}
