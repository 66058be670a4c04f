//! A real phone: baresip registers to the server on 127.0.0.1 (UDP, TCP, TLS) with digest
//! authentication and keeps its binding alive by re-registering.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::crypto::aws_lc_rs::{self, cipher_suite as suite};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use sb_sip_dialog::registrar::{Binding, RegistrarEvent};
use sb_sip_transport::SipConfig;

const INSTALL: &str = "apt-get install baresip-core";

/// The registration interval baresip asks for (it refreshes before it runs out).
const REGINT: u32 = 3;

fn baresip_available() -> bool {
    common::tool_available("baresip", "-h", INSTALL)
}

/// A config that accepts baresip's short registration interval.
fn config() -> SipConfig {
    let mut c = common::config();
    c.registrar.min_expires = 2;
    c
}

/// Writes a throwaway baresip config directory: SIP on 127.0.0.1 only (its DNS pointed at
/// loopback too, though an outbound proxy address means no lookups), no audio or video
/// devices, and the one account `1001@sb.test` registering through `outbound` every
/// [`REGINT`] seconds.
fn write_config(dir: &Path, sip_port: u16, outbound: &str, extra: &str) {
    let config = format!(
        "poll_method\t\tepoll\n\
         sip_listen\t\t127.0.0.1:{sip_port}\n\
         net_interface\t\t127.0.0.1\n\
         dns_server\t\t127.0.0.1:53\n\
         call_max_calls\t\t1\n\
         audio_player\t\taufile,/dev/null\n\
         audio_source\t\taufile,/dev/null\n\
         audio_alert\t\taufile,/dev/null\n\
         module_path\t\t/usr/lib/baresip/modules\n\
         module\t\t\tg711.so\n\
         module_tmp\t\taccount.so\n\
         {extra}"
    );
    std::fs::write(dir.join("config"), config).expect("write config");
    let account = format!(
        "<sip:1001@sb.test{transport}>;auth_pass=secret;regint={REGINT};outbound=\"{outbound}\"\n",
        transport = outbound
            .split_once(";transport=")
            .map(|(_, t)| format!(";transport={t}"))
            .unwrap_or_default()
    );
    std::fs::write(dir.join("accounts"), account).expect("write accounts");
}

/// The bindings recorded so far for 1001, and whether any was removed.
fn bindings_of_1001(events: &[RegistrarEvent]) -> (Vec<Binding>, bool) {
    let mut bound = Vec::new();
    let mut removed = false;
    for e in events {
        match e {
            RegistrarEvent::Bound(b) if b.aor.contains("1001@") => bound.push(b.clone()),
            RegistrarEvent::Unbound { .. } => removed = true,
            _ => {}
        }
    }
    (bound, removed)
}

/// Runs baresip with `dir` until the server saw the binding created and refreshed twice (or
/// 40 s passed), then kills it; returns the bindings seen.
async fn register_and_refresh(server: &common::Running, dir: &Path) -> Vec<Binding> {
    let mut command = tokio::process::Command::new("baresip");
    command
        .arg("-f")
        .arg(dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    eprintln!("running: {command:?}");
    let mut child = command.spawn().expect("baresip starts");
    let started = Instant::now();
    let deadline = started + Duration::from_secs(40);
    let bound = loop {
        let (bound, removed) = bindings_of_1001(&server.sink.events());
        assert!(
            !removed,
            "no binding was removed: {:?}",
            server.sink.events()
        );
        if bound.len() >= 3 || Instant::now() > deadline {
            break bound;
        }
        if let Ok(Some(status)) = child.try_wait() {
            eprintln!("baresip exited early: {status}");
            break bound;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    eprintln!(
        "{} REGISTERs bound in {:?}: {:?}",
        bound.len(),
        started.elapsed(),
        bound
            .iter()
            .map(|b| (b.cseq, b.source.clone().unwrap_or_default()))
            .collect::<Vec<_>>()
    );
    // SIGKILL: a polite stop would unregister, which is not what this test is about.
    let _ = child.start_kill();
    let out = tokio::time::timeout(Duration::from_secs(10), child.wait_with_output())
        .await
        .expect("baresip stops")
        .expect("baresip output");
    eprintln!(
        "baresip output:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    bound
}

/// A port `p` for baresip's `sip_listen`: it listens on `p` (UDP and TCP) and its TLS
/// transport on `p + 1`, so both must be free (a free `p` alone made a CI run fail with
/// "SIP/TLS transport failed: Address already in use").
fn sip_ports() -> u16 {
    loop {
        let p = common::free_port();
        let Some(next) = p.checked_add(1) else {
            continue;
        };
        let tcp = std::net::TcpListener::bind(("127.0.0.1", next));
        let udp = std::net::UdpSocket::bind(("127.0.0.1", next));
        if tcp.is_ok() && udp.is_ok() {
            return p;
        }
    }
}

/// Created, then refreshed (at least twice) by the same phone: same contact, same Call-ID,
/// increasing CSeq.
fn assert_refreshed(bound: &[Binding], transport: &str) {
    assert!(
        bound.len() >= 3,
        "the binding was created and refreshed twice: {bound:?}"
    );
    let first = &bound[0];
    for pair in bound.windows(2) {
        assert!(pair[1].cseq > pair[0].cseq, "CSeq increases: {bound:?}");
    }
    for b in bound {
        assert_eq!(b.contact, first.contact, "one contact: {bound:?}");
        assert_eq!(b.call_id, first.call_id, "one registration: {bound:?}");
        let source = b.source.as_deref().unwrap_or_default();
        assert!(
            source.starts_with(&format!("{transport}:127.0.0.1:")),
            "{source}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn baresip_registers_over_udp_and_stays_registered() {
    if !baresip_available() {
        return;
    }
    let server = common::start(config()).await;
    let dir = common::scratch_dir("sb-baresip");
    let outbound = format!("sip:{}", server.addr());
    write_config(&dir, sip_ports(), &outbound, "");
    let bound = register_and_refresh(&server, &dir).await;
    assert_refreshed(&bound, "udp");
    let _ = std::fs::remove_dir_all(&dir);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn baresip_registers_over_tcp_and_stays_registered() {
    if !baresip_available() {
        return;
    }
    let server = common::start(config()).await;
    let dir = common::scratch_dir("sb-baresip");
    let outbound = format!("sip:{};transport=tcp", server.addr());
    write_config(&dir, sip_ports(), &outbound, "");
    let bound = register_and_refresh(&server, &dir).await;
    assert_refreshed(&bound, "tcp");
    let _ = std::fs::remove_dir_all(&dir);
    server.stop().await;
}

/// A throwaway CA and a server certificate it signed for `sb.test` and 127.0.0.1; the
/// server's rustls settings (aws-lc-rs; TLS 1.3 and 1.2, AES-GCM suites only) and the CA
/// certificate in PEM for the phone.
fn tls_material() -> (Arc<rustls::ServerConfig>, String) {
    let ca_key = rcgen::KeyPair::generate().expect("CA key");
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "sb test CA");
    let ca = ca_params.self_signed(&ca_key).expect("CA certificate");
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).expect("server key");
    let mut params = rcgen::CertificateParams::new(vec!["sb.test".to_owned()]).expect("params");
    params
        .subject_alt_names
        .push(rcgen::SanType::IpAddress([127, 0, 0, 1].into()));
    let cert = params
        .signed_by(&key, &ca, &ca_key)
        .expect("server certificate");
    let mut provider = aws_lc_rs::default_provider();
    provider.cipher_suites = vec![
        suite::TLS13_AES_256_GCM_SHA384,
        suite::TLS13_AES_128_GCM_SHA256,
        suite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    ];
    let server = rustls::ServerConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(cert.der().to_vec())],
            PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .expect("server config");
    (Arc::new(server), ca.pem())
}

/// Over TLS the phone trusts the test CA (`sip_cafile`). baresip 1.0.0 (libre 1.1.0) has no
/// `sip_verify_server` and accepts any server certificate (tried: it registers with an
/// unrelated CA file too), so this proves the TLS listener and SIP over it, not the phone's
/// verification.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn baresip_registers_over_tls_and_stays_registered() {
    if !baresip_available() {
        return;
    }
    let (tls, ca_pem) = tls_material();
    let mut config = config();
    config.tls_listen = Some("127.0.0.1:0".parse().expect("addr"));
    config.tls = Some(tls);
    let server = common::start(config).await;
    let tls_addr = server.server.local_tls_addr().expect("TLS listener");
    let dir = common::scratch_dir("sb-baresip");
    std::fs::write(dir.join("ca.pem"), ca_pem).expect("write CA");
    let outbound = format!("sip:{tls_addr};transport=tls");
    let cafile = format!("sip_cafile\t\t{}\n", dir.join("ca.pem").display());
    write_config(&dir, sip_ports(), &outbound, &cafile);
    let bound = register_and_refresh(&server, &dir).await;
    assert_refreshed(&bound, "tls");
    let _ = std::fs::remove_dir_all(&dir);
    server.stop().await;
}
