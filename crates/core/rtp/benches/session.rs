//! Cost of one packet through a leg: receive + statistics + relay rewrite; SRTP per packet.
//!
//! Run: `cargo bench -p sb-rtp --bench session -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use sb_rtp::{RtpHeader, RtpPacket, RtpSession, SessionConfig};
use sb_types::Timestamp;

fn packet(seq: u16) -> Vec<u8> {
    let header = RtpHeader {
        sequence: seq,
        timestamp: u32::from(seq) * 160,
        ssrc: 42,
        ..Default::default()
    };
    RtpPacket {
        header,
        extension: None,
        payload: &[0xFF; 160],
        padding: 0,
    }
    .to_vec()
    .expect("valid")
}

fn receive_and_relay(c: &mut Criterion) {
    let mut inbound = RtpSession::new(SessionConfig::g711(1, "in@bench", 1), Timestamp::EPOCH);
    let mut outbound = RtpSession::new(SessionConfig::g711(2, "out@bench", 2), Timestamp::EPOCH);
    let mut seq = 0u16;
    let mut now = 0i64;
    let mut buf = packet(0);
    c.bench_function("rtp_session_receive_stats_rewrite", |b| {
        b.iter(|| {
            seq = seq.wrapping_add(1);
            now += 20;
            buf[2..4].copy_from_slice(&seq.to_be_bytes());
            buf[4..8].copy_from_slice(&(u32::from(seq) * 160).to_be_bytes());
            let t = Timestamp::from_millis(now);
            let r = inbound.handle_rtp(t, black_box(&buf)).expect("valid");
            let out = outbound.forward(t, &mut buf).expect("valid");
            buf[8..12].copy_from_slice(&42u32.to_be_bytes());
            black_box((r.arrival, out.sequence));
        })
    });
    c.bench_function("rtp_parse_only", |b| {
        let p = packet(7);
        b.iter(|| black_box(RtpPacket::parse(black_box(&p)).map(|p| p.header.sequence)))
    });
}

fn srtp_round_trip(c: &mut Criterion) {
    let mut tx = sb_rtp::srtp::SrtpContext::new(&[7; 30]).expect("30 bytes");
    let mut rx = sb_rtp::srtp::SrtpContext::new(&[7; 30]).expect("30 bytes");
    let mut seq = 0u16;
    c.bench_function("srtp_protect_unprotect_160b", |b| {
        b.iter(|| {
            seq = seq.wrapping_add(1);
            let protected = tx.protect_rtp(&packet(seq)).expect("valid");
            black_box(rx.unprotect_rtp(&protected).expect("authentic").len())
        })
    });
}

criterion_group!(benches, receive_and_relay, srtp_round_trip);
criterion_main!(benches);
