//! Real peers: SIPp scenarios against the server on 127.0.0.1 (UDP and TCP).

mod common;

use std::path::PathBuf;
use std::process::Command;

use sb_sip_dialog::digest::BanPolicy;
use sb_sip_dialog::registrar::RegistrarEvent;
use sb_sip_transport::BanAnswer;

/// Whether SIPp is installed; without it the test fails under CI and is skipped elsewhere.
fn sipp_available() -> bool {
    let found = Command::new("sipp").arg("-v").output().is_ok();
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "sipp is required under CI (apt-get install sip-tester)"
        );
        eprintln!("SKIPPED: sipp not installed (apt-get install sip-tester)");
    }
    found
}

fn scenario(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scenarios")
        .join(name)
}

/// Runs one SIPp call of `scenario` over `transport` (`u1` or `t1`); true when it passed.
async fn sipp(name: &str, transport: &str, target: std::net::SocketAddr) -> bool {
    let path = scenario(name);
    let dir = tempdir();
    let run = tokio::process::Command::new("sipp")
        .current_dir(&dir)
        .args([
            "-sf",
            path.to_str().expect("utf-8 path"),
            "-t",
            transport,
            "-m",
            "1",
        ])
        .args(["-p", &free_local_port().to_string()])
        .args([
            "-i",
            "127.0.0.1",
            "-timeout",
            "20s",
            "-timeout_error",
            "-nostdin",
            "-trace_err",
        ])
        .arg(target.to_string())
        .output();
    let out = tokio::time::timeout(std::time::Duration::from_secs(30), run)
        .await
        .expect("sipp finishes")
        .expect("sipp runs");
    if !out.status.success() {
        eprintln!(
            "sipp {name} {transport}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            eprintln!(
                "{}:\n{}",
                entry.path().display(),
                std::fs::read_to_string(entry.path()).unwrap_or_default()
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    out.status.success()
}

/// A local port free for both UDP and TCP. SIPp listens on 5060 unless told otherwise, so
/// tests running SIPp at the same time would collide ("Address already in use").
fn free_local_port() -> u16 {
    loop {
        let tcp = std::net::TcpListener::bind("127.0.0.1:0").expect("bind tcp");
        let port = tcp.local_addr().expect("local addr").port();
        if std::net::UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

fn tempdir() -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("sb-sipp-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sipp_options_is_answered_over_udp_and_tcp() {
    if !sipp_available() {
        return;
    }
    let server = common::start(common::config()).await;
    assert!(
        sipp("options.xml", "u1", server.addr()).await,
        "OPTIONS over UDP"
    );
    assert!(
        sipp("options.xml", "t1", server.addr()).await,
        "OPTIONS over TCP"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sipp_registers_with_md5_digest_over_udp_and_tcp() {
    if !sipp_available() {
        return;
    }
    let server = common::start(common::config()).await;
    assert!(
        sipp("register.xml", "u1", server.addr()).await,
        "REGISTER over UDP"
    );
    assert!(
        sipp("register.xml", "t1", server.addr()).await,
        "REGISTER over TCP"
    );
    // The registrar's events reach the sink after the 200 OK that ended SIPp: wait for both.
    let bound_now = || -> Vec<String> {
        server
            .sink
            .events()
            .into_iter()
            .filter_map(|e| match e {
                RegistrarEvent::Bound(b) => Some(b.source.unwrap_or_default()),
                _ => None,
            })
            .collect()
    };
    let mut bound = bound_now();
    for _ in 0..50 {
        if bound.len() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        bound = bound_now();
    }
    assert_eq!(bound.len(), 2, "{bound:?}");
    assert!(
        bound[0].starts_with("udp:127.0.0.1:") && bound[1].starts_with("tcp:127.0.0.1:"),
        "{bound:?}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sipp_wrong_password_is_challenged_then_banned() {
    if !sipp_available() {
        return;
    }
    let mut config = common::config();
    config.ban = BanPolicy {
        max_failures: 3,
        ..BanPolicy::default()
    };
    config.ban_answer = BanAnswer::Forbidden;
    let server = common::start(config).await;
    assert!(
        sipp("register_wrong.xml", "u1", server.addr()).await,
        "401, 401, then 403"
    );
    assert!(server.sink.events().is_empty(), "nothing was bound");
    server.stop().await;
}
