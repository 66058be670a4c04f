//! Properties: the parser never panics, and parse → print → parse is stable.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use proptest::prelude::*;
use sb_sdp::{Crypto, LocalMedia, parse, parse_bytes};

/// One valid SDP line of any type this crate models (plus an unknown `q=`), with free text.
fn line() -> impl Strategy<Value = String> {
    let text = "[ -~]{0,30}";
    prop_oneof![
        8 => "[a-zA-Z][a-zA-Z0-9-]{0,10}(:[ -~]{0,30})?".prop_map(|v| format!("a={v}")),
        2 => ("(audio|video)", any::<u16>(), "(/[1-9])?", "RTP/(S)?AVP( [0-9]{1,3}){0,4}")
            .prop_map(|(m, p, c, rest)| format!("m={m} {p}{c} {rest}")),
        1 => "IN IP[46] [0-9a-f.:]{1,20}".prop_map(|v| format!("c={v}")),
        1 => ("(AS|CT|TIAS)", any::<u32>()).prop_map(|(k, v)| format!("b={k}:{v}")),
        1 => (any::<u32>(), any::<u32>()).prop_map(|(a, b)| format!("t={a} {b}")),
        1 => text.prop_map(|v| format!("i={v}")),
        1 => text.prop_map(|v| format!("s={v}")),
        1 => text.prop_map(|v| format!("z={v}")),
        1 => text.prop_map(|v| format!("k={v}")),
        1 => text.prop_map(|v| format!("q={v}")),
    ]
}

fn document() -> impl Strategy<Value = String> {
    proptest::collection::vec(line(), 0..25).prop_map(|lines| {
        let mut text = String::from("v=0\r\no=- 123 4 IN IP4 10.0.0.1\r\n");
        for l in lines {
            text.push_str(&l);
            text.push_str(if l.len() % 3 == 0 { "\n" } else { "\r\n" });
        }
        text
    })
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic_the_parser(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = parse_bytes(&bytes);
    }

    #[test]
    fn arbitrary_text_never_panics_the_parser_or_the_views(text in "[ -~\r\n]{0,400}") {
        if let Ok(sdp) = parse(&format!("v=0\r\no=- 1 1 IN IP4 h\r\n{text}")) {
            for (i, m) in sdp.media.iter().enumerate() {
                let _ = (m.codecs(), m.crypto(), m.ptime(), m.rtcp_port(), sdp.direction_of(i));
            }
            let _ = sb_sdp::answer(&sdp, &LocalMedia::g711("192.0.2.1", 4000));
        }
    }

    #[test]
    fn parse_print_parse_is_stable(text in document()) {
        let sdp = parse(&text).unwrap();
        let printed = sdp.to_string();
        let again = parse(&printed).unwrap();
        prop_assert_eq!(&again, &sdp);
        prop_assert_eq!(again.to_string(), printed);
    }

    #[test]
    fn crypto_attributes_print_back_to_what_parses(text in "[0-9]{1,3} [A-Z_0-9]{3,25} inline:[A-Za-z0-9+/]{4,40}(\\|2\\^[0-9]{1,2})?(\\|[0-9]:[0-9])?( [A-Z_=]{1,10})?") {
        if let Ok(c) = text.parse::<Crypto>() {
            prop_assert_eq!(c.to_string().parse::<Crypto>().unwrap(), c);
        }
    }
}
