//! `switchboard serve` speaks SIP: demo phones register with digest auth (SIPp with MD5, a Rust
//! client with SHA-256), bindings are kept in the database across a restart, a SIP password set
//! with `admin sip-password` works, and another tenant's user cannot register in the demo realm.
#![allow(clippy::unwrap_used)]

mod common;

use common::sipp::{sipp, sipp_errors};
use common::{Served, data_dir, free_port, run, sip_addr, sipp_available, text};
use sb_sip::{HeaderName, Message, Response};
use sb_sip_dialog::digest::{Challenge, DigestClient};
use std::net::{SocketAddr, UdpSocket};
use std::path::Path;
use std::time::Duration;

const PASSWORD: &str = "Demo-pass-2026!";

/// SIPp registers `user` with `password` (MD5) to `target`, To host `domain`; true on 200.
fn sipp_register(target: SocketAddr, user: &str, password: &str, domain: &str) -> bool {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "-s", user, "-key", "domain", domain, "-au", user, "-ap", password,
    ];
    let target = target.to_string();
    let out = sipp(dir.path(), "register.xml", free_port(), &args)
        .arg(&target)
        .output()
        .unwrap();
    if !out.status.success() {
        eprintln!("{}", sipp_errors(dir.path()));
    }
    out.status.success()
}

fn serve_demo(data: &Path) -> Served {
    Served::start(
        data,
        &["--demo"],
        &[
            ("SWITCHBOARD_DEMO_PASSWORD", PASSWORD),
            ("SWITCHBOARD_SIP_DIGEST_ALGORITHMS", "MD5,SHA-256"),
        ],
    )
}

fn stop(mut served: Served) {
    served.signal("-TERM");
    assert!(
        served.wait(Duration::from_secs(20)).is_some(),
        "serve stops"
    );
}

/// The demo tenant's bindings of `aor` in the database (read with the store, serve stopped).
fn stored_bindings(data: &Path, aor: &str) -> Vec<sb_store::Binding> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        use sb_store::{BindingRepo, TenantRepo};
        let store = sb_store_sqlite::SqliteStore::open(data.join("switchboard.db"))
            .await
            .unwrap();
        let demo = store.get_tenant_by_name("demo").await.unwrap();
        let found = store
            .list_live_bindings(demo.id, aor, sb_api::now())
            .await
            .unwrap();
        store.close().await;
        found
    })
}

#[test]
fn a_demo_phone_registers_with_sipp_and_its_binding_survives_a_restart() {
    if !sipp_available() {
        return;
    }
    let (_keep, data) = data_dir();
    let served = serve_demo(&data);
    let sip = sip_addr(&served);
    assert!(
        sipp_register(sip, "1001", PASSWORD, "127.0.0.1"),
        "1001 registers to the IP address (default tenant demo)"
    );
    assert!(
        sipp_register(sip, "1002", PASSWORD, "demo.switchboard.test"),
        "1002 registers to the tenant's domain"
    );
    assert!(
        !sipp_register(sip, "1003", "wrong-password-1", "127.0.0.1"),
        "a wrong password is refused"
    );
    stop(served);
    let kept = stored_bindings(&data, "sip:1001@127.0.0.1");
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(kept[0].source.starts_with("udp:127.0.0.1:"), "{kept:?}");
    assert_eq!(
        stored_bindings(&data, "sip:1002@demo.switchboard.test").len(),
        1
    );
    // A restart reloads and keeps them (a purge would only drop expired ones).
    let served = serve_demo(&data);
    stop(served);
    assert_eq!(stored_bindings(&data, "sip:1001@127.0.0.1").len(), 1);
}

/// A REGISTER over UDP answered with `DigestClient` (which picks the first challenge): the
/// final status.
fn register(sip: SocketAddr, user: &str, domain: &str, password: &str) -> u16 {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let port = socket.local_addr().unwrap().port();
    let raw = |cseq: u32, auth: &str| {
        format!(
            "REGISTER sip:{domain} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{user}{cseq}\r\n\
             Max-Forwards: 70\r\nFrom: <sip:{user}@{domain}>;tag=t{user}\r\nTo: <sip:{user}@{domain}>\r\n\
             Call-ID: reg-{user}-{port}\r\nCSeq: {cseq} REGISTER\r\nContact: <sip:{user}@127.0.0.1:{port}>\r\n\
             Expires: 300\r\n{auth}Content-Length: 0\r\n\r\n"
        )
    };
    let exchange = |msg: String| -> Response {
        let mut buf = vec![0u8; 65_535];
        for _ in 0..10 {
            socket.send_to(msg.as_bytes(), sip).unwrap();
            while let Ok(n) = socket.recv(&mut buf) {
                if let Ok(Message::Response(r)) = sb_sip::parse(buf[..n].to_vec())
                    && r.status().is_final()
                {
                    return r;
                }
            }
        }
        panic!("no answer to {msg}");
    };
    let first = exchange(raw(1, ""));
    assert_eq!(first.status().as_u16(), 401);
    let value = first.headers().get(HeaderName::WwwAuthenticate).unwrap();
    let challenge = Challenge::parse(value).unwrap();
    let creds = DigestClient::new(user, password)
        .authorize(&challenge, "REGISTER", &format!("sip:{domain}"), "0a4f113b")
        .unwrap();
    exchange(raw(2, &format!("Authorization: {creds}\r\n")))
        .status()
        .as_u16()
}

#[test]
fn sha256_digest_and_admin_set_sip_passwords_work_and_tenants_stay_apart() {
    let (_keep, data) = data_dir();
    // A second tenant with its own 1001, whose SIP password is set with the CLI.
    let out = run(&data, &["admin", "create-tenant", "acme"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = common::cmd(&data)
        .args([
            "admin",
            "create-user",
            "--tenant",
            "acme",
            "--role",
            "agent",
            "1001",
        ])
        .env("SWITCHBOARD_PASSWORD", "Acme-console-pw-1")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = common::cmd(&data)
        .args(["admin", "sip-password", "--tenant", "acme", "1001"])
        .env("SWITCHBOARD_PASSWORD", "Acme-sip-pw-2026")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let weak = common::cmd(&data)
        .args(["admin", "sip-password", "--tenant", "acme", "1001"])
        .env("SWITCHBOARD_PASSWORD", "123")
        .output()
        .unwrap();
    assert!(!weak.status.success(), "a weak SIP password is refused");
    // serve with the RFC 8760 default order: SHA-256 offered first.
    let served = Served::start(
        &data,
        &["--demo"],
        &[("SWITCHBOARD_DEMO_PASSWORD", PASSWORD)],
    );
    let sip = sip_addr(&served);
    assert_eq!(
        register(sip, "1001", "127.0.0.1", PASSWORD),
        200,
        "demo, SHA-256"
    );
    assert_eq!(
        register(sip, "1001", "acme.switchboard.test", "Acme-sip-pw-2026"),
        200,
        "acme's 1001 in acme's realm"
    );
    assert_ne!(
        register(sip, "1001", "demo.switchboard.test", "Acme-sip-pw-2026"),
        200,
        "acme's password is not demo's"
    );
    stop(served);
}
