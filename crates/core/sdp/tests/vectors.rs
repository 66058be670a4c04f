//! Real-world shaped SDP: a carrier offer, Chrome's WebRTC offer, hold re-INVITEs.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use sb_sdp::{Codec, Direction, SdpError, SessionDescription, parse, parse_bytes};

const CARRIER: &str = include_str!("../testdata/carrier_offer.sdp");
const CHROME: &str = include_str!("../testdata/chrome_offer.sdp");
const HOLD: &str = include_str!("../testdata/hold_reinvite.sdp");
const LEGACY_HOLD: &str = include_str!("../testdata/legacy_hold.sdp");

fn reparsed(sdp: &SessionDescription) -> SessionDescription {
    parse(&sdp.to_string()).unwrap()
}

#[test]
fn a_carrier_offer_parses_field_by_field() {
    let sdp = parse(CARRIER).unwrap();
    assert_eq!(sdp.origin.username, "CarrierSBC");
    assert_eq!(sdp.origin.session_version, 1_700_000_001);
    assert_eq!(sdp.session_name, "SBC call");
    assert_eq!(sdp.connection_for(0).unwrap().address, "203.0.113.20");
    let m = &sdp.media[0];
    assert_eq!(
        (m.media.as_str(), m.port, m.proto.as_str()),
        ("audio", 31044, "RTP/AVP")
    );
    let names: Vec<String> = m.codecs().iter().map(|c| c.name.clone()).collect();
    assert_eq!(names, ["PCMU", "PCMA", "G729", "telephone-event"]);
    assert_eq!(m.fmtp(18), Some("annexb=no"));
    assert_eq!(m.codec(101).unwrap().fmtp.as_deref(), Some("0-15"));
    assert_eq!(m.ptime(), Some(20));
    assert_eq!(sdp.direction_of(0), Direction::SendRecv);
    assert!(!m.rtcp_mux());
}

#[test]
fn printing_a_carrier_offer_gives_back_its_bytes() {
    let sdp = parse(CARRIER).unwrap();
    assert_eq!(sdp.to_string(), CARRIER);
}

#[test]
fn chromes_webrtc_offer_parses_and_prints_stably() {
    let sdp = parse_bytes(CHROME.as_bytes()).unwrap();
    assert_eq!(
        sdp.attribute("group").unwrap().value.as_deref(),
        Some("BUNDLE 0")
    );
    let m = &sdp.media[0];
    assert_eq!(m.proto, "UDP/TLS/RTP/SAVPF");
    assert!(m.rtcp_mux());
    assert_eq!(m.rtcp_port(), Some(9));
    let opus = m.codec(111).unwrap();
    assert_eq!(
        (opus.name.as_str(), opus.clock_rate, opus.channels),
        ("opus", 48000, 2)
    );
    assert_eq!(opus.fmtp.as_deref(), Some("minptime=10;useinbandfec=1"));
    assert_eq!(m.codecs().len(), 8);
    assert!(m.codec(126).unwrap().is_telephone_event());
    assert_eq!(
        m.attribute("fingerprint")
            .unwrap()
            .value
            .as_deref()
            .map(|v| v.len()),
        Some(103)
    );
    assert_eq!(sdp.to_string(), CHROME);
    assert_eq!(reparsed(&sdp), sdp);
}

#[test]
fn a_hold_reinvite_is_sendonly_and_bumps_the_version() {
    let first = parse(CARRIER).unwrap();
    let hold = parse(HOLD).unwrap();
    assert_eq!(hold.direction_of(0), Direction::SendOnly);
    assert_eq!(hold.origin.session_id, first.origin.session_id);
    assert_eq!(
        hold.origin.session_version,
        first.origin.session_version + 1
    );
}

#[test]
fn a_legacy_hold_with_address_zero_means_the_offerer_receives_nothing() {
    let sdp = parse(LEGACY_HOLD).unwrap();
    assert!(sdp.connection.as_ref().unwrap().is_hold_address());
    assert_eq!(sdp.direction_of(0), Direction::SendOnly);
}

#[test]
fn media_level_connection_overrides_the_session_level() {
    let text = CARRIER.replace("a=ptime:20\r\n", "c=IN IP4 198.51.100.7\r\na=ptime:20\r\n");
    let sdp = parse(&text).unwrap();
    assert_eq!(sdp.connection_for(0).unwrap().address, "198.51.100.7");
    assert_eq!(sdp.connection.as_ref().unwrap().address, "203.0.113.20");
}

#[test]
fn lf_only_line_ends_and_missing_s_and_t_lines_are_tolerated() {
    let sdp =
        parse("v=0\no=- 1 1 IN IP4 10.0.0.1\nc=IN IP4 10.0.0.1\nm=audio 4000 RTP/AVP 0\n").unwrap();
    assert_eq!(sdp.session_name, "-");
    assert_eq!(sdp.times.len(), 1);
    assert_eq!(sdp.media[0].codecs(), vec![Codec::new(0, "PCMU", 8000, 1)]);
    assert_eq!(reparsed(&sdp), sdp);
}

#[test]
fn unknown_line_types_are_skipped() {
    let sdp = parse(
        "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nx=whatever\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\ny=1\r\n",
    )
    .unwrap();
    assert_eq!(sdp.media.len(), 1);
}

#[test]
fn broken_descriptions_name_the_line() {
    assert_eq!(parse(""), Err(SdpError::Missing('v')));
    assert_eq!(parse("v=0\r\n"), Err(SdpError::Missing('o')));
    assert_eq!(
        parse("v=1\r\n"),
        Err(SdpError::Syntax {
            line: 1,
            reason: "first line must be v=0"
        })
    );
    assert_eq!(parse("v=0\r\ns=x\r\n"), Err(SdpError::Missing('o')));
    let bad_origin = parse("v=0\r\no=- 1 x IN IP4 h\r\n");
    assert_eq!(
        bad_origin,
        Err(SdpError::Syntax {
            line: 2,
            reason: "o= version is not a number"
        })
    );
    let bad_port = parse("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nm=audio 99999 RTP/AVP 0\r\n");
    assert_eq!(
        bad_port,
        Err(SdpError::Syntax {
            line: 5,
            reason: "m= port is not a number"
        })
    );
    assert!(matches!(
        parse("v=0\r\no=- 1 1 IN IP4 h\r\nab=c\r\n"),
        Err(SdpError::Syntax { line: 3, .. })
    ));
    assert!(matches!(
        parse("v=0\r\no=- 1 1 IN IP4 h\r\na=\r\n"),
        Err(SdpError::Syntax { line: 3, .. })
    ));
    assert_eq!(parse_bytes(&[0xFF, 0xFE]), Err(SdpError::NotUtf8));
}

#[test]
fn oversized_descriptions_are_refused() {
    let mut text = String::from("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\n");
    for _ in 0..65 {
        text.push_str("m=audio 1 RTP/AVP 0\r\n");
    }
    assert_eq!(parse(&text), Err(SdpError::TooLarge));
}
