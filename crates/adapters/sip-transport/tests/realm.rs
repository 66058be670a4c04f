//! Per-tenant realms over a real UDP socket: the same user name with different passwords in
//! two tenant domains, each accepted only in its own realm; an IP-literal host uses the
//! default realm.

mod common;

use std::sync::Arc;

use sb_sip::HeaderName;
use sb_sip_dialog::digest::{Challenge, DigestClient};
use sb_sip_dialog::registrar::RegistrarEvent;
use sb_sip_transport::{RecordingSink, SipDeps, SipServer, StaticCredentials, realm_of_host};
use tokio_util::sync::CancellationToken;

fn register_raw(client: &common::Client, host: &str, tag: &str, cseq: u32, auth: &str) -> String {
    format!(
        "REGISTER sip:{host} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{tag}{cseq}\r\n\
         Max-Forwards: 70\r\nFrom: <sip:1001@{host}>;tag={tag}\r\nTo: <sip:1001@{host}>\r\n\
         Call-ID: {tag}\r\nCSeq: {cseq} REGISTER\r\nContact: <sip:1001@127.0.0.1:{port}>\r\n\
         Expires: 300\r\n{auth}Content-Length: 0\r\n\r\n",
        port = client.port()
    )
}

/// REGISTER to `host`, answer the challenge with `password`: the challenge's realm and the
/// final status.
fn register(client: &common::Client, host: &str, tag: &str, password: &str) -> (String, u16) {
    let first = client
        .exchange(&register_raw(client, host, tag, 1, ""), tag)
        .expect("a challenge");
    let value = first
        .headers()
        .get(HeaderName::WwwAuthenticate)
        .expect("WWW-Authenticate");
    let challenge = Challenge::parse(value).expect("parses");
    let creds = DigestClient::new("1001", password)
        .authorize(&challenge, "REGISTER", &format!("sip:{host}"), "c0ffee")
        .expect("authorize");
    let raw = register_raw(client, host, tag, 2, &format!("Authorization: {creds}\r\n"));
    let last = client.exchange(&raw, tag).expect("a final answer");
    (challenge.realm, last.status().as_u16())
}

#[tokio::test]
async fn two_tenants_with_the_same_user_name_authenticate_only_in_their_own_realm() {
    let mut config = common::config();
    config.realm_per_domain = true;
    config.ban.max_failures = 100;
    let credentials = StaticCredentials::new()
        .with_password("acme", "1001", "acme-secret")
        .with_password("beta", "1001", "beta-secret")
        .with_password(common::REALM, "1001", "default-secret");
    let sink = Arc::new(RecordingSink::default());
    let deps = SipDeps {
        credentials: Arc::new(credentials),
        bindings: sink.clone(),
        restore: Vec::new(),
        handler: None,
    };
    let cancel = CancellationToken::new();
    let server = SipServer::start(config, deps, cancel.clone())
        .await
        .expect("server starts");
    let addr = server.local_addr();

    let results = tokio::task::spawn_blocking(move || {
        let client = common::Client::new(addr);
        vec![
            register(&client, "acme.pbx.example.com", "r1", "acme-secret"),
            register(&client, "beta.pbx.example.com", "r2", "beta-secret"),
            register(&client, "acme.pbx.example.com", "r3", "beta-secret"),
            register(&client, "beta.pbx.example.com", "r4", "acme-secret"),
            register(&client, "127.0.0.1", "r5", "default-secret"),
            register(&client, "127.0.0.1", "r6", "acme-secret"),
        ]
    })
    .await
    .expect("client");
    let expected = [
        ("acme", 200),
        ("beta", 200),
        ("acme", 401),
        ("beta", 401),
        (common::REALM, 200),
        (common::REALM, 401),
    ];
    let got: Vec<(&str, u16)> = results.iter().map(|(r, s)| (r.as_str(), *s)).collect();
    assert_eq!(got, expected);

    let bound: Vec<String> = sink
        .events()
        .into_iter()
        .filter_map(|e| match e {
            RegistrarEvent::Bound(b) => Some(b.aor),
            _ => None,
        })
        .collect();
    assert_eq!(bound.len(), 3, "{bound:?}");
    for (aor, realm) in bound.iter().zip(["acme", "beta", common::REALM]) {
        let host = aor.rsplit('@').next().expect("host");
        assert_eq!(realm_of_host(host, common::REALM), realm, "{aor}");
    }
    cancel.cancel();
    server.wait().await.expect("stops");
}
