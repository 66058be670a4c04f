//! SDP parser: never panics; what parses prints to text that parses to the same model; the
//! answerer never panics on it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(sdp) = sb_sdp::parse_bytes(data) else {
        return;
    };
    let printed = sdp.to_string();
    let again = sb_sdp::parse(&printed).expect("printed SDP parses");
    assert_eq!(again, sdp, "parse → print → parse is stable");
    for (i, m) in sdp.media.iter().enumerate() {
        let _ = (
            m.codecs(),
            m.crypto(),
            m.ptime(),
            m.rtcp_port(),
            sdp.direction_of(i),
        );
    }
    let _ = sb_sdp::answer(&sdp, &sb_sdp::LocalMedia::g711("192.0.2.1", 4000));
});
