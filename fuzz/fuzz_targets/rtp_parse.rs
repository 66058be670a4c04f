//! RTP and RTCP parsers and the session's receive path: never panic; what parses writes back
//! to bytes that parse to the same packet.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sb_rtp::Timestamp;
use sb_rtp::rtcp::{parse_compound, write_compound};
use sb_rtp::{RtpPacket, RtpSession, SessionConfig};

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = RtpPacket::parse(data) {
        let bytes = p.to_vec().expect("a parsed packet can be written");
        assert_eq!(RtpPacket::parse(&bytes).expect("written packet parses"), p);
    }
    if let Ok(packets) = parse_compound(data) {
        let mut out = Vec::new();
        write_compound(&packets, &mut out).expect("parsed RTCP can be written");
        assert_eq!(parse_compound(&out).expect("written RTCP parses"), packets);
    }
    let mut session = RtpSession::new(SessionConfig::g711(1, "fuzz", 1), Timestamp::EPOCH);
    let _ = session.handle_rtp(Timestamp::EPOCH, data);
    let _ = session.handle_rtcp(Timestamp::from_millis(5), data);
    let _ = session.quality();
    let mut srtp = sb_rtp::srtp::SrtpContext::new(&[7; 30]).expect("30 bytes of key material");
    let _ = srtp.unprotect_rtp(data);
    let _ = srtp.unprotect_rtcp(data);
});
