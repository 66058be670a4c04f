//! Sending through a real SMTP server on loopback (aiosmtpd, see `smtp_sink/`): plain,
//! STARTTLS and implicit TLS, AUTH PLAIN and LOGIN; the bytes and the envelope arrive
//! unchanged; refusals, unreachable servers and certificates give the right errors.

#![allow(clippy::unwrap_used)]

mod smtp_sink;

use std::time::Duration;

use sb_email::{EmailError, Security, SmtpSender, SmtpSettings, TlsSettings};
use smtp_sink::{SinkOptions, SinkTls, SmtpSink};

const USER: &str = "support@example.com";
const PASSWORD: &str = "sm\u{f6}rg\u{e5}s bord";
const FROM: &str = "support@example.com";

/// A reply as the engine builds it: threading headers, 8-bit text, lines starting with dots.
fn reply() -> Vec<u8> {
    "From: Example Support <support@example.com>\r\n\
     To: Customer <c1@example.org>\r\n\
     Cc: c2@example.org\r\n\
     Subject: Re: Order 1\r\n\
     Message-ID: <reply-1@example.com>\r\n\
     In-Reply-To: <m1@example.org>\r\n\
     References: <m0@example.org> <m1@example.org>\r\n\
     MIME-Version: 1.0\r\n\
     Content-Type: text/plain; charset=utf-8\r\n\
     Content-Transfer-Encoding: 8bit\r\n\r\n\
     Bonjour, votre commande n\u{b0}1 a \u{e9}t\u{e9} exp\u{e9}di\u{e9}e.\r\n\
     .\r\n..\r\n.a line starting with a dot\r\n\r\n-- \r\nExample Support\r\n"
        .as_bytes()
        .to_vec()
}

fn recipients() -> Vec<String> {
    vec!["c1@example.org".into(), "c2@example.org".into()]
}

fn settings(sink: &SmtpSink, security: Security) -> SmtpSettings {
    SmtpSettings {
        host: "127.0.0.1".into(),
        port: sink.port,
        security,
        tls: TlsSettings {
            ca_pem: Some(sink.ca_pem.clone()),
            accept_invalid_certificates: false,
        },
        username: None,
        password: String::new(),
        timeout: Duration::from_secs(10),
        helo_name: None,
    }
}

fn with_login(settings: SmtpSettings, password: &str) -> SmtpSettings {
    SmtpSettings {
        username: Some(USER.into()),
        password: password.into(),
        ..settings
    }
}

fn login_options(tls: SinkTls) -> SinkOptions {
    SinkOptions {
        tls,
        login: Some((USER.into(), PASSWORD.into())),
        ..SinkOptions::default()
    }
}

async fn send(settings: SmtpSettings, raw: &[u8]) -> Result<(), EmailError> {
    SmtpSender::new(settings)
        .unwrap()
        .send(FROM, &recipients(), raw)
        .await
}

/// The one message the sink holds: the bytes unchanged and the envelope given.
fn assert_delivered(sink: &SmtpSink) -> smtp_sink::Received {
    let received = sink.received();
    assert_eq!(received.len(), 1, "log:\n{}", sink.log());
    let message = received.into_iter().next().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&message.data),
        String::from_utf8_lossy(&reply())
    );
    assert_eq!(message.data, reply());
    let text = String::from_utf8_lossy(&message.data).into_owned();
    assert!(text.contains("\r\nMessage-ID: <reply-1@example.com>\r\n"));
    assert!(text.contains("\r\nIn-Reply-To: <m1@example.org>\r\n"));
    assert_eq!(message.mail_from, FROM);
    assert_eq!(message.rcpt_to, recipients());
    message
}

/// The outbound suites of DESIGN.md § 7 (TLS 1.3 AES-GCM, TLS 1.2 ECDHE AES-GCM).
fn assert_outbound_suite(tls: Option<&str>) {
    let tls = tls.expect("the message came over TLS");
    assert!(
        tls.starts_with("TLSv1.3 TLS_AES_") || tls.starts_with("TLSv1.2 ECDHE-"),
        "{tls}"
    );
    assert!(tls.contains("GCM"), "{tls}");
}

#[tokio::test]
async fn plain_smtp_delivers_the_bytes_unchanged_to_every_recipient() {
    let Some(sink) = SmtpSink::start("plain", SinkOptions::default()) else {
        return;
    };
    send(settings(&sink, Security::Plain), &reply())
        .await
        .unwrap();
    let message = assert_delivered(&sink);
    assert_eq!(message.tls, None);
    assert_eq!(message.login, None);
    assert_eq!(message.mechanism, None);
}

#[tokio::test]
async fn starttls_with_auth_delivers_over_tls_checked_against_the_channel_ca() {
    let tls = SinkTls::StartTls { required: true };
    let Some(sink) = SmtpSink::start("starttls", login_options(tls)) else {
        return;
    };
    let settings = with_login(settings(&sink, Security::StartTls), PASSWORD);
    send(settings, &reply()).await.unwrap();
    let message = assert_delivered(&sink);
    assert_outbound_suite(message.tls.as_deref());
    assert_eq!(message.login.as_deref(), Some(USER));
    assert_eq!(message.mechanism.as_deref(), Some("PLAIN"));
}

#[tokio::test]
async fn implicit_tls_with_auth_delivers() {
    let Some(sink) = SmtpSink::start("implicit", login_options(SinkTls::Implicit)) else {
        return;
    };
    let settings = with_login(settings(&sink, Security::Tls), PASSWORD);
    send(settings, &reply()).await.unwrap();
    let message = assert_delivered(&sink);
    assert_outbound_suite(message.tls.as_deref());
    assert_eq!(message.login.as_deref(), Some(USER));
}

#[tokio::test]
async fn auth_plain_and_auth_login_both_log_in() {
    for only in ["PLAIN", "LOGIN"] {
        let excluded = if only == "PLAIN" { "LOGIN" } else { "PLAIN" };
        let options = SinkOptions {
            exclude_mechanisms: vec![excluded.into()],
            ..login_options(SinkTls::None)
        };
        let Some(sink) = SmtpSink::start("auth", options) else {
            return;
        };
        let settings = with_login(settings(&sink, Security::Plain), PASSWORD);
        send(settings, &reply()).await.unwrap();
        let message = assert_delivered(&sink);
        assert_eq!(message.login.as_deref(), Some(USER), "AUTH {only}");
        assert_eq!(message.mechanism.as_deref(), Some(only));
    }
}

#[tokio::test]
async fn a_wrong_password_is_an_authentication_error_never_retried() {
    let Some(sink) = SmtpSink::start("wrong_password", login_options(SinkTls::Implicit)) else {
        return;
    };
    let settings = with_login(settings(&sink, Security::Tls), "wrong");
    let err = send(settings, &reply()).await.unwrap_err();
    assert!(matches!(err, EmailError::Auth { .. }), "{err}");
    assert!(err.to_string().contains("535"), "{err}");
    assert!(!err.retryable());
    assert!(sink.received().is_empty());
}

#[tokio::test]
async fn a_permanent_refusal_is_not_retried_and_says_what_the_server_said() {
    let options = SinkOptions {
        refuse: vec![(
            "c2@example.org".into(),
            "550 5.1.1 <c2@example.org>: no such user here".into(),
        )],
        ..SinkOptions::default()
    };
    let Some(sink) = SmtpSink::start("refused", options) else {
        return;
    };
    let err = send(settings(&sink, Security::Plain), &reply())
        .await
        .unwrap_err();
    let EmailError::SmtpRefused { code, text, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(*code, 550);
    assert!(text.contains("no such user here"), "{text}");
    assert!(err.to_string().contains("no such user here"), "{err}");
    assert!(!err.retryable());
    assert!(sink.received().is_empty());
}

#[tokio::test]
async fn a_temporary_refusal_is_retried() {
    let options = SinkOptions {
        refuse: vec![("c1@example.org".into(), "451 4.3.0 try again later".into())],
        ..SinkOptions::default()
    };
    let Some(sink) = SmtpSink::start("tempfail", options) else {
        return;
    };
    let err = send(settings(&sink, Security::Plain), &reply())
        .await
        .unwrap_err();
    assert!(
        matches!(err, EmailError::SmtpRefused { code: 451, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("try again later"), "{err}");
    assert!(err.retryable());
}

#[tokio::test]
async fn an_unreachable_server_is_retried() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let settings = SmtpSettings {
        host: "127.0.0.1".into(),
        port,
        security: Security::Plain,
        tls: TlsSettings::default(),
        username: None,
        password: String::new(),
        timeout: Duration::from_secs(5),
        helo_name: None,
    };
    let err = send(settings, &reply()).await.unwrap_err();
    assert!(matches!(err, EmailError::Connect { .. }), "{err}");
    assert!(err.retryable());
}

#[tokio::test]
async fn starttls_never_falls_back_to_plain() {
    let Some(sink) = SmtpSink::start("no_starttls", SinkOptions::default()) else {
        return;
    };
    let err = send(settings(&sink, Security::StartTls), &reply())
        .await
        .unwrap_err();
    assert!(
        matches!(err, EmailError::Unsupported { what: "STARTTLS" }),
        "{err}"
    );
    assert!(!err.retryable());
    assert!(sink.received().is_empty());
}

#[tokio::test]
async fn a_certificate_from_another_ca_is_refused_and_not_retried() {
    let Some(sink) = SmtpSink::start(
        "other_ca",
        SinkOptions {
            tls: SinkTls::Implicit,
            ..SinkOptions::default()
        },
    ) else {
        return;
    };
    let Some(other) = SmtpSink::start("other_ca", SinkOptions::default()) else {
        return;
    };
    let mut settings = settings(&sink, Security::Tls);
    settings.tls.ca_pem = Some(other.ca_pem.clone());
    let err = send(settings.clone(), &reply()).await.unwrap_err();
    assert!(
        matches!(
            err,
            EmailError::Tls {
                certificate: true,
                ..
            }
        ),
        "{err}"
    );
    assert!(!err.retryable());
    // The explicit lab setting accepts it.
    settings.tls = TlsSettings {
        ca_pem: None,
        accept_invalid_certificates: true,
    };
    send(settings, &reply()).await.unwrap();
    assert_delivered(&sink);
}

#[tokio::test]
async fn only_the_outbound_cipher_suites_are_offered() {
    let only = |ciphers: &str| SinkOptions {
        tls: SinkTls::Implicit,
        tls12_ciphers: Some(ciphers.into()),
        ..SinkOptions::default()
    };
    let chacha = "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
    let Some(sink) = SmtpSink::start("chacha_only", only(chacha)) else {
        return;
    };
    let err = send(settings(&sink, Security::Tls), &reply())
        .await
        .unwrap_err();
    assert!(matches!(err, EmailError::Tls { .. }), "{err}");
    assert!(sink.received().is_empty());

    let gcm = "ECDHE-ECDSA-AES128-GCM-SHA256";
    let Some(sink) = SmtpSink::start("gcm_only", only(gcm)) else {
        return;
    };
    send(settings(&sink, Security::Tls), &reply())
        .await
        .unwrap();
    let message = assert_delivered(&sink);
    assert_eq!(
        message.tls.as_deref(),
        Some("TLSv1.2 ECDHE-ECDSA-AES128-GCM-SHA256")
    );
}
