//! PROTOS c07-sip: all 4527 cases over UDP against the running server, which must keep
//! answering OPTIONS and REGISTER afterwards (the suite's verdict: no crash, no hang).

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// `shared/testdata` beside the workspace (as `sb-sip`'s torture tests find it).
fn cases_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../../shared/testdata/sip-torture/protos-c07-sip/cases")
}

/// The two records of a case file: `<decimal length><SP><bytes>` twice.
fn records(file: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = file;
    while let Some(space) = rest.iter().position(|&b| b == b' ') {
        let Some(len) = std::str::from_utf8(&rest[..space])
            .ok()
            .and_then(|s| s.trim().parse::<usize>().ok())
        else {
            break;
        };
        let body = &rest[space + 1..];
        let end = len.min(body.len());
        out.push(&body[..end]);
        rest = &body[end..];
    }
    out
}

/// Fills the placeholders (README of the suite) and computes Content-Length afterwards.
fn substitute(template: &[u8], case: usize, port: u16) -> Vec<u8> {
    let text = String::from_utf8_lossy(template);
    let filled = text
        .replace("<To>", "1001@sb.test")
        .replace("<From-Address>", "127.0.0.1")
        .replace("<From-IP>", "127.0.0.1")
        .replace("<From>", "protos@127.0.0.1")
        .replace("<Local-Port>", &port.to_string())
        .replace("<Branch-ID>", &case.to_string())
        .replace("<Call-ID>", &format!("protos-{case}"))
        .replace("<CSeq>", "1")
        .replace("<Teardown-Method>", "CANCEL");
    let body_len = filled.find("\r\n\r\n").map_or(0, |i| filled.len() - i - 4);
    filled
        .replace("<Content-Length>", &body_len.to_string())
        .into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protos_c07_cases_leave_the_server_answering() {
    let dir = cases_dir();
    if !dir.is_dir() {
        let shown = dir.display();
        assert!(
            std::env::var_os("CI").is_none(),
            "PROTOS cases missing under CI: {shown}"
        );
        eprintln!("SKIPPED: {shown} not found");
        return;
    }
    let mut config = common::config();
    config.rate.per_second = 1_000_000;
    config.rate.burst = 1_000_000;
    let server = common::start(config).await;
    let addr = server.addr();
    let (sent, oversized, answers, elapsed) =
        tokio::task::spawn_blocking(move || send_all(&dir, addr))
            .await
            .expect("sender");
    eprintln!(
        "PROTOS: {sent} datagrams sent ({oversized} too long for UDP), {answers} responses read, {elapsed:?}"
    );
    assert_eq!(sent + oversized, 4527 * 2);
    assert!(oversized < 200, "{oversized}");
    assert!(
        answers > 4000,
        "most cases answered (400/405/481…): {answers}"
    );
    let (options, register) = tokio::task::spawn_blocking(move || {
        let client = common::Client::new(addr);
        let options = client.options("after-protos").map(|r| r.status().as_u16());
        (options, client.register("after-protos-reg", "secret"))
    })
    .await
    .expect("client");
    assert_eq!(options, Some(200));
    assert_eq!(register, Some(200));
    server.stop().await;
}

/// Sends every case (request then teardown) with light pacing; counts the responses.
fn send_all(dir: &Path, server: std::net::SocketAddr) -> (usize, usize, usize, Duration) {
    let client = common::Client::new(server);
    client.socket.set_nonblocking(true).expect("nonblocking");
    let port = client.port();
    let (start, mut sent, mut oversized, mut answers) = (Instant::now(), 0, 0, 0);
    let mut buf = vec![0u8; 65_535];
    for case in 0..4527usize {
        let file = std::fs::read(dir.join(format!("{case:07}"))).expect("case file");
        for record in records(&file) {
            let datagram = substitute(record, case, port);
            // A few cases exceed the largest UDP datagram: the kernel refuses them.
            if datagram.len() <= 65_507 {
                client.socket.send_to(&datagram, server).expect("send");
                sent += 1;
            } else {
                oversized += 1;
            }
        }
        if case % 16 == 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
        while client.socket.recv(&mut buf).is_ok() {
            answers += 1;
        }
    }
    let drain_until = Instant::now() + Duration::from_secs(2);
    while Instant::now() < drain_until {
        match client.socket.recv(&mut buf) {
            Ok(_) => answers += 1,
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    (sent, oversized, answers, start.elapsed())
}
