//! Agents and their calls through the API and the CLI, for the tests that run calls: log in and
//! go Available, wait for a connected call, control it, set passwords, register a SIPp phone,
//! and read the event log afterwards.

use super::sipp::{sipp, sipp_errors};
use super::{Served, text};
use std::path::Path;
use std::time::Duration;

/// `(kind, payload)` of every event of `tenant` (read with the store, serve stopped).
pub fn events(data: &Path, tenant: &str) -> Vec<(String, serde_json::Value)> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        use sb_store::{EventLog, TenantRepo};
        let store = sb_store_sqlite::SqliteStore::open(data.join("switchboard.db"))
            .await
            .unwrap();
        let tenant = store.get_tenant_by_name(tenant).await.unwrap();
        let found = store.read_events(tenant.id, 0, 1000).await.unwrap();
        store.close().await;
        found.into_iter().map(|e| (e.kind, e.payload)).collect()
    })
}

pub const DEMO_PASSWORD: &str = "Demo-pass-2026!";

/// Logs in as `user` of `tenant` (password [`DEMO_PASSWORD`]) and asks for Available.
pub fn make_available_in(served: &Served, tenant: &str, user: &str) -> reqwest::blocking::Client {
    let http = login_in(served, tenant, user);
    let state = http
        .put(served.url("/api/v1/me/state"))
        .json(&serde_json::json!({ "state": "available" }))
        .send()
        .unwrap();
    assert!(
        state.status().is_success(),
        "state: {}",
        state.text().unwrap_or_default()
    );
    http
}

/// Logs in as admin `user` of `tenant` and turns on the recording of every call.
pub fn record_every_call(served: &Served, tenant: &str, user: &str) {
    let set = login_in(served, tenant, user)
        .put(served.url("/api/v1/tenant/settings"))
        .json(&serde_json::json!({ "record_calls": true }))
        .send()
        .unwrap();
    assert_eq!(set.status(), 200, "record_calls");
}

/// Logs in as `user` of `tenant` (password [`DEMO_PASSWORD`]); the client keeps the session.
pub fn login_in(served: &Served, tenant: &str, user: &str) -> reqwest::blocking::Client {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let http = reqwest::blocking::Client::builder()
        .danger_accept_invalid_certs(true)
        .cookie_store(true)
        .build()
        .unwrap();
    let login = http
        .post(served.url("/api/v1/auth/login"))
        .json(&serde_json::json!({ "tenant": tenant, "username": user, "password": DEMO_PASSWORD }))
        .send()
        .unwrap();
    assert!(
        login.status().is_success(),
        "login: {}",
        login.text().unwrap_or_default()
    );
    http
}

/// Waits until the agent's client sees a connected call; its id.
pub fn connected_call(served: &Served, http: &reqwest::blocking::Client) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while std::time::Instant::now() < deadline {
        let calls: serde_json::Value = http
            .get(served.url("/api/v1/me/calls"))
            .send()
            .unwrap()
            .json()
            .unwrap();
        let connected = calls
            .as_array()
            .and_then(|c| c.iter().find(|c| c["state"] == "connected"));
        if let Some(call) = connected {
            return call["id"].as_str().unwrap().to_owned();
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the agent never saw a connected call");
}

/// POSTs a call-control action; its status code.
pub fn control(served: &Served, http: &reqwest::blocking::Client, call: &str, action: &str) -> u16 {
    let url = served.url(&format!("/api/v1/calls/{call}/{action}"));
    http.post(url).send().unwrap().status().as_u16()
}

/// Sets a user's console and SIP passwords with the CLI.
pub fn passwords(data: &Path, tenant: &str, user: &str, password: &str) {
    for args in [
        &["reset-password", "--tenant", tenant, user][..],
        &["sip-password", "--tenant", tenant, user][..],
    ] {
        let out = super::cmd(data)
            .arg("admin")
            .args(args)
            .env("SWITCHBOARD_PASSWORD", password)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    }
}

/// Registers `user`'s phone (SIPp on `port`, which then exits and leaves the port to the
/// phone scenario).
pub fn register_phone(dir: &Path, target: &str, port: u16, user: &str, password: &str) {
    let ok = sipp(
        dir,
        "register.xml",
        port,
        &[
            "-s",
            user,
            "-key",
            "domain",
            "127.0.0.1",
            "-au",
            user,
            "-ap",
            password,
            target,
        ],
    )
    .status()
    .unwrap();
    assert!(ok.success(), "register {user}: {}", sipp_errors(dir));
}

/// A tenant document: agents `users` (user names), a voice queue `sales` with
/// `queue_settings` (YAML flow mapping content, e.g. `offer_timeout_secs: 10, wrap_up_secs: 0`),
/// a trunk `carrier` taking calls from 127.0.0.1 with `trunk_settings` added (same form, may be
/// empty), and the number `number` whose flow queues callers in `sales` for at most a minute.
pub fn sales_tenant(
    name: &str,
    users: &[&str],
    queue_settings: &str,
    trunk_settings: &str,
    number: &str,
) -> String {
    let agents: String = users
        .iter()
        .map(|u| format!("  - {{ username: \"{u}\", display_name: Agent {u}, role: agent }}\n"))
        .collect();
    let trunk = match trunk_settings {
        "" => String::new(),
        more => format!(", {more}"),
    };
    format!(
        "version: 1\ntenant: {{ name: {name}, display_name: {name}, cluster: C1, ip_allowlist: [] }}\n\
         users:\n{agents}\
         queues:\n  - {{ name: sales, channel: voice, settings: {{ {queue_settings} }} }}\n\
         trunks:\n  - name: carrier\n    settings: {{ inbound_sources: [\"127.0.0.1/32\"]{trunk} }}\n\
         points_of_contact:\n  - {{ kind: phone, address: \"{number}\", flow: sales }}\n\
         flows:\n  - name: sales\n    publish: true\n    document:\n      version: 1\n      \
         name: Sales\n      start: queue\n      blocks:\n        - id: queue\n          \
         type: enqueue\n          params: {{ queue: sales, max_wait_secs: 60 }}\n          \
         transitions: {{ timeout: done, break_out: done }}\n        - id: done\n          \
         type: end\n"
    )
}

/// [`sales_tenant`] whose trunk also places calls, to SIPp as the carrier on `carrier_port`
/// (`carrier_uas.xml` through [`super::sipp::spawn_carrier`]: digest `trunkuser` /
/// `trunk-secret`, caller ID +15550100, UK numbering), without OPTIONS pings (a ping would
/// reach a carrier scenario waiting for its INVITE).
pub fn sales_tenant_with_trunk(
    name: &str,
    users: &[&str],
    queue_settings: &str,
    carrier_port: u16,
    number: &str,
) -> String {
    let trunk = format!(
        "options_ping: false, outbound_proxy: \"sip:127.0.0.1:{carrier_port}\", \
         country_code: \"44\", national_prefix: \"0\", caller_id: \"+15550100\", \
         auth: {{ username: trunkuser, password: trunk-secret }}"
    );
    sales_tenant(name, users, queue_settings, &trunk, number)
}

/// The first event `kind` of `call` in `events`.
pub fn event_of(
    events: &[(String, serde_json::Value)],
    kind: &str,
    call: &str,
) -> serde_json::Value {
    events
        .iter()
        .find(|(k, v)| k == kind && v["call"] == call)
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| panic!("{kind} of {call} in {events:?}"))
}

/// Checks a transferred call's end: the caller hung up; caller, agent 1 and agent 2 (`second`)
/// legs, and agent 2's phone received a second of the caller's audio or more (and echoed it
/// back).
pub fn assert_three_legs(events: &[(String, serde_json::Value)], second: &str) {
    let ended = &events.iter().find(|(k, _)| k == "call.ended").unwrap().1;
    assert_eq!(ended["reason"], "caller_hangup", "{ended}");
    let legs = ended["legs"].as_array().unwrap();
    assert_eq!(legs.len(), 3, "caller, agent 1, agent 2: {ended}");
    assert_eq!(legs[2]["to"], second, "{ended}");
    for leg in [&legs[0], &legs[2]] {
        let received = leg["packets_received"].as_u64().unwrap_or(0);
        assert!(received >= 50, "a second of audio or more: {ended}");
    }
}

/// Imports the tenant document `doc` (written in `dir`) into the data directory `data`.
pub fn import(dir: &Path, data: &Path, doc: &str) {
    let file = dir.join("tenant.yaml");
    std::fs::write(&file, doc).unwrap();
    let out = super::run(data, &["import", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

/// `serve` for SIP tests: phones may answer MD5 or SHA-256 digests, media on loopback.
pub fn serve(data: &Path) -> Served {
    serve_with(data, &[])
}

/// [`serve`] with more environment variables.
pub fn serve_with(data: &Path, env: &[(&str, &str)]) -> Served {
    let mut all = vec![
        ("SWITCHBOARD_SIP_DIGEST_ALGORITHMS", "MD5,SHA-256"),
        ("SWITCHBOARD_MEDIA_BIND_IP", "127.0.0.1"),
    ];
    all.extend_from_slice(env);
    Served::start(data, &[], &all)
}
