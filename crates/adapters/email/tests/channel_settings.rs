//! The JSON settings of an email channel: every problem reported at once, the defaults per
//! protocol, redacted output, sealed passwords.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::time::Duration;

use proptest::prelude::*;
use sb_email::{
    EmailChannelSettings, EmailError, ImapAfter, Pop3After, Pop3Auth, Protocol, SecretKey, Security,
};
use serde_json::{Value, json};

const PASSWORD: &str = "wonder land";
const SMTP_PASSWORD: &str = "smtp s3cret";

fn valid() -> Value {
    json!({
        "address": "support@example.com",
        "display_name": "Example Support",
        "protocol": "imaps",
        "host": "imap.example.com",
        "username": "support@example.com",
        "password": PASSWORD,
        "smtp": {
            "host": "smtp.example.com",
            "security": "starttls",
            "username": "support@example.com",
            "password": SMTP_PASSWORD
        }
    })
}

fn with(mut v: Value, changes: Value) -> Value {
    let (Value::Object(map), Value::Object(changes)) = (&mut v, changes) else {
        unreachable!()
    };
    for (key, value) in changes {
        map.insert(key, value);
    }
    v
}

fn new_key() -> SecretKey {
    SecretKey::generate().unwrap()
}

fn problem_fields(v: &Value) -> BTreeSet<String> {
    let problems = EmailChannelSettings::from_json(v).unwrap_err();
    for p in &problems {
        assert!(!p.message.is_empty(), "{p:?}");
    }
    problems.into_iter().map(|p| p.field).collect()
}

#[test]
fn valid_settings_are_accepted_and_round_trip_through_serde() {
    let settings = EmailChannelSettings::from_json(&valid()).unwrap();
    let again = serde_json::to_value(&settings).unwrap();
    assert_eq!(EmailChannelSettings::from_json(&again).unwrap(), settings);
    let direct: EmailChannelSettings = serde_json::from_value(again).unwrap();
    assert_eq!(direct, settings);
}

#[test]
fn every_problem_is_reported_at_once() {
    let v = json!({
        "address": "not an address",
        "protocol": "pop3s",
        "starttls": true,
        "host": "",
        "port": 0,
        "username": "",
        "password": PASSWORD,
        "folder": "INBOX",
        "after": "seen",
        "poll_interval_secs": 2,
        "max_message_bytes": 0,
        "timeout_secs": "ten",
        "ca_pem": "not a certificate",
        "colour": "blue",
        "smtp": {
            "host": "smtp example com",
            "port": 0,
            "security": "ssl",
            "username": "",
            "helo_name": "bad\r\nname",
            "extra": 1
        }
    });
    let expected: BTreeSet<String> = [
        "address",
        "starttls",
        "host",
        "port",
        "username",
        "folder",
        "after",
        "poll_interval_secs",
        "max_message_bytes",
        "timeout_secs",
        "ca_pem",
        "colour",
        "smtp.host",
        "smtp.port",
        "smtp.security",
        "smtp.username",
        "smtp.password",
        "smtp.helo_name",
        "smtp.extra",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(problem_fields(&v), expected);
}

#[test]
fn missing_fields_a_bad_protocol_and_wrong_types_are_reported_together() {
    let v = json!({ "protocol": "smtp", "port": "993", "starttls": "yes", "address": 7 });
    let expected: BTreeSet<String> = [
        "address", "protocol", "port", "starttls", "host", "username", "password", "smtp",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(problem_fields(&v), expected);
    assert_eq!(
        problem_fields(&json!([1, 2])),
        BTreeSet::from([String::new()])
    );
    let bad_smtp = with(valid(), json!({ "smtp": "smtp.example.com" }));
    assert_eq!(
        problem_fields(&bad_smtp),
        BTreeSet::from(["smtp".to_owned()])
    );
}

#[test]
fn problems_name_the_field_and_say_what_is_wrong() {
    let problems =
        EmailChannelSettings::from_json(&with(valid(), json!({ "poll_interval_secs": 1 })))
            .unwrap_err();
    assert_eq!(problems.len(), 1);
    assert_eq!(
        problems[0].to_string(),
        "poll_interval_secs: must be 5 to 86400"
    );
}

#[test]
fn defaults_follow_the_protocol() {
    let key = new_key();
    let cases = [
        ("pop3", false, 110, Security::Plain),
        ("pop3", true, 110, Security::StartTls),
        ("pop3s", false, 995, Security::Tls),
        ("imap", false, 143, Security::Plain),
        ("imap", true, 143, Security::StartTls),
        ("imaps", false, 993, Security::Tls),
    ];
    for (protocol, starttls, port, security) in cases {
        let v = with(
            valid(),
            json!({ "protocol": protocol, "starttls": starttls }),
        );
        let settings = EmailChannelSettings::from_json(&v).unwrap();
        let mailbox = settings.mailbox(&key).unwrap();
        assert_eq!(mailbox.server.port, port, "{protocol}");
        assert_eq!(mailbox.server.security, security, "{protocol}");
        assert_eq!(mailbox.server.host, "imap.example.com");
        assert_eq!(mailbox.server.username, "support@example.com");
        assert_eq!(mailbox.server.password, PASSWORD);
        assert_eq!(mailbox.server.timeout, Duration::from_secs(30));
        assert_eq!(mailbox.max_message_size, 25 * 1024 * 1024);
        let expected = if protocol.starts_with("pop3") {
            Protocol::Pop3 {
                after: Pop3After::Delete,
                auth: Pop3Auth::UserPass,
            }
        } else {
            Protocol::Imap {
                folder: "INBOX".into(),
                after: ImapAfter::MarkSeen,
            }
        };
        assert_eq!(mailbox.protocol, expected, "{protocol}");
        assert_eq!(settings.poll_interval(), Duration::from_secs(60));
    }
    for (security, port, expected) in [
        ("plain", 25, Security::Plain),
        ("starttls", 587, Security::StartTls),
        ("tls", 465, Security::Tls),
    ] {
        let v = with(
            valid(),
            json!({ "smtp": { "host": "smtp.example.com", "security": security } }),
        );
        let smtp = EmailChannelSettings::from_json(&v)
            .unwrap()
            .smtp(&key)
            .unwrap();
        assert_eq!((smtp.port, smtp.security), (port, expected), "{security}");
        assert_eq!(smtp.username, None);
        assert_eq!(smtp.tls.ca_pem, None);
    }
}

#[test]
fn explicit_values_map_exactly() {
    let key = new_key();
    let v = with(
        valid(),
        json!({
            "protocol": "imap", "starttls": true, "port": 1143, "folder": "Support",
            "after": "move:Support/Done", "poll_interval_secs": 5, "max_message_bytes": 1000,
            "accept_invalid_certificates": true, "timeout_secs": 7,
            "smtp": { "host": "127.0.0.1", "port": 2525, "security": "tls",
                      "username": "u", "password": "p", "helo_name": "mx.example.com",
                      "accept_invalid_certificates": true }
        }),
    );
    let settings = EmailChannelSettings::from_json(&v).unwrap();
    let mailbox = settings.mailbox(&key).unwrap();
    assert_eq!(mailbox.server.port, 1143);
    assert_eq!(mailbox.server.security, Security::StartTls);
    assert!(mailbox.server.tls.accept_invalid_certificates);
    assert_eq!(mailbox.server.timeout, Duration::from_secs(7));
    assert_eq!(mailbox.max_message_size, 1000);
    assert_eq!(
        mailbox.protocol,
        Protocol::Imap {
            folder: "Support".into(),
            after: ImapAfter::MoveTo("Support/Done".into()),
        }
    );
    assert_eq!(settings.poll_interval(), Duration::from_secs(5));
    let smtp = settings.smtp(&key).unwrap();
    assert_eq!((smtp.host.as_str(), smtp.port), ("127.0.0.1", 2525));
    assert_eq!(smtp.security, Security::Tls);
    assert_eq!(smtp.username.as_deref(), Some("u"));
    assert_eq!(smtp.password, "p");
    assert_eq!(smtp.helo_name.as_deref(), Some("mx.example.com"));
    assert!(smtp.tls.accept_invalid_certificates);
    assert_eq!(smtp.timeout, Duration::from_secs(7));

    let pop3 = with(valid(), json!({ "protocol": "pop3s", "after": "keep" }));
    let mailbox = EmailChannelSettings::from_json(&pop3)
        .unwrap()
        .mailbox(&key)
        .unwrap();
    assert_eq!(
        mailbox.protocol,
        Protocol::Pop3 {
            after: Pop3After::Keep,
            auth: Pop3Auth::UserPass,
        }
    );
}

#[test]
fn redacted_output_has_no_password() {
    let settings = EmailChannelSettings::from_json(&valid()).unwrap();
    let redacted = settings.redacted();
    let text = redacted.to_string();
    assert!(
        !text.contains(PASSWORD) && !text.contains(SMTP_PASSWORD),
        "{text}"
    );
    assert_eq!(redacted["password"], "********");
    assert_eq!(redacted["smtp"]["password"], "********");
    assert_eq!(redacted["host"], "imap.example.com");
    let debug = format!("{settings:?} {:?}", settings.smtp);
    assert!(
        !debug.contains(PASSWORD) && !debug.contains(SMTP_PASSWORD),
        "{debug}"
    );
    let sealed = settings.sealed(&new_key()).unwrap().redacted().to_string();
    assert!(!sealed.contains("enc:v1:"), "{sealed}");
}

#[test]
fn sealed_settings_still_give_the_right_mailbox_settings() {
    let key = new_key();
    let settings = EmailChannelSettings::from_json(&valid()).unwrap();
    let sealed = settings.clone().sealed(&key).unwrap();
    assert!(SecretKey::is_sealed(&sealed.password));
    assert!(SecretKey::is_sealed(&sealed.smtp.password));
    // Stored and read back, as the engine does.
    let stored = serde_json::to_value(&sealed).unwrap();
    let sealed = EmailChannelSettings::from_json(&stored).unwrap();
    assert_eq!(
        sealed.clone().sealed(&key).unwrap(),
        sealed,
        "sealed ones are kept"
    );
    let mailbox = sealed.mailbox(&key).unwrap();
    assert_eq!(mailbox.server.password, PASSWORD);
    assert_eq!(mailbox.protocol, settings.mailbox(&key).unwrap().protocol);
    assert_eq!(sealed.smtp(&key).unwrap().password, SMTP_PASSWORD);

    let err = sealed.mailbox(&new_key()).unwrap_err();
    assert!(matches!(err, EmailError::Secret { .. }), "{err}");
    assert!(!err.retryable());
    assert!(!err.to_string().contains(PASSWORD));
}

#[test]
fn a_malformed_sealed_password_is_a_settings_problem() {
    let v = with(valid(), json!({ "password": "enc:v1:abc" }));
    assert_eq!(problem_fields(&v), BTreeSet::from(["password".to_owned()]));
}

#[test]
fn settings_built_by_hand_are_checked_again() {
    let mut settings = EmailChannelSettings::from_json(&valid()).unwrap();
    settings.protocol = "gopher".into();
    settings.smtp.security = "ssl".into();
    settings.poll_interval_secs = Some(0);
    let err = settings.mailbox(&new_key()).unwrap_err();
    assert!(matches!(err, EmailError::InvalidSettings { .. }), "{err}");
    assert!(err.to_string().contains("protocol"), "{err}");
    assert!(settings.smtp(&new_key()).is_err());
    assert_eq!(settings.poll_interval(), Duration::from_secs(5));
}

/// Any JSON made of the channel's own field names and arbitrary values.
fn json_value() -> impl Strategy<Value = Value> {
    let names = field_names();
    json_leaf().prop_recursive(3, 48, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(names.clone(), inner, 0..10).prop_map(|m| {
                Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
        ]
    })
}

fn field_names() -> impl Strategy<Value = &'static str> + Clone {
    prop::sample::select(vec![
        "address",
        "protocol",
        "starttls",
        "host",
        "port",
        "username",
        "password",
        "folder",
        "after",
        "poll_interval_secs",
        "max_message_bytes",
        "ca_pem",
        "smtp",
        "security",
        "helo_name",
        "timeout_secs",
        "x",
    ])
}

fn json_leaf() -> impl Strategy<Value = Value> + Clone {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u16>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop::sample::select(vec![
            "",
            "pop3",
            "imaps",
            "starttls",
            "tls",
            "move:",
            "move:X",
            "keep",
            "seen",
            "delete",
            "enc:v1:",
            "a@b",
            "127.0.0.1",
            "-----BEGIN CERTIFICATE-----",
        ])
        .prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ]
}

/// Checks the result of reading `v`: usable settings, or at least one problem.
fn read_never_panics(v: &Value) -> Result<(), TestCaseError> {
    let key = new_key();
    match EmailChannelSettings::from_json(v) {
        Ok(settings) => {
            prop_assert!(settings.mailbox(&key).is_ok());
            prop_assert!(settings.smtp(&key).is_ok());
            let sealed = settings.sealed(&key).unwrap();
            prop_assert!(sealed.mailbox(&key).is_ok());
        }
        Err(problems) => prop_assert!(!problems.is_empty()),
    }
    Ok(())
}

proptest! {
    #[test]
    fn any_json_gives_settings_or_problems_never_a_panic(v in json_value()) {
        read_never_panics(&v)?;
    }

    #[test]
    fn any_change_to_valid_settings_gives_settings_or_problems(
        name in field_names(),
        in_smtp in any::<bool>(),
        value in json_leaf(),
    ) {
        let mut v = valid();
        let target = if in_smtp { &mut v["smtp"] } else { &mut v };
        if let Value::Object(map) = target {
            map.insert(name.to_owned(), value);
        }
        read_never_panics(&v)?;
    }
}

#[test]
fn idle_is_for_imap_only_and_reaches_the_retriever() {
    let key = new_key();
    let imap = with(valid(), json!({ "protocol": "imaps", "idle": true }));
    let settings = EmailChannelSettings::from_json(&imap).unwrap();
    let retriever = sb_email::Retriever::new(settings.mailbox(&key).unwrap());
    assert!(retriever.idles());
    let pop3 = with(valid(), json!({ "protocol": "pop3s", "idle": true }));
    let problems = EmailChannelSettings::from_json(&pop3).unwrap_err();
    assert_eq!(
        problems[0].to_string(),
        "idle: only for \"imap\" and \"imaps\": POP3 has no IDLE"
    );
    let plain = with(valid(), json!({ "protocol": "imaps" }));
    let settings = EmailChannelSettings::from_json(&plain).unwrap();
    assert!(!sb_email::Retriever::new(settings.mailbox(&key).unwrap()).idles());
}
