//! SRTP/SRTCP with AES_CM_128_HMAC_SHA1_80: RFC 3711 test vectors and behaviour.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use sb_rtp::srtp::{SrtpContext, derive};
use sb_rtp::{RtpError, RtpHeader, RtpPacket};

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn master() -> Vec<u8> {
    hex("E1F97A0D3E018BE0D64FA32C06DE4139 0EC675AD498AFEEBB6960B3AABE6")
}

#[test]
fn rfc3711_b3_session_keys_derive_from_the_master_key() {
    let m = master();
    let key: [u8; 16] = m[..16].try_into().unwrap();
    let salt: [u8; 14] = m[16..].try_into().unwrap();
    let mut cipher = [0u8; 16];
    let mut cipher_salt = [0u8; 14];
    let mut auth = [0u8; 20];
    derive(&key, &salt, 0, &mut cipher);
    derive(&key, &salt, 2, &mut cipher_salt);
    derive(&key, &salt, 1, &mut auth);
    assert_eq!(cipher.to_vec(), hex("C61E7A93744F39EE10734AFE3FF7A087"));
    assert_eq!(cipher_salt.to_vec(), hex("30CBBC08863D8C85D49DB34A9AE1"));
    assert_eq!(
        auth.to_vec(),
        hex("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4")
    );
}

#[test]
fn rfc3711_b2_aes_cm_keystream_for_ssrc_and_index_zero() {
    // With label 0 the derivation IV is salt ‖ 0000, exactly the B.2 counter for SSRC 0,
    // index 0: the output is the keystream.
    let key: [u8; 16] = hex("2B7E151628AED2A6ABF7158809CF4F3C").try_into().unwrap();
    let salt: [u8; 14] = hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD").try_into().unwrap();
    let mut stream = [0u8; 48];
    derive(&key, &salt, 0, &mut stream);
    let expected = hex(
        "E03EAD0935C95E80E166B16DD92B4EB4 D23513162B02D0F72A43A2FE4A5F97AB 41E95B3BB0A2E8DD477901E4FCA894C0",
    );
    assert_eq!(stream.to_vec(), expected);
}

const PLAIN_RTP: &str = "800f1234decafbadcafebabe abababababababababababababababab";
/// The reference packet of libsrtp's validation suite for this key.
const PROTECTED_RTP: &str =
    "800f1234decafbadcafebabe 4e55dc4ce79978d88ca4d215949d2402 b78d6acc99ea179b8dbb";
const PLAIN_RTCP: &str = "81c8000bcafebabe abababababababababababababababab";
const PROTECTED_RTCP: &str =
    "81c8000bcafebabe 7128035be487b9bdbef89041f977a5a8 80000001 993e08cd54d6c1230798";

#[test]
fn the_reference_packet_protects_and_unprotects_bit_exactly() {
    let mut tx = SrtpContext::new(&master()).unwrap();
    assert_eq!(tx.protect_rtp(&hex(PLAIN_RTP)).unwrap(), hex(PROTECTED_RTP));
    let mut rx = SrtpContext::new(&master()).unwrap();
    assert_eq!(
        rx.unprotect_rtp(&hex(PROTECTED_RTP)).unwrap(),
        hex(PLAIN_RTP)
    );
}

#[test]
fn the_reference_rtcp_packet_unprotects() {
    // The reference carries SRTCP index 1 with the E flag.
    let mut rx = SrtpContext::new(&master()).unwrap();
    assert_eq!(
        rx.unprotect_rtcp(&hex(PROTECTED_RTCP)).unwrap(),
        hex(PLAIN_RTCP)
    );
    assert_eq!(
        rx.unprotect_rtcp(&hex(PROTECTED_RTCP)),
        Err(RtpError::Replay(1))
    );
}

#[test]
fn rtcp_round_trips_with_increasing_indexes() {
    let mut tx = SrtpContext::new(&master()).unwrap();
    let mut rx = SrtpContext::new(&master()).unwrap();
    for i in 0..3u32 {
        let protected = tx.protect_rtcp(&hex(PLAIN_RTCP)).unwrap();
        let e_index = &protected[protected.len() - 14..protected.len() - 10];
        assert_eq!(e_index, (0x8000_0000 | i).to_be_bytes());
        assert_eq!(rx.unprotect_rtcp(&protected).unwrap(), hex(PLAIN_RTCP));
    }
}

fn packet(seq: u16, payload: &[u8]) -> Vec<u8> {
    let header = RtpHeader {
        sequence: seq,
        timestamp: u32::from(seq) * 160,
        ssrc: 0x1234,
        ..Default::default()
    };
    RtpPacket {
        header,
        extension: None,
        payload,
        padding: 0,
    }
    .to_vec()
    .unwrap()
}

#[test]
fn a_tampered_packet_or_a_wrong_key_fails_authentication() {
    let mut tx = SrtpContext::new(&master()).unwrap();
    let mut protected = tx.protect_rtp(&packet(1, &[7; 160])).unwrap();
    let mut other = master();
    other[0] ^= 1;
    let mut wrong = SrtpContext::new(&other).unwrap();
    assert_eq!(
        wrong.unprotect_rtp(&protected),
        Err(RtpError::AuthenticationFailed)
    );
    protected[20] ^= 0x01;
    let mut rx = SrtpContext::new(&master()).unwrap();
    assert_eq!(
        rx.unprotect_rtp(&protected),
        Err(RtpError::AuthenticationFailed)
    );
}

#[test]
fn the_payload_is_encrypted_and_the_header_left_clear() {
    let mut tx = SrtpContext::new(&master()).unwrap();
    let plain = packet(9, &[0x55; 160]);
    let protected = tx.protect_rtp(&plain).unwrap();
    assert_eq!(protected.len(), plain.len() + 10);
    assert_eq!(protected[..12], plain[..12]);
    assert_ne!(protected[12..172], plain[12..]);
}

#[test]
fn replays_are_refused_and_reordering_inside_the_window_is_not() {
    let mut tx = SrtpContext::new(&master()).unwrap();
    let mut rx = SrtpContext::new(&master()).unwrap();
    let p: Vec<Vec<u8>> = (0..100u16)
        .map(|s| tx.protect_rtp(&packet(s, &[s as u8; 20])).unwrap())
        .collect();
    rx.unprotect_rtp(&p[0]).unwrap();
    rx.unprotect_rtp(&p[90]).unwrap();
    assert_eq!(
        rx.unprotect_rtp(&p[50]).unwrap(),
        packet(50, &[50; 20]),
        "40 behind: inside the window"
    );
    assert_eq!(rx.unprotect_rtp(&p[50]), Err(RtpError::Replay(50)));
    assert_eq!(
        rx.unprotect_rtp(&p[20]),
        Err(RtpError::Replay(20)),
        "70 behind: outside the window"
    );
    assert_eq!(rx.unprotect_rtp(&p[90]), Err(RtpError::Replay(90)));
}

#[test]
fn the_rollover_counter_follows_a_sequence_wrap_on_both_sides() {
    let mut tx = SrtpContext::new(&master()).unwrap();
    let mut rx = SrtpContext::new(&master()).unwrap();
    let seqs: Vec<u16> = (0..2000u32).map(|i| (64000 + i) as u16).collect();
    let protected: Vec<Vec<u8>> = seqs
        .iter()
        .map(|&s| tx.protect_rtp(&packet(s, &[3; 40])).unwrap())
        .collect();
    // Deliver with a little reordering across the wrap point.
    let mut order: Vec<usize> = (0..protected.len()).collect();
    order.swap(1535, 1537);
    order.swap(1536, 1540);
    for i in order {
        assert_eq!(
            rx.unprotect_rtp(&protected[i]).unwrap(),
            packet(seqs[i], &[3; 40]),
            "packet {i}"
        );
    }
}

#[test]
fn short_or_malformed_input_is_an_error() {
    assert!(matches!(
        SrtpContext::new(&[0; 29]),
        Err(RtpError::BadKeyLength {
            expected: 30,
            got: 29
        })
    ));
    let mut rx = SrtpContext::new(&master()).unwrap();
    assert!(rx.unprotect_rtp(&[0x80; 21]).is_err());
    assert!(rx.unprotect_rtcp(&[0x80; 21]).is_err());
    assert!(rx.unprotect_rtp(&[0x40; 40]).is_err());
}
