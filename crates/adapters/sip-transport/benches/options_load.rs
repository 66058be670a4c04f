//! The SIP server as a load target on one core, for SIPp (see docs/sip-transport.md):
//!
//! `SB_SIP_BENCH_PORT=5070 SB_SIP_BENCH_SECONDS=40 cargo bench -p sb-sip-transport --bench options_load`
//!
//! then, from another shell, `sipp -sf tests/scenarios/options.xml -r N -m M 127.0.0.1:5070`.
//! The server runs on a current-thread runtime (one core), answers OPTIONS, trusts
//! 127.0.0.0/8 (no rate limit), allows a million live transactions and stops after the given seconds.

use std::sync::Arc;
use std::time::Duration;

use sb_sip_transport::{RecordingSink, SipConfig, SipDeps, SipServer, StaticCredentials};
use tokio_util::sync::CancellationToken;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("options_load: a load target, run it with `cargo bench` (skipped under test)");
        return;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    in_process(100_000);
    runtime.block_on(serve(
        env_or("SB_SIP_BENCH_PORT", 5070),
        env_or("SB_SIP_BENCH_SECONDS", 40),
    ));
}

/// The sans-IO cost alone: `n` OPTIONS through the `Endpoint` (parse, Via, transaction,
/// response printed) and every transaction driven to its timer-J end.
fn in_process(n: u32) {
    use sb_sip_transport::{Endpoint, Output, Peer};
    let listen = "127.0.0.1:5060".parse().expect("address");
    let mut config = SipConfig::new(listen, "sb.test", b"bench".to_vec());
    config.trusted = vec!["127.0.0.0/8".parse().expect("network")];
    config.max_transactions = 1_000_000;
    let mut endpoint = Endpoint::new(config, Vec::new(), Vec::new(), 1);
    let peer = Peer::udp("127.0.0.1:5061".parse().expect("address"));
    let start = std::time::Instant::now();
    let mut now = sb_types::Timestamp::from_secs(1_000_000);
    let mut sent = 0u32;
    for i in 0..n {
        let raw = format!(
            "OPTIONS sip:sb.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK{i}\r\n\
             Max-Forwards: 70\r\nFrom: <sip:a@sb.test>;tag={i}\r\nTo: <sip:sb.test>\r\n\
             Call-ID: {i}@bench\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
        );
        if i % 100 == 0 {
            now = now + Duration::from_millis(10);
            endpoint.handle_timeout(now);
        }
        endpoint.handle_packet(now, peer, bytes::Bytes::from(raw));
        while let Some(out) = endpoint.poll_output() {
            sent += u32::from(matches!(out, Output::Transmit(_)));
        }
    }
    while let Some(at) = endpoint.poll_timeout() {
        endpoint.handle_timeout(at);
        if endpoint.transactions() == 0 {
            break;
        }
    }
    let elapsed = start.elapsed();
    assert_eq!(sent, n, "every OPTIONS answered");
    println!(
        "options_load: in-process endpoint, {n} OPTIONS answered and expired in {elapsed:?}: {:.1} µs each",
        elapsed.as_secs_f64() * 1e6 / f64::from(n)
    );
}

async fn serve(port: u64, seconds: u64) {
    let listen = format!("127.0.0.1:{port}").parse().expect("address");
    let mut config = SipConfig::new(listen, "sb.test", b"bench".to_vec());
    config.trusted = vec!["127.0.0.0/8".parse().expect("network")];
    // Every UDP OPTIONS transaction lingers 32 s (timer J): room for ~30 000/s.
    config.max_transactions = 1_000_000;
    let deps = SipDeps {
        credentials: Arc::new(StaticCredentials::new().with_password("sb.test", "1001", "secret")),
        bindings: Arc::new(RecordingSink::default()),
        restore: Vec::new(),
        handler: None,
    };
    let cancel = CancellationToken::new();
    let server = SipServer::start(config, deps, cancel.clone())
        .await
        .expect("server starts");
    println!(
        "options_load: serving on {} for {seconds} s (one core)",
        server.local_addr()
    );
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    cancel.cancel();
    server.wait().await.expect("clean stop");
    println!("options_load: stopped");
}
