//! Canned responses over HTTP: admins write them, every user lists them, whoever may reply to a
//! conversation has one filled in for it.
#![allow(clippy::unwrap_used)]

mod common;

use common::{TestServer, call};
use reqwest::{Client, Method, StatusCode};
use sb_store::{
    CannedResponseSpec, Conversation, InboundEmail, MessageDirection, NewConversationMessage,
    QueueSpec, Tenant,
};
use sb_types::{Channel, Role, Timestamp, UserId};
use serde_json::{Value, json};

const GREETING: &str = "/api/v1/email/canned-responses/greeting";
const LIST: &str = "/api/v1/email/canned-responses";

/// A tenant `acme` with an admin, a supervisor and two agents, each logged in.
struct Desk {
    server: TestServer,
    tenant: Tenant,
    agent_id: UserId,
    admin: Client,
    supervisor: Client,
    agent: Client,
    other_agent: Client,
}

async fn desk() -> Desk {
    let server = TestServer::start().await;
    let tenant = server.tenant("acme").await;
    server.user(&tenant, "admin", Role::Admin).await;
    server.user(&tenant, "super", Role::Supervisor).await;
    let agent = server.user(&tenant, "sam", Role::Agent).await;
    server.user(&tenant, "kim", Role::Agent).await;
    Desk {
        admin: server.login("acme", "admin").await,
        supervisor: server.login("acme", "super").await,
        agent: server.login("acme", "sam").await,
        other_agent: server.login("acme", "kim").await,
        agent_id: agent.id,
        tenant,
        server,
    }
}

impl Desk {
    async fn call(
        &self,
        who: &Client,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        call(who, &self.server, method, path, body).await
    }

    /// A conversation with Jane Doe about "Order 1234", routed to the email queue `billing`,
    /// last handled by `agent`.
    async fn conversation(&self, agent: Option<UserId>) -> Conversation {
        let (store, t) = (&self.server.store, self.tenant.id);
        let at = Timestamp::from_secs(10);
        let channel = store
            .create_channel_config(t, Channel::Email, "support", json!({}))
            .await
            .unwrap();
        let stored = store
            .store_inbound_emails(t, channel.id, &[email()], &json!({}), at)
            .await
            .unwrap();
        let id = stored[0].conversation_id;
        let spec = QueueSpec {
            name: "billing".into(),
            channel: Channel::Email,
            settings: json!({}),
        };
        let queue = store.create_queue(t, spec).await.unwrap();
        store
            .set_conversation_queue(t, id, Some(queue.id), at)
            .await
            .unwrap();
        store
            .set_conversation_agent(t, id, agent, at)
            .await
            .unwrap()
    }
}

fn email() -> InboundEmail {
    InboundEmail {
        message: NewConversationMessage {
            direction: MessageDirection::Inbound,
            mailbox_key: Some("imap:1:1".into()),
            message_id: Some("order-1234@mail.example".into()),
            sender: "jane@example.com".into(),
            recipients: vec!["support@acme.example".into()],
            subject: "Order 1234".into(),
            body_text: "Where is my order?".into(),
            raw_file: None,
            attachments: json!([]),
            too_large: false,
            malformed: false,
            author: None,
            created_at: Timestamp::from_secs(10),
        },
        thread_refs: Vec::new(),
        token: None,
        customer: "jane@example.com".into(),
        customer_name: "Jane Doe".into(),
        subject: "Order 1234".into(),
    }
}

fn render_path(c: &Conversation, name: &str) -> String {
    format!(
        "/api/v1/conversations/{}/canned-responses/{name}/render",
        c.id.as_uuid()
    )
}

#[tokio::test]
async fn an_admin_creates_replaces_and_deletes_canned_responses_that_agents_list() {
    let d = desk().await;
    let body = json!({"subject": "Re: {{ subject }}", "body": "Dear {{ customer_name }},\n"});
    let (status, created) = d.call(&d.admin, Method::PUT, GREETING, Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{created}");
    assert_eq!(
        (&created["name"], &created["subject"], &created["body"]),
        (
            &json!("greeting"),
            &json!("Re: {{ subject }}"),
            &json!("Dear {{ customer_name }},\n")
        )
    );
    let refund = json!({"body": "Your refund is on its way."});
    let path = "/api/v1/email/canned-responses/refund";
    assert_eq!(
        d.call(&d.admin, Method::PUT, path, Some(refund)).await.0,
        StatusCode::OK
    );
    let replaced = json!({"subject": "", "body": "Hello {{ customer }}"});
    let (status, put) = d
        .call(&d.admin, Method::PUT, GREETING, Some(replaced))
        .await;
    assert_eq!(
        (status, &put["subject"]),
        (StatusCode::OK, &Value::Null),
        "{put}"
    );

    let (status, list) = d.call(&d.agent, Method::GET, LIST, None).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let names: Vec<&Value> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["name"])
        .collect();
    assert_eq!(names, [&json!("greeting"), &json!("refund")]);
    assert_eq!(list[0]["body"], "Hello {{ customer }}");

    assert_eq!(
        d.call(&d.admin, Method::DELETE, GREETING, None).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        d.call(&d.admin, Method::DELETE, GREETING, None).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, list) = d.call(&d.supervisor, Method::GET, LIST, None).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let audit = d
        .server
        .store
        .list_audit(d.tenant.id, 10, None)
        .await
        .unwrap();
    let actions: Vec<(&str, &str)> = audit
        .iter()
        .map(|e| (e.action.as_str(), e.target.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("canned_response.delete", "canned_response:greeting"),
            ("canned_response.put", "canned_response:greeting"),
            ("canned_response.put", "canned_response:refund"),
            ("canned_response.put", "canned_response:greeting"),
        ]
    );
}

#[tokio::test]
async fn agents_and_supervisors_may_not_write_canned_responses() {
    let d = desk().await;
    let body = json!({"body": "Hello"});
    for who in [&d.agent, &d.supervisor] {
        let (status, _) = d.call(who, Method::PUT, GREETING, Some(body.clone())).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    assert_eq!(
        d.call(&d.admin, Method::PUT, GREETING, Some(body)).await.0,
        StatusCode::OK
    );
    let (status, _) = d.call(&d.agent, Method::DELETE, GREETING, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let kept = d
        .server
        .store
        .list_canned_responses(d.tenant.id)
        .await
        .unwrap();
    assert_eq!(kept.len(), 1);
}

#[tokio::test]
async fn bad_names_and_templates_are_refused_naming_the_field() {
    let d = desk().await;
    let cases = [
        ("Bad%20Name", json!({"body": "Hi"}), "name"),
        ("Greeting", json!({"body": "Hi"}), "name"),
        (
            "greeting",
            json!({"subject": "Hi\r\nBcc: x@evil.example", "body": "Hi"}),
            "subject",
        ),
        (
            "greeting",
            json!({"subject": "{{ nope }}", "body": "Hi"}),
            "subject",
        ),
        ("greeting", json!({"body": "Hi {{ agnet_name }}"}), "body"),
        (
            "greeting",
            json!({"body": "{% for i in range(100000000) %}x{% endfor %}"}),
            "body",
        ),
        ("greeting", json!({"body": "Hi {{ customer "}), "body"),
        ("greeting", json!({"body": " "}), "body"),
    ];
    for (name, body, field) in cases {
        let path = format!("{LIST}/{name}");
        let (status, error) = d
            .call(&d.admin, Method::PUT, &path, Some(body.clone()))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name} {body}: {error}");
        assert_eq!(error["error"]["field"], field, "{name} {body}: {error}");
    }
    let (status, _) = d
        .call(&d.admin, Method::PUT, GREETING, Some(json!({"text": "Hi"})))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let stored = d
        .server
        .store
        .list_canned_responses(d.tenant.id)
        .await
        .unwrap();
    assert!(stored.is_empty(), "nothing stored: {stored:?}");
}

#[tokio::test]
async fn rendering_fills_in_the_conversation_the_queue_and_the_agent() {
    let d = desk().await;
    let c = d.conversation(Some(d.agent_id)).await;
    let body = json!({
        "subject": "Re: {{ subject }} [{{ token }}]",
        "body": "Dear {{ customer_name }} <{{ customer }}>,\n{{ queue | title }} here.\n{{ agent_name }}",
    });
    assert_eq!(
        d.call(&d.admin, Method::PUT, GREETING, Some(body)).await.0,
        StatusCode::OK
    );
    let (status, filled) = d
        .call(&d.agent, Method::POST, &render_path(&c, "greeting"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{filled}");
    assert_eq!(
        filled,
        json!({
            "subject": format!("Re: Order 1234 [{}]", c.token),
            "body": "Dear Jane Doe <jane@example.com>,\nBilling here.\nsam",
        })
    );
    let (status, filled) = d
        .call(
            &d.supervisor,
            Method::POST,
            &render_path(&c, "greeting"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{filled}");
    assert!(
        filled["body"].as_str().unwrap().ends_with("\nsuper"),
        "{filled}"
    );
}

#[tokio::test]
async fn rendering_needs_the_conversation_and_the_response() {
    let d = desk().await;
    let c = d.conversation(Some(d.agent_id)).await;
    let put = Some(json!({"body": "Hello"}));
    assert_eq!(
        d.call(&d.admin, Method::PUT, GREETING, put).await.0,
        StatusCode::OK
    );
    let (status, error) = d
        .call(&d.agent, Method::POST, &render_path(&c, "missing"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{error}");
    let (status, _) = d
        .call(&d.agent, Method::POST, &render_path(&c, "Bad%20Name"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, error) = d
        .call(
            &d.other_agent,
            Method::POST,
            &render_path(&c, "greeting"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not theirs: {error}");
    // A response that reached the store without the API's check (an import) fails with its name.
    let broken = CannedResponseSpec {
        name: "broken".into(),
        subject: None,
        body: "{% for i in range(100000000) %}x{% endfor %}".into(),
    };
    let at = Timestamp::from_secs(20);
    d.server
        .store
        .upsert_canned_response(d.tenant.id, broken, at)
        .await
        .unwrap();
    let (status, error) = d
        .call(&d.agent, Method::POST, &render_path(&c, "broken"), None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");
    let message = error["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("\"broken\"") && message.contains("body"),
        "{message}"
    );
}
