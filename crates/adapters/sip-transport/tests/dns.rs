//! `Resolver`: RFC 3263 over a real DNS client, against a tiny DNS server on 127.0.0.1
//! written here with `hickory-proto` (nothing is ever asked beyond 127.0.0.1).

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use hickory_proto::op::{Message, MessageType, OpCode, ResponseCode};
use hickory_proto::rr::rdata::{A, NAPTR, SRV};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use sb_sip::SipUri;
use sb_sip_dialog::locate::Transport;
use sb_sip_transport::{Destination, ResolveError, Resolver};
use tokio::net::UdpSocket;

fn name(s: &str) -> Name {
    Name::from_ascii(s).expect("name")
}

/// The zone: `carrier.test` with NAPTR (TCP first, then UDP) and SRV records, `plain.test`
/// with an A record only; everything else NXDOMAIN.
fn zone(qname: &str, kind: RecordType) -> Option<Vec<RData>> {
    let naptr = |order, service: &str, target: &str| {
        RData::NAPTR(NAPTR::new(
            order,
            10,
            b"s".to_vec().into_boxed_slice(),
            service.as_bytes().to_vec().into_boxed_slice(),
            Vec::new().into_boxed_slice(),
            name(target),
        ))
    };
    let srv = |priority, weight, port, target: &str| {
        RData::SRV(SRV::new(priority, weight, port, name(target)))
    };
    let a = |ip: [u8; 4]| RData::A(A(Ipv4Addr::from(ip)));
    let answer = match (qname, kind) {
        ("carrier.test.", RecordType::NAPTR) => vec![
            naptr(20, "SIP+D2U", "_sip._udp.carrier.test."),
            naptr(10, "SIP+D2T", "_sip._tcp.carrier.test."),
        ],
        ("_sip._tcp.carrier.test.", RecordType::SRV) => vec![
            srv(10, 0, 5070, "b.carrier.test."),
            srv(5, 0, 5071, "a.carrier.test."),
        ],
        ("_sip._udp.carrier.test.", RecordType::SRV) => vec![srv(1, 0, 5072, "a.carrier.test.")],
        ("a.carrier.test.", RecordType::A) => vec![a([127, 0, 0, 1])],
        ("b.carrier.test.", RecordType::A) => vec![a([127, 0, 0, 2])],
        ("plain.test.", RecordType::A) => vec![a([127, 0, 0, 3])],
        (
            "carrier.test."
            | "a.carrier.test."
            | "b.carrier.test."
            | "plain.test."
            | "_sip._tcp.carrier.test."
            | "_sip._udp.carrier.test.",
            _,
        ) => Vec::new(),
        _ => return None,
    };
    Some(answer)
}

/// The fake server's address and the questions it was asked.
async fn dns_server() -> (SocketAddr, Arc<Mutex<Vec<(String, RecordType)>>>) {
    let socket = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let addr = socket.local_addr().expect("addr");
    let asked = Arc::new(Mutex::new(Vec::new()));
    let log = asked.clone();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 4096];
        loop {
            let Ok((n, from)) = socket.recv_from(&mut buf).await else {
                return;
            };
            let Ok(query) = Message::from_vec(&buf[..n]) else {
                continue;
            };
            let mut reply = Message::new();
            reply
                .set_id(query.id())
                .set_message_type(MessageType::Response)
                .set_op_code(OpCode::Query)
                .set_authoritative(true)
                .set_recursion_desired(query.recursion_desired());
            for q in query.queries() {
                let qname = q.name().to_ascii().to_ascii_lowercase();
                log.lock()
                    .expect("log")
                    .push((qname.clone(), q.query_type()));
                reply.add_query(q.clone());
                match zone(&qname, q.query_type()) {
                    Some(records) => {
                        for r in records {
                            reply.add_answer(Record::from_rdata(q.name().clone(), 60, r));
                        }
                    }
                    None => {
                        reply.set_response_code(ResponseCode::NXDomain);
                    }
                }
            }
            if let Ok(bytes) = reply.to_vec() {
                let _ = socket.send_to(&bytes, from).await;
            }
        }
    });
    (addr, asked)
}

fn uri(s: &str) -> SipUri {
    SipUri::parse(s).expect("uri")
}

fn dest(transport: Transport, addr: &str) -> Destination {
    Destination {
        transport,
        addr: addr.parse().expect("addr"),
    }
}

#[tokio::test]
async fn naptr_then_srv_by_priority_then_addresses_give_the_ordered_destinations() {
    let (server, asked) = dns_server().await;
    let resolver = Resolver::with_nameservers(&[server]);
    let found = resolver
        .resolve(&uri("sip:+15551230000@carrier.test"))
        .await
        .expect("resolved");
    assert_eq!(
        found,
        [
            dest(Transport::Tcp, "127.0.0.1:5071"),
            dest(Transport::Tcp, "127.0.0.2:5070"),
            dest(Transport::Udp, "127.0.0.1:5072"),
        ]
    );
    let asked = asked.lock().expect("log").clone();
    assert_eq!(asked[0], ("carrier.test.".to_owned(), RecordType::NAPTR));
    assert!(asked.contains(&("_sip._tcp.carrier.test.".to_owned(), RecordType::SRV)));
    assert!(asked.contains(&("b.carrier.test.".to_owned(), RecordType::A)));
}

#[tokio::test]
async fn a_transport_parameter_asks_only_that_srv_name() {
    let (server, asked) = dns_server().await;
    let resolver = Resolver::with_nameservers(&[server]);
    let found = resolver
        .resolve(&uri("sip:x@carrier.test;transport=tcp"))
        .await
        .expect("resolved");
    assert_eq!(
        found,
        [
            dest(Transport::Tcp, "127.0.0.1:5071"),
            dest(Transport::Tcp, "127.0.0.2:5070"),
        ]
    );
    let asked = asked.lock().expect("log").clone();
    assert!(
        !asked.iter().any(|(_, t)| *t == RecordType::NAPTR),
        "{asked:?}"
    );
}

#[tokio::test]
async fn a_name_with_only_an_a_record_falls_back_to_udp_port_5060() {
    let (server, asked) = dns_server().await;
    let resolver = Resolver::with_nameservers(&[server]);
    let found = resolver
        .resolve(&uri("sip:x@plain.test"))
        .await
        .expect("resolved");
    assert_eq!(found, [dest(Transport::Udp, "127.0.0.3:5060")]);
    let asked = asked.lock().expect("log").clone();
    let srv = asked.iter().filter(|(_, t)| *t == RecordType::SRV).count();
    assert_eq!(
        srv, 3,
        "_sip._udp, _sip._tcp, _sips._tcp were tried: {asked:?}"
    );
}

#[tokio::test]
async fn a_numeric_host_resolves_without_any_query() {
    let (server, asked) = dns_server().await;
    let resolver = Resolver::with_nameservers(&[server]);
    let found = resolver
        .resolve(&uri("sip:x@127.0.0.9:5080"))
        .await
        .expect("resolved");
    assert_eq!(found, [dest(Transport::Udp, "127.0.0.9:5080")]);
    let tcp = resolver
        .resolve(&uri("sip:x@127.0.0.9;transport=tcp"))
        .await
        .expect("resolved");
    assert_eq!(tcp, [dest(Transport::Tcp, "127.0.0.9:5060")]);
    assert!(
        asked.lock().expect("log").is_empty(),
        "no DNS for an IP literal"
    );
}

#[tokio::test]
async fn an_unknown_name_is_not_found() {
    let (server, _) = dns_server().await;
    let resolver = Resolver::with_nameservers(&[server]);
    let outcome = resolver.resolve(&uri("sip:x@nowhere.test")).await;
    assert!(
        matches!(outcome, Err(ResolveError::NotFound(_))),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn an_unsupported_uri_transport_is_refused() {
    let (server, _) = dns_server().await;
    let resolver = Resolver::with_nameservers(&[server]);
    let outcome = resolver
        .resolve(&uri("sip:x@carrier.test;transport=sctp"))
        .await;
    assert!(
        matches!(outcome, Err(ResolveError::Unsupported(_))),
        "{outcome:?}"
    );
}
