//! RTCP packets: wire vectors, compound round trips, malformed input.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use sb_rtp::RtpError;
use sb_rtp::rtcp::{
    ReportBlock, RtcpPacket, SDES_CNAME, SdesChunk, SdesItem, SenderInfo, parse_compound,
    write_compound,
};

/// An SR with one report block followed by an SDES CNAME, written out by hand from
/// RFC 3550 § 6.4.1 and § 6.5.
const SR_SDES: &[u8] = &[
    // SR: V=2, RC=1, PT=200, length 12 words
    0x81, 200, 0x00, 0x0C, //
    0x11, 0x22, 0x33, 0x44, // sender SSRC
    0xE9, 0x3B, 0x2B, 0x80, 0x80, 0x00, 0x00, 0x00, // NTP: 3913886592.5 s
    0x00, 0x00, 0x1F, 0x40, // RTP timestamp 8000
    0x00, 0x00, 0x00, 0x32, // 50 packets
    0x00, 0x00, 0x1F, 0x40, // 8000 octets
    0xAA, 0xBB, 0xCC, 0xDD, // block: source
    0x19, 0xFF, 0xFF, 0xFE, // fraction 25/256, cumulative −2
    0x00, 0x01, 0x00, 0x3F, // highest sequence: 1 cycle, seq 63
    0x00, 0x00, 0x00, 0x50, // jitter 80
    0x2B, 0x80, 0x80, 0x00, // LSR
    0x00, 0x01, 0x00, 0x00, // DLSR 1 s
    // SDES: V=2, SC=1, PT=202, length 3 words
    0x81, 202, 0x00, 0x03, //
    0x11, 0x22, 0x33, 0x44, // SSRC
    0x01, 0x04, b'a', b'@', b'b', b'c', 0x00, 0x00, // CNAME "a@bc", null, pad
];

fn expected_sr_sdes() -> Vec<RtcpPacket> {
    let block = ReportBlock {
        ssrc: 0xAABB_CCDD,
        fraction_lost: 25,
        cumulative_lost: -2,
        highest_sequence: 65_536 + 63,
        jitter: 80,
        last_sr: 0x2B80_8000,
        delay_since_last_sr: 65_536,
    };
    let info = SenderInfo {
        ntp: 0xE93B_2B80_8000_0000,
        rtp_timestamp: 8000,
        packet_count: 50,
        octet_count: 8000,
    };
    let cname = SdesItem {
        kind: SDES_CNAME,
        text: b"a@bc".to_vec(),
    };
    vec![
        RtcpPacket::SenderReport {
            ssrc: 0x1122_3344,
            info,
            reports: vec![block],
        },
        RtcpPacket::SourceDescription(vec![SdesChunk {
            ssrc: 0x1122_3344,
            items: vec![cname],
        }]),
    ]
}

#[test]
fn a_hand_written_sr_and_sdes_compound_parses_field_by_field() {
    assert_eq!(parse_compound(SR_SDES).unwrap(), expected_sr_sdes());
}

#[test]
fn writing_the_parsed_compound_gives_back_the_same_bytes() {
    let mut out = Vec::new();
    write_compound(&expected_sr_sdes(), &mut out).unwrap();
    assert_eq!(out, SR_SDES);
}

#[test]
fn rr_bye_and_unknown_types_round_trip() {
    let packets = vec![
        RtcpPacket::ReceiverReport {
            ssrc: 9,
            reports: vec![],
        },
        RtcpPacket::Goodbye {
            sources: vec![9, 10],
            reason: Some(b"transfer".to_vec()),
        },
        RtcpPacket::Goodbye {
            sources: vec![11],
            reason: None,
        },
        RtcpPacket::Other {
            packet_type: 205,
            count: 1,
            body: vec![0, 0, 0, 9, 0, 0, 0, 7],
        },
    ];
    let mut out = Vec::new();
    write_compound(&packets, &mut out).unwrap();
    assert_eq!(out.len() % 4, 0);
    assert_eq!(parse_compound(&out).unwrap(), packets);
}

#[test]
fn the_most_negative_24_bit_loss_survives_and_larger_ones_clamp() {
    let block = |lost| ReportBlock {
        cumulative_lost: lost,
        ..ReportBlock::default()
    };
    for (written, read) in [
        (-0x80_0000, -0x80_0000),
        (-0x90_0000, -0x80_0000),
        (0x7F_FFFF, 0x7F_FFFF),
        (1 << 30, 0x7F_FFFF),
    ] {
        let mut out = Vec::new();
        write_compound(
            &[RtcpPacket::ReceiverReport {
                ssrc: 1,
                reports: vec![block(written)],
            }],
            &mut out,
        )
        .unwrap();
        let parsed = parse_compound(&out).unwrap();
        let RtcpPacket::ReceiverReport { reports, .. } = &parsed[0] else {
            panic!("{parsed:?}")
        };
        assert_eq!(reports[0].cumulative_lost, read);
    }
}

#[test]
fn an_unaligned_opaque_body_is_written_with_padding_and_reads_back_equal() {
    let app = RtcpPacket::Other {
        packet_type: 204,
        count: 0,
        body: vec![1, 2, 3, 4, 5],
    };
    let mut out = Vec::new();
    write_compound(std::slice::from_ref(&app), &mut out).unwrap();
    assert_eq!(out.len(), 12);
    assert_eq!(out[0] & 0x20, 0x20, "P bit set");
    assert_eq!(out[11], 3, "three bytes of padding");
    assert_eq!(parse_compound(&out).unwrap(), vec![app]);
}

#[test]
fn a_padded_last_packet_is_accepted() {
    // RR with no blocks, P bit set, 4 bytes of padding (length counts them).
    let buf = [0xA0, 201, 0x00, 0x02, 0, 0, 0, 5, 0, 0, 0, 4];
    assert_eq!(
        parse_compound(&buf).unwrap(),
        vec![RtcpPacket::ReceiverReport {
            ssrc: 5,
            reports: vec![]
        }]
    );
}

#[test]
fn malformed_compounds_are_errors() {
    assert!(parse_compound(&[]).is_err());
    assert_eq!(
        parse_compound(&[0x40, 201, 0, 1, 0, 0, 0, 0]),
        Err(RtpError::BadVersion(1))
    );
    // Length says 3 words but only 1 follows.
    assert!(matches!(
        parse_compound(&[0x80, 201, 0, 3, 0, 0, 0, 1]),
        Err(RtpError::Truncated { .. })
    ));
    // RC=1 but no room for the block.
    assert!(parse_compound(&[0x81, 201, 0, 1, 0, 0, 0, 1]).is_err());
    // An RTP payload type where RTCP is expected.
    assert_eq!(
        parse_compound(&[0x80, 96, 0, 1, 0, 0, 0, 1]),
        Err(RtpError::WrongPacketType(96))
    );
    // SDES item running past the end.
    assert!(parse_compound(&[0x81, 202, 0, 2, 0, 0, 0, 1, 1, 9, b'x', 0]).is_err());
}

#[test]
fn oversized_fields_are_refused_when_writing() {
    let many = vec![ReportBlock::default(); 32];
    let mut out = Vec::new();
    let err = write_compound(
        &[RtcpPacket::ReceiverReport {
            ssrc: 1,
            reports: many,
        }],
        &mut out,
    );
    assert_eq!(err, Err(RtpError::FieldTooLarge("report block count")));
    let long = SdesItem {
        kind: SDES_CNAME,
        text: vec![b'x'; 256],
    };
    let err = write_compound(
        &[RtcpPacket::SourceDescription(vec![SdesChunk {
            ssrc: 1,
            items: vec![long],
        }])],
        &mut out,
    );
    assert_eq!(err, Err(RtpError::FieldTooLarge("SDES text")));
}
