//! Arbitrary bytes into the SIP parser: never a panic; whatever parses prints back and
//! re-parses to an equal message that prints identically.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sb_sip::{Frame, ParseConfig};

fuzz_target!(|data: &[u8]| {
    let config = ParseConfig::default();
    let parsed = config.parse_datagram(data.to_vec());
    if let Err(e) = &parsed {
        let _ = sb_sip::Response::for_rejected(data, e, Some("tag")).map(|r| r.to_bytes());
    }
    if let Ok(msg) = parsed {
        let printed = msg.to_bytes();
        let start = data
            .iter()
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .count();
        assert!(
            data[start..].starts_with(&printed),
            "print is not the received bytes"
        );
        let again = config
            .parse_datagram(printed.clone())
            .expect("printed message re-parses");
        assert_eq!(again, msg);
        assert_eq!(again.to_bytes(), printed);
        let h = msg.headers();
        let _ = (
            h.vias(),
            h.from(),
            h.to(),
            h.cseq(),
            h.contacts(),
            h.routes(),
        );
        let _ = (
            h.content_type(),
            h.authorizations(),
            h.www_authenticates(),
            h.event(),
        );
        let _ = (h.replaces(), h.session_expires(), h.rack(), h.refer_to());
        if let Some(request) = msg.as_request() {
            let response = request.make_response(sb_sip::StatusCode::OK, Some("tag"));
            let reparsed = config.parse_datagram(response.to_bytes());
            assert!(
                reparsed.is_ok(),
                "built response does not parse: {reparsed:?}"
            );
        }
    }
    if let Frame::Message { len } = config.frame(data) {
        let _ = config.parse_stream(data[..len].to_vec());
    }
});
