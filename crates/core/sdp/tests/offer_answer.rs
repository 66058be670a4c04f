//! Offer/answer (RFC 3264) for audio legs: codec choice, telephone-event, hold, rtcp-mux,
//! rejected streams, SDES-SRTP, origin versions.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use sb_sdp::{
    Codec, Direction, LocalMedia, LocalSdp, SdpError, SessionDescription, accept_answer, answer,
    offer, parse,
};

const CARRIER: &str = include_str!("../testdata/carrier_offer.sdp");
const CHROME: &str = include_str!("../testdata/chrome_offer.sdp");
const HOLD: &str = include_str!("../testdata/hold_reinvite.sdp");
const LEGACY_HOLD: &str = include_str!("../testdata/legacy_hold.sdp");

fn local() -> LocalMedia {
    LocalMedia::g711("192.0.2.1", 20000)
}

fn sdp(text: &str) -> SessionDescription {
    parse(text).unwrap()
}

fn with_formats(formats: &str) -> SessionDescription {
    sdp(&CARRIER.replace("RTP/AVP 0 8 18 101", &format!("RTP/AVP {formats}")))
}

#[test]
fn the_first_mutually_supported_codec_in_the_offerers_order_wins() {
    // We prefer PCMU, but the offerer lists PCMA first.
    let a = answer(&with_formats("18 8 0 101"), &local()).unwrap();
    assert_eq!(a.streams[0].codec.name, "PCMA");
    assert_eq!(a.sdp.media[0].formats, ["8", "101"]);
    let a = answer(&sdp(CARRIER), &local()).unwrap();
    assert_eq!(a.streams[0].codec.name, "PCMU");
}

#[test]
fn telephone_event_is_kept_with_the_offerers_payload_type_and_events() {
    let a = answer(&sdp(CARRIER), &local()).unwrap();
    let te = a.streams[0].telephone_event.clone().unwrap();
    assert_eq!((te.payload_type, te.fmtp.as_deref()), (101, Some("0-15")));
    let m = &a.sdp.media[0];
    assert_eq!(m.fmtp(101), Some("0-15"));
    let without = LocalMedia {
        telephone_event: None,
        ..local()
    };
    assert_eq!(
        answer(&sdp(CARRIER), &without).unwrap().streams[0].telephone_event,
        None
    );
}

#[test]
fn no_common_codec_is_not_acceptable() {
    assert_eq!(
        answer(&with_formats("18"), &local()),
        Err(SdpError::NoAcceptableMedia)
    );
    assert_eq!(
        answer(&with_formats("101"), &local()),
        Err(SdpError::NoAcceptableMedia)
    );
}

#[test]
fn the_answer_mirrors_hold_directions() {
    let a = answer(&sdp(HOLD), &local()).unwrap();
    assert_eq!(a.streams[0].direction, Direction::RecvOnly);
    assert_eq!(a.sdp.media[0].direction(), Some(Direction::RecvOnly));
    let inactive = sdp(&HOLD.replace("a=sendonly", "a=inactive"));
    assert_eq!(
        answer(&inactive, &local()).unwrap().streams[0].direction,
        Direction::Inactive
    );
    let recvonly = sdp(&HOLD.replace("a=sendonly", "a=recvonly"));
    assert_eq!(
        answer(&recvonly, &local()).unwrap().streams[0].direction,
        Direction::SendOnly
    );
    let legacy = answer(&sdp(LEGACY_HOLD), &local()).unwrap();
    assert_eq!(legacy.streams[0].direction, Direction::RecvOnly);
    // We hold them: our sendonly meets their sendrecv.
    let holding = LocalMedia {
        direction: Direction::SendOnly,
        ..local()
    };
    assert_eq!(
        answer(&sdp(CARRIER), &holding).unwrap().streams[0].direction,
        Direction::SendOnly
    );
}

#[test]
fn direction_answer_table_matches_rfc_3264() {
    use Direction::*;
    let cases = [
        (SendRecv, SendRecv, SendRecv),
        (SendOnly, SendRecv, RecvOnly),
        (RecvOnly, SendRecv, SendOnly),
        (Inactive, SendRecv, Inactive),
        (SendRecv, SendOnly, SendOnly),
        (SendOnly, SendOnly, Inactive),
        (SendRecv, Inactive, Inactive),
    ];
    for (offered, local, expected) in cases {
        assert_eq!(
            Direction::answer(offered, local),
            expected,
            "{offered:?} / {local:?}"
        );
    }
}

#[test]
fn other_streams_are_rejected_with_port_zero() {
    let text = CARRIER.to_owned()
        + "m=video 31046 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\nm=audio 31048 RTP/AVP 0\r\n";
    let offer = sdp(&text);
    let a = answer(&offer, &local()).unwrap();
    let ports: Vec<u16> = a.sdp.media.iter().map(|m| m.port).collect();
    assert_eq!(ports, [20000, 0, 0]);
    assert_eq!(a.sdp.media[1].formats, ["96"]);
    assert_eq!(a.sdp.media[1].media, "video");
    assert_eq!(a.streams.len(), 1);
    // A disabled audio stream is passed over for the next one.
    let disabled = sdp(&text.replace("m=audio 31044", "m=audio 0"));
    let a = answer(&disabled, &local()).unwrap();
    assert_eq!(a.streams[0].index, 2);
    assert_eq!(a.streams[0].remote_port, 31048);
}

#[test]
fn rtcp_mux_only_when_both_want_it_and_rtcp_ports_follow() {
    let plain = answer(&sdp(CARRIER), &local()).unwrap();
    assert!(!plain.streams[0].rtcp_mux && !plain.sdp.media[0].rtcp_mux());
    assert_eq!(plain.streams[0].remote_rtcp_port, 31045);
    let muxed = sdp(&CARRIER.replace("a=sendrecv", "a=sendrecv\r\na=rtcp-mux"));
    let a = answer(&muxed, &local()).unwrap();
    assert!(a.streams[0].rtcp_mux && a.sdp.media[0].rtcp_mux());
    assert_eq!(a.streams[0].remote_rtcp_port, 31044);
    let explicit = sdp(&CARRIER.replace(
        "a=sendrecv",
        "a=sendrecv\r\na=rtcp:40000 IN IP4 203.0.113.20",
    ));
    assert_eq!(
        answer(&explicit, &local()).unwrap().streams[0].remote_rtcp_port,
        40000
    );
}

#[test]
fn the_answer_carries_our_address_port_and_ptime() {
    let a = answer(&sdp(CARRIER), &local()).unwrap();
    assert_eq!(a.sdp.connection.as_ref().unwrap().address, "192.0.2.1");
    assert_eq!(a.sdp.media[0].port, 20000);
    assert_eq!(a.sdp.media[0].ptime(), Some(20));
    assert_eq!(a.streams[0].remote_address, "203.0.113.20");
    assert_eq!(a.streams[0].remote_ptime, Some(20));
    assert_eq!(parse(&a.sdp.to_string()).unwrap(), a.sdp);
}

#[test]
fn a_webrtc_offer_is_left_to_the_webrtc_stack() {
    assert_eq!(
        answer(&sdp(CHROME), &local()),
        Err(SdpError::NoAcceptableMedia)
    );
}

#[test]
fn opus_is_chosen_when_offered_first_and_supported() {
    let chrome_as_avp = CHROME
        .replace("UDP/TLS/RTP/SAVPF", "RTP/AVPF")
        .replace("c=IN IP4 0.0.0.0", "c=IN IP4 198.51.100.9");
    let mut with_opus = local();
    let mut opus = Codec::new(111, "opus", 48000, 2);
    opus.fmtp = Some("useinbandfec=1".into());
    with_opus.codecs.insert(0, opus);
    let a = answer(&sdp(&chrome_as_avp), &with_opus).unwrap();
    assert_eq!(a.streams[0].codec.name, "opus");
    assert_eq!(a.sdp.media[0].codec(111).unwrap().channels, 2);
    // Opus is at 48 kHz: the 8 kHz telephone-event does not go with it; the 48 kHz one does.
    assert_eq!(
        a.streams[0]
            .telephone_event
            .as_ref()
            .map(|c| c.payload_type),
        Some(110)
    );
    let a = answer(&sdp(&chrome_as_avp), &local()).unwrap();
    assert_eq!(a.streams[0].codec.name, "PCMU");
    assert_eq!(
        a.streams[0]
            .telephone_event
            .as_ref()
            .map(|c| c.payload_type),
        Some(126)
    );
}

const KEY_A: [u8; 30] = [0x11; 30];
const KEY_B: [u8; 30] = [0x22; 30];

#[test]
fn sdes_srtp_offer_and_answer_exchange_keys_under_one_tag() {
    let ours = LocalMedia {
        srtp_key: Some(KEY_A.to_vec()),
        ..local()
    };
    let o = offer(&ours);
    assert_eq!(o.media[0].proto, "RTP/SAVP");
    let theirs = LocalMedia {
        srtp_key: Some(KEY_B.to_vec()),
        ..LocalMedia::g711("198.51.100.2", 30000)
    };
    let a = answer(&parse(&o.to_string()).unwrap(), &theirs).unwrap();
    let keys = a.streams[0].srtp.clone().unwrap();
    assert_eq!(
        (
            keys.local_key_salt.as_slice(),
            keys.remote_key_salt.as_slice()
        ),
        (&KEY_B[..], &KEY_A[..])
    );
    assert_eq!(a.sdp.media[0].crypto()[0].tag, 1);
    let agreed = accept_answer(&o, &parse(&a.sdp.to_string()).unwrap()).unwrap();
    let keys = agreed[0].srtp.clone().unwrap();
    assert_eq!(
        (
            keys.local_key_salt.as_slice(),
            keys.remote_key_salt.as_slice()
        ),
        (&KEY_A[..], &KEY_B[..])
    );
}

#[test]
fn srtp_is_refused_without_a_key_or_a_supported_suite() {
    let o = offer(&LocalMedia {
        srtp_key: Some(KEY_A.to_vec()),
        ..local()
    });
    assert_eq!(answer(&o, &local()), Err(SdpError::NoAcceptableMedia));
    let text = o
        .to_string()
        .replace("AES_CM_128_HMAC_SHA1_80", "AEAD_AES_256_GCM");
    let with_key = LocalMedia {
        srtp_key: Some(KEY_B.to_vec()),
        ..local()
    };
    assert_eq!(
        answer(&sdp(&text), &with_key),
        Err(SdpError::NoAcceptableMedia)
    );
}

#[test]
fn our_offer_and_their_answer_settle_the_stream() {
    let o = offer(&local());
    assert_eq!(o.media[0].formats, ["0", "8", "101"]);
    let their_side = LocalMedia {
        codecs: vec![Codec::new(8, "PCMA", 8000, 1)],
        ..LocalMedia::g711("198.51.100.2", 30000)
    };
    let a = answer(&o, &their_side).unwrap();
    let s = &accept_answer(&o, &a.sdp).unwrap()[0];
    assert_eq!(s.codec.name, "PCMA");
    assert_eq!(
        (s.remote_address.as_str(), s.remote_port),
        ("198.51.100.2", 30000)
    );
    assert_eq!(s.direction, Direction::SendRecv);
    assert!(s.rtcp_mux);
    assert_eq!(
        s.telephone_event.as_ref().map(|c| c.payload_type),
        Some(101)
    );
}

#[test]
fn an_answer_that_does_not_fit_the_offer_is_an_error() {
    let o = offer(&local());
    let mut a = answer(&o, &LocalMedia::g711("198.51.100.2", 30000))
        .unwrap()
        .sdp;
    let mut extra = a.clone();
    extra.media.push(extra.media[0].clone());
    assert!(matches!(
        accept_answer(&o, &extra),
        Err(SdpError::AnswerMismatch(_))
    ));
    a.media[0].formats = vec!["18".into()];
    assert!(matches!(
        accept_answer(&o, &a),
        Err(SdpError::AnswerMismatch(_))
    ));
}

#[test]
fn a_hold_answer_tells_us_we_only_send() {
    let mut mine = local();
    mine.direction = Direction::SendOnly;
    let o = offer(&mine);
    let a = answer(&o, &LocalMedia::g711("198.51.100.2", 30000)).unwrap();
    assert_eq!(a.sdp.media[0].direction(), Some(Direction::RecvOnly));
    assert_eq!(
        accept_answer(&o, &a.sdp).unwrap()[0].direction,
        Direction::SendOnly
    );
}

#[test]
fn the_origin_version_increments_only_when_the_offer_changes() {
    let mut me = LocalSdp::new(4242, "192.0.2.1");
    let first = me.offer(&local());
    assert_eq!(
        (
            first.origin.session_id.as_str(),
            first.origin.session_version
        ),
        ("4242", 1)
    );
    let same = me.offer(&local());
    assert_eq!(
        same.origin.session_version, 1,
        "an unchanged re-offer keeps the version"
    );
    let hold = me.offer(&LocalMedia {
        direction: Direction::SendOnly,
        ..local()
    });
    assert_eq!(hold.origin.session_version, 2);
    let resume = me.offer(&local());
    assert_eq!(resume.origin.session_version, 3);
    let answer = me.answer(&sdp(CARRIER), &local()).unwrap();
    assert_eq!(answer.sdp.origin.session_version, 4);
    assert_eq!(answer.sdp.origin.session_id, "4242");
}
