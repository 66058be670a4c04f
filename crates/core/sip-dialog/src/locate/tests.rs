use std::collections::BTreeMap;
use std::net::IpAddr;

use proptest::prelude::*;
use sb_sip::SipUri;

use super::*;

/// A zone as data: what a resolver would answer. Unlisted questions get no records.
#[derive(Default)]
struct Zone(BTreeMap<Query, Vec<Record>>);

impl Zone {
    fn with(mut self, name: &str, kind: RecordType, records: Vec<Record>) -> Self {
        let q = Query {
            name: name.into(),
            kind,
        };
        self.0.entry(q).or_default().extend(records);
        self
    }

    fn addr(self, name: &str, ips: &[&str]) -> Self {
        let (v4, v6): (Vec<IpAddr>, Vec<IpAddr>) = ips
            .iter()
            .map(|s| s.parse::<IpAddr>().unwrap())
            .partition(IpAddr::is_ipv4);
        let rec = |v: Vec<IpAddr>| v.into_iter().map(Record::Address).collect();
        self.with(name, RecordType::A, rec(v4))
            .with(name, RecordType::Aaaa, rec(v6))
    }

    /// Drives the machine to the end, answering every query; returns the queries asked.
    fn drive(&self, l: &mut Locate) -> Vec<Query> {
        let mut asked = Vec::new();
        while let Some(q) = l.poll_query() {
            let answer = self.0.get(&q).cloned().unwrap_or_default();
            asked.push(q.clone());
            l.handle_answer(&q, answer);
        }
        assert!(l.is_done(), "no query left but not done");
        asked
    }
}

fn naptr(order: u16, pref: u16, service: &str, replacement: &str) -> Record {
    Record::Naptr(NaptrRecord {
        order,
        preference: pref,
        flags: "s".into(),
        service: service.into(),
        replacement: replacement.into(),
    })
}

fn srv(priority: u16, weight: u16, port: u16, target: &str) -> Record {
    Record::Srv(SrvRecord {
        priority,
        weight,
        port,
        target: target.into(),
    })
}

fn locate(uri: &str) -> Locate {
    Locate::new(&SipUri::parse(uri).unwrap(), LocateConfig::default(), 1).unwrap()
}

fn targets(l: &Locate) -> Vec<String> {
    l.targets()
        .iter()
        .map(|t| {
            format!(
                "{} {}",
                t.transport,
                std::net::SocketAddr::new(t.ip, t.port)
            )
        })
        .collect()
}

#[test]
fn numeric_host_needs_no_dns() {
    let mut l = locate("sip:198.51.100.7");
    assert_eq!(Zone::default().drive(&mut l), []);
    assert_eq!(targets(&l), ["UDP 198.51.100.7:5060"]);
    let l = locate("sips:[2001:db8::7]:5071");
    assert_eq!(targets(&l), ["TLS [2001:db8::7]:5071"]);
    let l = locate("sip:198.51.100.7;transport=tcp");
    assert_eq!(targets(&l), ["TCP 198.51.100.7:5060"]);
}

#[test]
fn explicit_port_asks_only_for_addresses() {
    let zone = Zone::default()
        .with(
            "carrier.example.net",
            RecordType::Naptr,
            vec![naptr(10, 10, "SIP+D2T", "_sip._tcp.carrier.example.net")],
        )
        .addr("carrier.example.net", &["192.0.2.1", "2001:db8::1"]);
    let mut l = locate("sip:carrier.example.net:5080");
    let kinds: Vec<_> = zone.drive(&mut l).into_iter().map(|q| q.kind).collect();
    assert_eq!(kinds, [RecordType::A, RecordType::Aaaa]);
    assert_eq!(
        targets(&l),
        ["UDP 192.0.2.1:5080", "UDP [2001:db8::1]:5080"]
    );
}

#[test]
fn transport_parameter_asks_srv_for_that_transport_only() {
    let zone = Zone::default()
        .with(
            "_sip._tcp.carrier.example.net",
            RecordType::Srv,
            vec![srv(10, 0, 5070, "sbc1.carrier.example.net.")],
        )
        .addr("sbc1.carrier.example.net", &["192.0.2.10"]);
    let mut l = locate("sip:Carrier.Example.NET;transport=TCP");
    let asked = zone.drive(&mut l);
    assert_eq!(asked[0].name, "_sip._tcp.carrier.example.net");
    assert!(asked.iter().all(|q| q.kind != RecordType::Naptr));
    assert_eq!(targets(&l), ["TCP 192.0.2.10:5070"]);
}

#[test]
fn transport_parameter_without_srv_falls_back_to_addresses_on_the_default_port() {
    let zone = Zone::default().addr("carrier.example.net", &["192.0.2.1"]);
    let mut l = locate("sip:carrier.example.net;transport=tls");
    zone.drive(&mut l);
    assert_eq!(targets(&l), ["TLS 192.0.2.1:5061"]);
}

#[test]
fn naptr_orders_by_order_then_preference_and_skips_what_we_cannot_speak() {
    let zone = Zone::default()
        .with(
            "carrier.example.net",
            RecordType::Naptr,
            vec![
                naptr(20, 10, "SIP+D2U", "_sip._udp.carrier.example.net"),
                naptr(10, 20, "SIP+D2T", "_sip._tcp.carrier.example.net"),
                naptr(10, 10, "SIP+D2S", "_sip._sctp.carrier.example.net"),
                naptr(10, 15, "SIPS+D2T", "_sips._tcp.carrier.example.net"),
            ],
        )
        .with(
            "_sip._udp.carrier.example.net",
            RecordType::Srv,
            vec![srv(0, 0, 5060, "sbc.carrier.example.net")],
        )
        .with(
            "_sip._tcp.carrier.example.net",
            RecordType::Srv,
            vec![srv(0, 0, 5060, "sbc.carrier.example.net")],
        )
        .with(
            "_sips._tcp.carrier.example.net",
            RecordType::Srv,
            vec![srv(0, 0, 5061, "sbc.carrier.example.net")],
        )
        .addr("sbc.carrier.example.net", &["192.0.2.5"]);
    let mut l = locate("sip:carrier.example.net");
    let asked = zone.drive(&mut l);
    assert!(!asked.iter().any(|q| q.name.contains("sctp")));
    assert_eq!(
        targets(&l),
        [
            "TLS 192.0.2.5:5061",
            "TCP 192.0.2.5:5060",
            "UDP 192.0.2.5:5060"
        ]
    );
    let udp_only = LocateConfig {
        transports: vec![Transport::Udp],
        prefer_ipv6: false,
    };
    let uri = SipUri::parse("sip:carrier.example.net").unwrap();
    let mut l = Locate::new(&uri, udp_only, 1).unwrap();
    zone.drive(&mut l);
    assert_eq!(targets(&l), ["UDP 192.0.2.5:5060"]);
}

#[test]
fn sips_uri_follows_only_sips_naptr_records() {
    let zone = Zone::default()
        .with(
            "carrier.example.net",
            RecordType::Naptr,
            vec![
                naptr(10, 10, "SIP+D2U", "_sip._udp.carrier.example.net"),
                naptr(20, 10, "SIPS+D2T", "_sips._tcp.carrier.example.net"),
            ],
        )
        .with(
            "_sip._udp.carrier.example.net",
            RecordType::Srv,
            vec![srv(0, 0, 5060, "sbc.carrier.example.net")],
        )
        .with(
            "_sips._tcp.carrier.example.net",
            RecordType::Srv,
            vec![srv(0, 0, 5061, "tls.carrier.example.net")],
        )
        .addr("sbc.carrier.example.net", &["192.0.2.5"])
        .addr("tls.carrier.example.net", &["192.0.2.6"]);
    let mut l = locate("sips:carrier.example.net");
    zone.drive(&mut l);
    assert_eq!(targets(&l), ["TLS 192.0.2.6:5061"]);
}

#[test]
fn without_naptr_srv_is_tried_for_udp_tcp_then_tls() {
    let zone = Zone::default()
        .with(
            "_sips._tcp.carrier.example.net",
            RecordType::Srv,
            vec![srv(0, 0, 5061, "b.carrier.example.net")],
        )
        .with(
            "_sip._udp.carrier.example.net",
            RecordType::Srv,
            vec![srv(0, 0, 5060, "a.carrier.example.net")],
        )
        .addr("a.carrier.example.net", &["192.0.2.1"])
        .addr("b.carrier.example.net", &["192.0.2.2"]);
    let mut l = locate("sip:carrier.example.net");
    let asked = zone.drive(&mut l);
    let srv_asked: Vec<_> = asked
        .iter()
        .filter(|q| q.kind == RecordType::Srv)
        .map(|q| q.name.as_str())
        .collect();
    assert_eq!(
        srv_asked,
        [
            "_sip._udp.carrier.example.net",
            "_sip._tcp.carrier.example.net",
            "_sips._tcp.carrier.example.net"
        ]
    );
    assert_eq!(targets(&l), ["UDP 192.0.2.1:5060", "TLS 192.0.2.2:5061"]);
}

#[test]
fn without_naptr_or_srv_addresses_are_used_on_5060_or_5061() {
    let zone = Zone::default().addr("carrier.example.net", &["2001:db8::9", "192.0.2.9"]);
    let mut l = locate("sip:carrier.example.net");
    zone.drive(&mut l);
    assert_eq!(
        targets(&l),
        ["UDP 192.0.2.9:5060", "UDP [2001:db8::9]:5060"]
    );
    let mut l = locate("sips:carrier.example.net");
    zone.drive(&mut l);
    assert_eq!(
        targets(&l),
        ["TLS 192.0.2.9:5061", "TLS [2001:db8::9]:5061"]
    );
    let v6_first = LocateConfig {
        prefer_ipv6: true,
        ..LocateConfig::default()
    };
    let uri = SipUri::parse("sip:carrier.example.net").unwrap();
    let mut l = Locate::new(&uri, v6_first, 1).unwrap();
    zone.drive(&mut l);
    assert_eq!(targets(&l)[0], "UDP [2001:db8::9]:5060");
}

#[test]
fn srv_priority_decides_failover_order_across_hosts() {
    let zone = Zone::default()
        .with(
            "_sip._udp.carrier.example.net",
            RecordType::Srv,
            vec![
                srv(20, 0, 5060, "backup.carrier.example.net"),
                srv(10, 0, 5062, "main.carrier.example.net"),
            ],
        )
        .addr("main.carrier.example.net", &["192.0.2.1", "192.0.2.2"])
        .addr("backup.carrier.example.net", &["192.0.2.3"]);
    let mut l = locate("sip:carrier.example.net;transport=udp");
    zone.drive(&mut l);
    assert_eq!(
        targets(&l),
        [
            "UDP 192.0.2.1:5062",
            "UDP 192.0.2.2:5062",
            "UDP 192.0.2.3:5060"
        ]
    );
}

#[test]
fn unknown_or_unsupported_transports_are_refused() {
    let tcp_only = LocateConfig {
        transports: vec![Transport::Tcp],
        prefer_ipv6: false,
    };
    for (uri, config) in [
        (
            "sip:carrier.example.net;transport=sctp",
            LocateConfig::default(),
        ),
        (
            "sips:carrier.example.net;transport=udp",
            LocateConfig::default(),
        ),
        ("sip:carrier.example.net;transport=udp", tcp_only.clone()),
        ("sips:carrier.example.net", tcp_only),
    ] {
        let uri = SipUri::parse(uri).unwrap();
        assert!(matches!(
            Locate::new(&uri, config, 1),
            Err(Error::UnsupportedTransport(_))
        ));
    }
}

#[test]
fn queries_can_be_answered_in_any_order_and_stray_answers_are_ignored() {
    let mut l = locate("sip:carrier.example.net");
    let naptr_q = l.poll_query().unwrap();
    l.handle_answer(&naptr_q, vec![]);
    let srvs: Vec<Query> = std::iter::from_fn(|| l.poll_query()).collect();
    assert_eq!(srvs.len(), 3, "the three SRV queries go out together");
    let stray = Query {
        name: "elsewhere.example".into(),
        kind: RecordType::Srv,
    };
    l.handle_answer(&stray, vec![srv(0, 0, 1, "x")]);
    for q in srvs.iter().rev() {
        let rec = if q.name.starts_with("_sip._tcp") {
            vec![srv(0, 0, 5060, "t.carrier.example.net")]
        } else {
            vec![]
        };
        l.handle_answer(q, rec);
    }
    let a = l.poll_query().unwrap();
    let aaaa = l.poll_query().unwrap();
    l.handle_answer(&aaaa, vec![]);
    assert!(!l.is_done());
    l.handle_answer(&a, vec![Record::Address("192.0.2.4".parse().unwrap())]);
    assert!(l.is_done());
    assert_eq!(targets(&l), ["TCP 192.0.2.4:5060"]);
}

fn arb_record() -> impl Strategy<Value = Record> {
    let name = prop_oneof![
        Just("a.example".to_owned()),
        Just("_sip._udp.example".to_owned()),
        Just("_sips._tcp.example".to_owned()),
        Just(".".to_owned()),
    ];
    prop_oneof![
        (any::<u16>(), any::<u16>(), "SIPS?\\+D2[UTS]", name.clone()).prop_map(|(o, p, s, r)| {
            Record::Naptr(NaptrRecord {
                order: o,
                preference: p,
                flags: "s".into(),
                service: s,
                replacement: r,
            })
        }),
        (0u16..3, any::<u16>(), any::<u16>(), name).prop_map(|(p, w, port, t)| srv(p, w, port, &t)),
        any::<[u8; 4]>().prop_map(|b| Record::Address(IpAddr::from(b))),
        any::<[u8; 16]>().prop_map(|b| Record::Address(IpAddr::from(b))),
    ]
}

proptest! {
    #[test]
    fn any_answers_terminate_with_supported_targets(
        answers in prop::collection::vec(prop::collection::vec(arb_record(), 0..6), 0..12),
        secure in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let uri = SipUri::parse(if secure { "sips:example" } else { "sip:example" }).unwrap();
        let mut l = Locate::new(&uri, LocateConfig::default(), seed).unwrap();
        let mut answers = answers.into_iter();
        let mut asked = 0;
        while let Some(q) = l.poll_query() {
            asked += 1;
            l.handle_answer(&q, answers.next().unwrap_or_default());
        }
        prop_assert!(l.is_done());
        prop_assert!(asked <= 1 + 2 * MAX_HOSTS + 2 * MAX_HOSTS);
        for t in l.targets() {
            prop_assert!(!secure || t.transport == Transport::Tls);
        }
    }
}
