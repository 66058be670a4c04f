//! RFC 4475 and RFC 5118 torture messages (from `shared/testdata/sip-torture`).
//!
//! Valid messages must parse, print back byte for byte, and survive parse → print → parse;
//! invalid ones must be rejected with the answer the RFC asks for. The expected outcome of
//! each file is written here (checked against the RFC text); `EXPECTED.tsv` must list the
//! same files, and every deviation from its class is listed in `docs/sip-parser.md`.

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

use std::path::PathBuf;

use sb_sip::{Contacts, Error, Frame, HeaderName, Message, ParseConfig, StatusCode, Uri};

fn dir(name: &str) -> PathBuf {
    let root =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../../shared/testdata/sip-torture");
    let path = root.join(name);
    assert!(
        path.is_dir(),
        "torture test data missing at {} (expected /work/shared/testdata/sip-torture)",
        path.display()
    );
    path
}

fn load(folder: &str, file: &str) -> Vec<u8> {
    let path = dir(folder).join(file);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// (file, class) rows of a folder's EXPECTED.tsv.
fn expected(folder: &str) -> Vec<(String, String)> {
    let text = String::from_utf8(load(folder, "EXPECTED.tsv")).unwrap();
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            (cols[0].to_string(), cols[3].to_string())
        })
        .collect()
}

/// Parses, prints, and checks the print is the message's own bytes and is stable.
fn round_trip(raw: &[u8]) -> Message {
    let msg = sb_sip::parse(raw.to_vec()).unwrap_or_else(|e| panic!("valid message rejected: {e}"));
    let printed = msg.to_bytes();
    assert!(raw.starts_with(&printed), "print differs from input");
    let again = sb_sip::parse(printed.clone()).expect("printed message re-parses");
    assert_eq!(again, msg, "parse → print → parse changed the message");
    assert_eq!(again.to_bytes(), printed);
    msg
}

fn rejected(raw: &[u8]) -> Error {
    match sb_sip::parse(raw.to_vec()) {
        Ok(_) => panic!("invalid message accepted"),
        Err(e) => e,
    }
}

fn reply(e: &Error) -> Option<u16> {
    e.reply_status().map(StatusCode::as_u16)
}

fn request(msg: &Message) -> &sb_sip::Request {
    msg.as_request().expect("a request")
}

/// Expected outcome for one RFC 4475 file.
fn check_4475(file: &str, raw: &[u8]) {
    match file {
        "wsinv.dat" => {
            let m = round_trip(raw);
            let h = m.headers();
            assert_eq!(h.cseq().unwrap().seq, 9);
            assert_eq!(h.max_forwards().unwrap(), 68);
            assert_eq!(h.vias().unwrap().len(), 3);
            assert_eq!(
                h.from().unwrap().display_name().unwrap(),
                "J Rosenberg \\\""
            );
            assert_eq!(h.to().unwrap().tag(), Some("1918181833n"));
            assert_eq!(h.get("NewFangledHeader").unwrap().lines().count(), 2);
            let contacts = h.contacts().unwrap();
            assert_eq!(
                contacts.addresses()[0].params.get("newparam"),
                Some("newvalue")
            );
            assert_eq!(contacts.addresses()[0].q_millis(), Some(330));
        }
        "intmeth.dat" => {
            let m = round_trip(raw);
            let r = request(&m);
            assert!(matches!(r.method(), sb_sip::Method::Extension(_)));
            assert_eq!(r.headers().cseq().unwrap().method, *r.method());
            assert!(
                r.headers()
                    .to()
                    .unwrap()
                    .display_name()
                    .unwrap()
                    .contains('\0')
            );
        }
        "esc01.dat" => {
            let m = round_trip(raw);
            let to = m.headers().to().unwrap();
            assert_eq!(to.uri.as_sip().unwrap().user_decoded().unwrap(), b"user");
        }
        "escnull.dat" => {
            let m = round_trip(raw);
            let Contacts::List(list) = m.headers().contacts().unwrap() else {
                panic!("star")
            };
            assert_eq!(
                list[1].uri.as_sip().unwrap().user_decoded().unwrap(),
                b"\0\0"
            );
        }
        "esc02.dat" => {
            let m = round_trip(raw);
            assert_ne!(*request(&m).method(), sb_sip::Method::Register);
            assert_eq!(m.headers().contacts().unwrap().addresses().len(), 2);
        }
        "semiuri.dat" => {
            let m = round_trip(raw);
            let Uri::Sip(u) = request(&m).uri() else {
                panic!("sip uri")
            };
            assert_eq!(u.user.as_deref(), Some("user;par=u%40example.net"));
        }
        "transports.dat" => {
            let m = round_trip(raw);
            let vias = m.headers().vias().unwrap();
            assert_eq!(vias[3].transport, "UNKNOWN");
        }
        "mpart01.dat" => {
            let m = round_trip(raw);
            let ct = m.headers().content_type().unwrap();
            let parts = sb_sip::multipart::split(m.body(), &ct.boundary().unwrap()).unwrap();
            assert_eq!(parts.len(), 2);
            assert_eq!(&parts[0].body[..], b"Hello");
        }
        "dblreq.dat" => {
            let m = round_trip(raw);
            assert_eq!(*request(&m).method(), sb_sip::Method::Register);
            assert!(m.body().is_empty());
        }
        "unreason.dat" | "noreason.dat" | "lwsdisp.dat" | "longreq.dat" => {
            let m = round_trip(raw);
            assert!(m.headers().vias().is_ok());
        }
        "badinv01.dat" | "scalar02.dat" | "quotbal.dat" | "regbadct.dat" | "badaspec.dat"
        | "baddn.dat" => {
            let e = rejected(raw);
            assert!(
                matches!(e, Error::BadHeader { .. } | Error::UnterminatedQuote { .. }),
                "{e:?}"
            );
            assert_eq!(reply(&e), Some(400));
        }
        "clerr.dat" => {
            assert!(matches!(
                rejected(raw),
                Error::BodyTruncated { declared: 9999, .. }
            ));
            assert_eq!(ParseConfig::default().frame(raw), Frame::Incomplete);
        }
        "ncl.dat" | "mcl01.dat" => {
            let e = rejected(raw);
            assert!(matches!(e, Error::BadContentLength { .. }), "{e:?}");
            assert_eq!(reply(&e), Some(400));
            assert!(matches!(
                ParseConfig::default().frame(raw),
                Frame::Invalid(_)
            ));
        }
        "scalarlg.dat" | "bigcode.dat" => {
            let e = rejected(raw);
            assert!(e.is_in_response(), "{e:?}");
            assert_eq!(reply(&e), None);
        }
        "ltgtruri.dat" | "lwsruri.dat" | "lwsstart.dat" | "trws.dat" | "escruri.dat" => {
            let e = rejected(raw);
            assert!(matches!(e, Error::BadStartLine { .. }), "{e:?}");
            assert_eq!(reply(&e), Some(400));
        }
        "baddate.dat" => {
            let m = round_trip(raw);
            assert!(m.headers().get("Date").unwrap().ends_with("EST"));
        }
        "badvers.dat" => assert_eq!(reply(&rejected(raw)), Some(505)),
        "mismatch01.dat" => {
            let e = rejected(raw);
            assert!(matches!(e, Error::CSeqMismatch { .. }), "{e:?}");
            assert_eq!(reply(&e), Some(400));
        }
        "mismatch02.dat" => {
            let e = rejected(raw);
            assert!(matches!(e, Error::CSeqMismatch { .. }), "{e:?}");
            assert_eq!(reply(&e), Some(501));
        }
        "badbranch.dat" => {
            let m = round_trip(raw);
            assert!(!m.headers().top_via().unwrap().has_rfc3261_branch());
        }
        "insuf.dat" => {
            let e = rejected(raw);
            assert!(matches!(e, Error::MissingHeader { .. }), "{e:?}");
            assert_eq!(reply(&e), Some(400));
        }
        "multi01.dat" => {
            let e = rejected(raw);
            assert!(matches!(e, Error::DuplicateHeader { .. }), "{e:?}");
            assert_eq!(reply(&e), Some(400));
        }
        "unkscm.dat" | "novelsc.dat" => {
            let m = round_trip(raw);
            assert!(matches!(request(&m).uri(), Uri::Other(_)));
        }
        "unksm2.dat" => {
            let m = round_trip(raw);
            assert_eq!(m.headers().to().unwrap().uri.scheme(), "isbn");
        }
        "bext01.dat" => {
            let m = round_trip(raw);
            assert_eq!(m.headers().tokens(HeaderName::Require).unwrap().len(), 2);
            assert_eq!(
                m.headers().tokens(HeaderName::ProxyRequire).unwrap().len(),
                2
            );
        }
        "invut.dat" => {
            let m = round_trip(raw);
            assert!(
                m.headers()
                    .content_type()
                    .unwrap()
                    .is("application", "unknownformat")
            );
        }
        "regaut01.dat" => {
            let m = round_trip(raw);
            let auth = &m.headers().authorizations().unwrap()[0];
            assert!(!auth.is_digest());
            assert_eq!(auth.get("opaque-data").unwrap(), "here");
        }
        "bcast.dat" => {
            let m = round_trip(raw);
            assert_eq!(
                m.headers().vias().unwrap()[1].host.to_string(),
                "255.255.255.255"
            );
        }
        "zeromf.dat" => assert_eq!(round_trip(raw).headers().max_forwards().unwrap(), 0),
        "cparam01.dat" => {
            let c = round_trip(raw).headers().contacts().unwrap().addresses()[0].clone();
            assert!(c.params.contains("unknownparam"));
            assert!(!c.uri.as_sip().unwrap().params.contains("unknownparam"));
        }
        "cparam02.dat" => {
            let c = round_trip(raw).headers().contacts().unwrap().addresses()[0].clone();
            assert!(!c.params.contains("unknownparam"));
            assert!(c.uri.as_sip().unwrap().params.contains("unknownparam"));
        }
        "regescrt.dat" => {
            let c = round_trip(raw).headers().contacts().unwrap().addresses()[0].clone();
            assert_eq!(
                c.uri.to_string(),
                "sip:user@example.com?Route=%3Csip:sip.example.com%3E"
            );
        }
        "sdp01.dat" => {
            let m = round_trip(raw);
            assert_eq!(m.headers().get("Accept"), Some("text/nobodyKnowsThis"));
        }
        "inv2543.dat" => {
            let e = rejected(raw);
            assert_eq!(
                e,
                Error::MissingHeader {
                    name: HeaderName::MaxForwards
                }
            );
            let compat = ParseConfig {
                require_max_forwards: false,
                ..ParseConfig::default()
            };
            let m = compat
                .parse_datagram(raw.to_vec())
                .expect("accepted in RFC 2543 mode");
            assert_eq!(m.to_bytes(), raw);
        }
        other => panic!("no expectation written for {other}"),
    }
}

#[test]
fn every_rfc4475_message_is_parsed_or_rejected_as_the_rfc_says() {
    let rows = expected("rfc4475");
    assert_eq!(rows.len(), 49, "RFC 4475 has 49 messages");
    for (file, _class) in &rows {
        let raw = load("rfc4475", file);
        let outcome = std::panic::catch_unwind(|| check_4475(file, &raw));
        assert!(outcome.is_ok(), "{file} did not behave as expected");
    }
}

#[test]
fn every_valid_rfc4475_message_prints_back_byte_for_byte() {
    for (file, class) in expected("rfc4475") {
        if class == "valid" && file != "dblreq.dat" {
            let raw = load("rfc4475", &file);
            assert_eq!(round_trip(&raw).to_bytes(), raw, "{file}");
        }
    }
}

#[test]
fn every_rfc5118_message_is_parsed_or_rejected_as_the_rfc_says() {
    let rows = expected("rfc5118");
    assert_eq!(rows.len(), 12);
    for (file, class) in rows {
        let raw = load("rfc5118", &file);
        match file.as_str() {
            "ipv6-bad" | "ipv6-bug-abnf-3-colons" => {
                let e = rejected(&raw);
                assert!(matches!(e, Error::BadStartLine { .. }), "{file}: {e:?}");
                assert_eq!(reply(&e), Some(400));
            }
            _ => {
                assert_eq!(class, "valid", "{file}");
                round_trip(&raw);
            }
        }
    }
}

#[test]
fn rfc5118_ipv6_references_are_typed() {
    let m = round_trip(&load("rfc5118", "port-ambiguous"));
    let Uri::Sip(u) = request(&m).uri() else {
        panic!()
    };
    assert_eq!(
        (u.host.to_string().as_str(), u.port),
        ("[2001:db8::10:5070]", None)
    );
    let m = round_trip(&load("rfc5118", "port-unambiguous"));
    let Uri::Sip(u) = request(&m).uri() else {
        panic!()
    };
    assert_eq!(
        (u.host.to_string().as_str(), u.port),
        ("[2001:db8::10]", Some(5070))
    );
    for file in [
        "via-received-param-with-delim",
        "via-received-param-no-delim",
    ] {
        let via = round_trip(&load("rfc5118", file))
            .headers()
            .top_via()
            .unwrap();
        assert_eq!(
            via.received().unwrap().to_string(),
            "[2001:db8::9:255]",
            "{file}"
        );
    }
}

#[test]
fn rfc5118_short_content_length_truncates_the_datagram_body() {
    for file in ["ipv4-mapped-ipv6", "ipv6-in-sdp", "mult-ip-in-sdp"] {
        let raw = load("rfc5118", file);
        let m = round_trip(&raw);
        let declared = m.headers().content_length().unwrap() as usize;
        assert_eq!(m.body().len(), declared, "{file}");
        assert!(m.to_bytes().len() < raw.len(), "{file}");
    }
}
