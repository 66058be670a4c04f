//! Trunks in the engine over a real (SQLite) store: settings checked with their field paths,
//! the inbound matcher built from every tenant's trunks and numbers, and registration / ping
//! outcomes recorded in the event log.

mod common;

use common::{T0, store, tenant};

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use sb_engine::trunks::{
    Outgoing, Purpose, SendFailure, TrunkDirectory, TrunkMachines, TrunkSettings, record_events,
};
use sb_engine::{Names, validate_document};
use sb_sip::{HeaderName, Method, StatusCode, Uri};
use sb_sip_dialog::trunk::RegistrationState;
use sb_store::{ContactKind, PointOfContactSpec, Store, Tenant, TenantDocument, Timestamp, Trunk};
use serde_json::json;

async fn number(s: &dyn Store, t: &Tenant, address: &str) {
    s.create_point_of_contact(
        t.id,
        PointOfContactSpec {
            kind: ContactKind::Phone,
            address: address.to_owned(),
            flow: "inbound".to_owned(),
            settings: json!({}),
        },
    )
    .await
    .expect("point of contact");
}

fn demo() -> TenantDocument {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../examples/demo.yaml"
    ))
    .expect("demo.yaml");
    serde_yaml_ng::from_str(&text).expect("demo parses")
}

fn problems_with(settings: serde_json::Value) -> Vec<String> {
    let mut doc = demo();
    doc.trunks[0].settings = settings;
    validate_document(&doc, Names::default())
        .into_iter()
        .map(|p| p.to_string())
        .collect()
}

#[test]
fn bad_trunk_settings_are_refused_with_their_field_path() {
    assert_eq!(
        problems_with(json!({"inbound_sources": ["127.0.0.1/32", "localhost"]})),
        ["trunks[0].settings.inbound_sources[1]: not a CIDR"]
    );
    let unknown = problems_with(json!({"inbound_source": ["127.0.0.1/32"]}));
    assert!(
        unknown.len() == 1 && unknown[0].starts_with("trunks[0].settings: unknown field"),
        "{unknown:?}"
    );
    let registrar =
        problems_with(json!({"register": {"registrar": "carrier.example", "username": "u"}}));
    assert_eq!(
        registrar,
        ["trunks[0].settings.register.registrar: not a sip: or sips: URI"]
    );
    let ping = problems_with(json!({"options_ping": 0, "outbound_proxy": "sip:sbc.example"}));
    assert_eq!(
        ping,
        ["trunks[0].settings.options_ping: the interval must be at least 1 s"]
    );
    let lonely_ping = problems_with(json!({"options_ping": true}));
    assert!(
        lonely_ping[0].starts_with("trunks[0].settings.options_ping:"),
        "{lonely_ping:?}"
    );
    let caller = problems_with(
        json!({"caller_id": "+15550100", "allowed_caller_ids": ["+1555*", "5550199"]}),
    );
    assert!(
        caller.len() == 1 && caller[0].starts_with("trunks[0].settings.allowed_caller_ids[1]:"),
        "{caller:?}"
    );
}

#[test]
fn two_trunks_of_a_document_claiming_the_same_network_are_refused() {
    let mut doc = demo();
    let mut second = doc.trunks[0].clone();
    second.name = "other".into();
    doc.trunks.push(second);
    let problems = validate_document(&doc, Names::default());
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].field, "trunks");
}

#[test]
fn a_full_trunk_settings_example_becomes_the_cores_types() {
    let yaml = r#"
inbound_sources: ["203.0.113.0/24", "2001:db8::1"]
numbers: ["020 7946 0000"]
country_code: "44"
national_prefix: "0"
caller_id: "+442079460000"
caller_id_name: Acme
allowed_caller_ids: ["+4420794600*"]
privacy: on_request
register:
  registrar: "sip:carrier.example"
  username: acme
  password: secret
  realm: carrier.example
  expires: 600
outbound_proxy: "sip:sbc.carrier.example:5060"
options_ping: 15
"#;
    let value: serde_json::Value = serde_yaml_ng::from_str(yaml).expect("yaml");
    let plan = TrunkSettings::plan(&value).expect("valid");
    assert_eq!(plan.sources.len(), 2);
    assert_eq!(plan.sources[1].prefix_len(), 128);
    let (target, every) = plan.ping.expect("pinged");
    assert_eq!(target.to_string(), "sip:sbc.carrier.example:5060");
    assert_eq!(every, Duration::from_secs(15));
    assert_eq!(plan.register.expect("registers").expires, 600);
    let rules = plan.caller_id.expect("caller id rules");
    assert_eq!(rules.default.as_str(), "+442079460000");
    assert_eq!(rules.allowed.len(), 1);
    let pinged_by_default =
        TrunkSettings::plan(&json!({"outbound_proxy": "sip:sbc.example"})).expect("valid");
    assert!(pinged_by_default.ping.is_some());
    assert!(
        TrunkSettings::plan(&json!({}))
            .expect("valid")
            .ping
            .is_none()
    );
}

#[tokio::test]
async fn the_matcher_built_from_the_store_routes_each_tenants_numbers() {
    let (s, _dir) = store().await;
    let acme = tenant(&*s, "acme").await;
    let beta = tenant(&*s, "beta").await;
    number(&*s, &acme, "+442079460001").await;
    number(&*s, &beta, "+442079460002").await;
    s.create_trunk(
        acme.id,
        "acme-sbc",
        json!({"inbound_sources": ["192.0.2.0/24"], "country_code": "44", "national_prefix": "0"}),
    )
    .await
    .expect("trunk");
    s.create_trunk(
        beta.id,
        "beta-sbc",
        json!({"inbound_sources": ["198.51.100.0/24"]}),
    )
    .await
    .expect("trunk");
    let directory = TrunkDirectory::new();
    assert!(
        directory.matcher().is_none(),
        "nothing before the first load"
    );
    directory.reload(&*s).await.expect("reload");
    let m = directory.matcher().expect("loaded");
    let uri = |u: &str| Uri::parse(u).expect("uri");
    let national = m
        .match_uris(
            "192.0.2.9".parse().expect("ip"),
            &uri("sip:02079460001@sbc"),
            None,
        )
        .expect("acme's number on acme's trunk");
    assert_eq!(national.tenant, acme.id);
    assert_eq!(
        directory.name_of(national.trunk).as_deref(),
        Some("acme-sbc")
    );
    let cross = m.match_uris(
        "198.51.100.9".parse().expect("ip"),
        &uri("sip:+442079460001@sbc"),
        None,
    );
    assert_eq!(cross, Err(sb_sip_dialog::Error::UnknownNumber));
    let stranger = m.match_uris(
        "203.0.113.1".parse().expect("ip"),
        &uri("sip:+442079460001@sbc"),
        None,
    );
    assert_eq!(stranger, Err(sb_sip_dialog::Error::NoTrunk));

    // Another tenant claiming acme's network: refused, the previous matcher stays.
    s.create_trunk(
        beta.id,
        "copycat",
        json!({"inbound_sources": ["192.0.2.0/24"]}),
    )
    .await
    .expect("trunk");
    assert!(directory.reload(&*s).await.is_err());
    let kept = directory.matcher().expect("kept");
    assert!(
        kept.trunk_of("192.0.2.9".parse().expect("ip"))
            .is_some_and(|(t, _)| t == acme.id)
    );
}

fn local() -> SocketAddr {
    "127.0.0.1:5060".parse().expect("addr")
}

async fn loaded(
    s: &Arc<dyn Store>,
    name: &str,
    settings: serde_json::Value,
) -> (Trunk, TrunkDirectory) {
    let t = tenant(&**s, name).await;
    let trunk = s
        .create_trunk(t.id, "carrier", settings)
        .await
        .expect("trunk");
    let directory = TrunkDirectory::new();
    directory.reload(&**s).await.expect("reload");
    (trunk, directory)
}

fn machines(trunk: &Trunk) -> TrunkMachines {
    let plan = TrunkSettings::plan(&trunk.settings).expect("valid");
    TrunkMachines::new(
        T0,
        trunk.tenant_id,
        trunk.id,
        &trunk.name,
        &plan,
        local(),
        7,
    )
}

fn next(m: &mut TrunkMachines) -> Outgoing {
    m.poll_outgoing().expect("a request to send")
}

async fn kinds(s: &dyn Store, trunk: &Trunk) -> Vec<(String, serde_json::Value)> {
    s.read_events(trunk.tenant_id, 0, 100)
        .await
        .expect("events")
        .into_iter()
        .map(|e| (e.kind, e.payload))
        .collect()
}

#[tokio::test]
async fn a_challenged_registration_that_succeeds_is_recorded_once_and_a_rejection_with_its_reason()
{
    let (s, _dir) = store().await;
    let settings = json!({"register": {
        "registrar": "sip:127.0.0.1:5070", "username": "acme", "password": "secret", "expires": 600
    }, "options_ping": false});
    let (trunk, directory) = loaded(&s, "acme", settings).await;
    let mut m = machines(&trunk);
    let first = next(&mut m);
    assert_eq!(first.purpose, Purpose::Register);
    assert_eq!(*first.request.method(), Method::Register);
    assert_eq!(first.destination.to_string(), "sip:127.0.0.1:5070");
    let mut challenge = first
        .request
        .make_response(StatusCode::UNAUTHORIZED, Some("r1"));
    challenge.headers_mut().push(
        HeaderName::WwwAuthenticate,
        "Digest realm=\"carrier\", nonce=\"abc123\", algorithm=MD5, qop=\"auth\"",
    );
    m.handle_result(T0, Purpose::Register, Ok(challenge));
    let second = next(&mut m);
    assert!(
        second
            .request
            .headers()
            .get(HeaderName::Authorization)
            .is_some()
    );
    let mut ok = second.request.make_response(StatusCode::OK, Some("r1"));
    ok.headers_mut()
        .push(HeaderName::Contact, "<sip:acme@127.0.0.1:5060>;expires=600");
    m.handle_result(T0, Purpose::Register, Ok(ok));
    record_events(&*s, &directory, &mut m).await;
    assert!(matches!(
        directory.status()[0].registration,
        Some(RegistrationState::Registered { .. })
    ));

    // The refresh, answered: still registered, nothing new in the log.
    let refresh_at = m.poll_timeout().expect("a refresh is due");
    m.handle_timeout(refresh_at);
    let refresh = next(&mut m);
    let ok = refresh.request.make_response(StatusCode::OK, Some("r1"));
    m.handle_result(refresh_at, Purpose::Register, Ok(ok));
    record_events(&*s, &directory, &mut m).await;

    // The next refresh is refused.
    let again = m.poll_timeout().expect("another refresh");
    m.handle_timeout(again);
    let refused = next(&mut m)
        .request
        .make_response(StatusCode::FORBIDDEN, Some("r1"));
    m.handle_result(again, Purpose::Register, Ok(refused));
    record_events(&*s, &directory, &mut m).await;

    let events = kinds(&*s, &trunk).await;
    let names: Vec<&str> = events.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        ["trunk.registered", "trunk.registration_failed"],
        "{events:?}"
    );
    assert_eq!(events[0].1["trunk"], "carrier");
    assert_eq!(events[1].1["reason"], "rejected with 403");
    assert!(matches!(
        directory.status()[0].registration,
        Some(RegistrationState::Failed { .. })
    ));
}

#[tokio::test]
async fn pings_that_fail_three_times_mark_the_trunk_down_and_two_answers_bring_it_up() {
    let (s, _dir) = store().await;
    let settings = json!({"outbound_proxy": "sip:127.0.0.1:5080", "options_ping": 1});
    let (trunk, directory) = loaded(&s, "acme", settings).await;
    let mut m = machines(&trunk);
    let mut now = T0;
    let fail = |m: &mut TrunkMachines, now: &mut Timestamp| {
        let ping = next(m);
        assert_eq!(*ping.request.method(), Method::Options);
        assert_eq!(ping.timeout, Duration::from_secs(2));
        m.handle_result(*now, ping.purpose, Err(SendFailure::Timeout));
        *now = m.poll_timeout().expect("next ping");
        m.handle_timeout(*now);
    };
    for _ in 0..2 {
        fail(&mut m, &mut now);
    }
    record_events(&*s, &directory, &mut m).await;
    assert_eq!(
        directory.status()[0].up,
        Some(true),
        "two failures are not down yet"
    );
    fail(&mut m, &mut now);
    record_events(&*s, &directory, &mut m).await;
    assert_eq!(directory.status()[0].up, Some(false));
    for _ in 0..2 {
        let ping = next(&mut m);
        let ok = ping.request.make_response(StatusCode::OK, Some("p"));
        m.handle_result(now, ping.purpose, Ok(ok));
        now = m.poll_timeout().expect("next ping");
        m.handle_timeout(now);
    }
    record_events(&*s, &directory, &mut m).await;
    assert_eq!(directory.status()[0].up, Some(true));
    let events = kinds(&*s, &trunk).await;
    let names: Vec<&str> = events.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["trunk.down", "trunk.up"], "{events:?}");
    assert_eq!(events[0].1["target"], "sip:127.0.0.1:5080");
}
