//! Throughput of the hot paths: digest verification, REGISTER handling, and a full non-INVITE
//! transaction exchange over printed and parsed `sb-sip` messages.
//!
//! Run: `cargo bench -p sb-sip-dialog --bench sip_dialog`

use std::sync::Arc;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use sb_sip::{Message, StatusCode};
use sb_sip_dialog::digest::{
    Algorithm, AuthAttempt, DigestClient, DigestServer, DigestServerConfig, UserSecret, Verdict,
};
use sb_sip_dialog::registrar::{ContactParam, Register, Registrar, RegistrarConfig};
use sb_sip_dialog::transaction::{Incoming, TimerConfig, Transactions, TxMessage};
use sb_types::Timestamp;

const URI: &str = "sip:pbx.example.com";

fn digest(c: &mut Criterion) {
    for alg in [Algorithm::Md5, Algorithm::Sha256] {
        let mut config = DigestServerConfig::new("pbx.example.com", b"k".to_vec());
        config.algorithms = vec![alg];
        let mut server = DigestServer::new(config);
        let now = Timestamp::from_secs(1_700_000_000);
        let challenge = server.challenges(now, "192.0.2.7", false).remove(0);
        let mut client = DigestClient::new("1001", "pw");
        let secret = UserSecret::Password("pw".into());
        c.bench_function(&format!("digest authorize+verify {alg}"), |b| {
            b.iter(|| {
                let creds = client
                    .authorize(&challenge, "REGISTER", URI, "cn")
                    .expect("answer");
                let attempt = AuthAttempt {
                    method: "REGISTER",
                    source: "192.0.2.7",
                    request_uri: URI,
                    credentials: &creds,
                };
                assert!(matches!(
                    server.verify(now, attempt, Some(&secret)),
                    Verdict::Authorized { .. }
                ));
            })
        });
    }
}

fn registrar(c: &mut Criterion) {
    let mut r = Registrar::new(RegistrarConfig::default());
    let now = Timestamp::from_secs(1_000);
    let req = |i: u32, cseq: u32| Register {
        aor: format!("sip:{i}@pbx"),
        call_id: format!("c{i}"),
        cseq,
        expires: Some(600),
        contacts: vec![ContactParam {
            uri: format!("sip:{i}@10.0.0.1"),
            expires: None,
            q: None,
        }],
        path: vec![],
        source: None,
    };
    for i in 0..10_000 {
        r.handle_register(now, &req(i, 1)).expect("registered");
    }
    let mut cseq = 1;
    c.bench_function("registrar refresh among 10k AORs", |b| {
        b.iter(|| {
            cseq += 1;
            r.handle_register(now, &req(cseq % 10_000, cseq))
                .expect("refreshed");
            while r.poll_event().is_some() {}
        })
    });
}

const OPTIONS: &str = "OPTIONS sip:pbx.example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK{n}\r\nMax-Forwards: 70\r\n\
From: <sip:1001@pbx.example.com>;tag=a\r\nTo: <sip:pbx.example.com>\r\n\
Call-ID: o{n}@h\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";

fn transactions(c: &mut Criterion) {
    let now = Timestamp::from_secs(1_000);
    let mut client: Transactions<Message> = Transactions::new(TimerConfig::default());
    let mut server: Transactions<Message> = Transactions::new(TimerConfig::default());
    let mut n = 0u64;
    c.bench_function(
        "non-INVITE exchange over the wire (parse+print both ways)",
        |b| {
            b.iter(|| {
                n += 1;
                let req = sb_sip::parse(OPTIONS.replace("{n}", &n.to_string()).into_bytes())
                    .expect("parse");
                client.send_request(now, req, true).expect("sent");
                let (_, out) = client.poll_transmit().expect("request out");
                let Incoming::Request(key, got) = server.handle_incoming(
                    now,
                    sb_sip::parse(out.to_bytes()).expect("parse"),
                    true,
                ) else {
                    panic!("new request expected")
                };
                let ok = got
                    .as_request()
                    .expect("request")
                    .make_response(StatusCode::OK, Some("b"));
                server
                    .send_response(now, key, Message::Response(ok))
                    .expect("answered");
                let (_, resp) = server.poll_transmit().expect("response out");
                client.handle_incoming(now, sb_sip::parse(resp.to_bytes()).expect("parse"), true);
                while client.poll_event().is_some() || server.poll_event().is_some() {}
            })
        },
    );
}

/// 10 000 OPTIONS requests nobody answers, on UDP: every E retransmission and F timeout of all
/// of them, driven deadline by deadline (11 sends and a timeout each). With `Arc<Message>` a
/// retransmission is a reference count; with `Message` it is a deep copy.
fn timer_sweep(c: &mut Criterion) {
    let now = Timestamp::from_secs(1_000);
    let requests: Vec<Message> = (0..10_000)
        .map(|n| sb_sip::parse(OPTIONS.replace("{n}", &n.to_string()).into_bytes()).expect("parse"))
        .collect();
    c.bench_function(
        "10k unanswered non-INVITE transactions to timeout (Message)",
        |b| {
            b.iter_batched(
                || layer_of(now, requests.clone()),
                drive_to_the_end,
                BatchSize::LargeInput,
            )
        },
    );
    let shared: Vec<Arc<Message>> = requests.into_iter().map(Arc::new).collect();
    c.bench_function(
        "10k unanswered non-INVITE transactions to timeout (Arc<Message>)",
        |b| {
            b.iter_batched(
                || layer_of(now, shared.clone()),
                drive_to_the_end,
                BatchSize::LargeInput,
            )
        },
    );
}

fn layer_of<M: TxMessage>(now: Timestamp, requests: Vec<M>) -> Transactions<M> {
    let mut layer = Transactions::new(TimerConfig::default());
    for r in requests {
        layer.send_request(now, r, false).expect("sent");
    }
    layer
}

fn drive_to_the_end<M: TxMessage>(mut layer: Transactions<M>) {
    while let Some(t) = layer.poll_timeout() {
        layer.handle_timeout(t);
        while layer.poll_transmit().is_some() || layer.poll_event().is_some() {}
    }
    assert!(layer.is_empty());
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20)
}

criterion_group!(name = benches; config = config(); targets = digest, registrar, transactions, timer_sweep);
criterion_main!(benches);
