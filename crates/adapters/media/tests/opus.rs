//! Opus legs (feature `opus`) over real UDP on 127.0.0.1: a phone that speaks only Opus is
//! transcoded to and from the call's G.711 at its endpoint — a 1 kHz tone crosses both ways
//! and is measured — and hostile Opus payloads are dropped and counted as lost.
#![cfg(feature = "opus")]

mod common;

use std::net::SocketAddr;

use common::*;
use sb_audio::g711::Law;
use sb_audio::{FRAME_SAMPLES, OPUS_FRAME_TICKS, OPUS_MAX_SAMPLES, OpusDecoder, OpusEncoder};
use sb_media::{EndpointInfo, EndpointSpec, MediaEvent};
use sb_rtp::rtcp::{ReportBlock, RtcpPacket, write_compound};
use sb_rtp::telephone_event::TelephoneEvent;

/// The dynamic payload type our "phone" gives Opus in its SDP.
const OPUS_PT: u8 = 111;
/// Frames at the start of a decoded stream left out of frequency checks (codec start-up).
const SETTLE: usize = 5;

async fn opus_leg(call: &sb_media::CallMedia, phone: &Phone) -> EndpointInfo {
    let mut spec = EndpointSpec::opus("caller", Some(phone.addr()), OPUS_PT);
    spec.telephone_event_pt = Some(126);
    call.add_endpoint(spec).await.expect("Opus endpoint")
}

/// Sends `frames` as Opus packets, 20 ms each on the 48 kHz RTP clock.
async fn send_opus(phone: &mut Phone, to: SocketAddr, frames: &[sb_audio::Frame]) {
    let mut encoder = OpusEncoder::new().expect("encoder");
    let mut ticker = tokio::time::interval(std::time::Duration::from_millis(20));
    for frame in frames {
        ticker.tick().await;
        let mut packet = Vec::new();
        encoder.encode(frame, &mut packet).expect("encoded");
        phone.send(to, OPUS_PT, &packet, false).await;
        phone.timestamp = phone.timestamp.wrapping_add(OPUS_FRAME_TICKS);
    }
}

fn decode_opus(heard: &[Heard]) -> Vec<i16> {
    let mut decoder = OpusDecoder::new().expect("decoder");
    let mut pcm = Vec::new();
    for h in heard {
        let mut buf = [0i16; OPUS_MAX_SAMPLES];
        let n = decoder.decode(&h.payload, &mut buf).expect("valid Opus");
        pcm.extend_from_slice(&buf[..n]);
    }
    pcm
}

#[tokio::test]
async fn a_1khz_tone_sent_as_opus_comes_out_of_the_pcmu_leg_as_1khz() {
    let server = server(27_000);
    let (call, _events) = call(&server);
    let (mut opus_phone, mut pcmu_phone) = (Phone::new(Law::Mu).await, Phone::new(Law::Mu).await);
    let a = opus_leg(&call, &opus_phone).await;
    let b = leg(&call, "agent", Law::Mu, &pcmu_phone).await;
    call.connect(a.id, b.id).await.expect("connect");

    send_opus(&mut opus_phone, a.local, &tone_frames(1000.0, 40)).await;
    let heard = pcmu_phone.recv_n(35).await;
    assert!(
        heard.len() >= 35,
        "the PCMU leg heard {} packets",
        heard.len()
    );
    assert!(heard.iter().all(|h| h.header.payload_type == 0));
    assert!(heard.iter().all(|h| h.payload.len() == FRAME_SAMPLES));
    let pcm = decode(&heard, Law::Mu);
    assert_freq(&pcm[SETTLE * FRAME_SAMPLES..], 1000.0);
    let ratio = sb_audio::tone_power_ratio(&pcm[SETTLE * FRAME_SAMPLES..], 1000.0, 8000);
    assert!(ratio > 0.8, "{ratio:.2} of the power at 1 kHz");
}

#[tokio::test]
async fn a_1khz_tone_from_a_pcma_leg_reaches_the_opus_phone_as_1khz_opus() {
    let server = server(27_100);
    let (call, _events) = call(&server);
    let (mut opus_phone, mut pcma_phone) = (Phone::new(Law::Mu).await, Phone::new(Law::A).await);
    let a = opus_leg(&call, &opus_phone).await;
    let b = leg(&call, "agent", Law::A, &pcma_phone).await;
    call.connect(a.id, b.id).await.expect("connect");

    send_paced(&mut pcma_phone, b.local, &tone_frames(1000.0, 40)).await;
    let heard = opus_phone.recv_n(35).await;
    assert!(
        heard.len() >= 35,
        "the Opus phone heard {} packets",
        heard.len()
    );
    assert!(heard.iter().all(|h| h.header.payload_type == OPUS_PT));
    for pair in heard.windows(2) {
        let step = pair[1]
            .header
            .timestamp
            .wrapping_sub(pair[0].header.timestamp);
        assert_eq!(step, OPUS_FRAME_TICKS, "20 ms on the 48 kHz clock");
    }
    let pcm = decode_opus(&heard);
    assert_eq!(pcm.len(), heard.len() * FRAME_SAMPLES);
    assert_freq(&pcm[SETTLE * FRAME_SAMPLES..], 1000.0);
}

#[tokio::test]
async fn undecodable_opus_payloads_are_dropped_counted_and_the_stream_goes_on() {
    let server = server(27_200);
    let (call, _events) = call(&server);
    let (mut opus_phone, mut pcmu_phone) = (Phone::new(Law::Mu).await, Phone::new(Law::Mu).await);
    let a = opus_leg(&call, &opus_phone).await;
    let b = leg(&call, "agent", Law::Mu, &pcmu_phone).await;
    call.connect(a.id, b.id).await.expect("connect");

    let frames = tone_frames(1000.0, 10);
    send_opus(&mut opus_phone, a.local, &frames[..5]).await;
    for garbage in [&[][..], &[0x03, 0x00], &[0x01, 1, 2, 3]] {
        opus_phone.send(a.local, OPUS_PT, garbage, false).await;
        opus_phone.timestamp = opus_phone.timestamp.wrapping_add(OPUS_FRAME_TICKS);
    }
    send_opus(&mut opus_phone, a.local, &frames[5..]).await;

    let heard = pcmu_phone.recv_n(10).await;
    assert_eq!(heard.len(), 10, "every decodable packet relayed");
    let stats = call.stats(a.id).await.expect("stats");
    assert_eq!(stats.undecodable, 3, "{stats:?}");
    assert_eq!(stats.quality.packets_received, 10, "{stats:?}");
    assert_eq!(stats.quality.packets_lost, 3, "{stats:?}");
    assert_eq!(stats.malformed_dropped, 0, "{stats:?}");
}

#[tokio::test]
async fn dtmf_crosses_an_opus_leg_on_its_48khz_clock_both_ways() {
    let server = server(27_300);
    let (call, mut events) = call(&server);
    let mut opus_phone = Phone::new(Law::Mu).await;
    let a = opus_leg(&call, &opus_phone).await;

    for (i, end) in [false, false, true, true, true].into_iter().enumerate() {
        let event = TelephoneEvent {
            event: 9,
            end,
            volume: 10,
            duration: 960 * (i as u16 + 1),
        };
        opus_phone
            .send(a.local, 126, &event.to_bytes(), i == 0)
            .await;
    }
    let expected = MediaEvent::Dtmf {
        endpoint: a.id,
        digit: '9',
    };
    assert_eq!(next_event(&mut events).await, Some(expected));

    call.send_dtmf(a.id, '4', 100).await.expect("sent");
    let duration = loop {
        let heard = opus_phone.recv().await.expect("telephone-event packets");
        assert_eq!(heard.header.payload_type, 126);
        let event = TelephoneEvent::parse(&heard.payload).expect("event");
        assert_eq!(event.event, 4);
        if event.end {
            break event.duration;
        }
    };
    assert!(
        (4800..=5760).contains(&duration),
        "100 ms is 4800 units at 48 kHz, got {duration}"
    );
}

#[tokio::test]
async fn an_opus_peers_rtcp_jitter_is_read_on_its_48khz_clock() {
    let server = server(27_400);
    let (call, _events) = call(&server);
    let (mut opus_phone, mut pcmu_phone) = (Phone::new(Law::Mu).await, Phone::new(Law::Mu).await);
    let a = opus_leg(&call, &opus_phone).await;
    let b = leg(&call, "agent", Law::Mu, &pcmu_phone).await;
    call.connect(a.id, b.id).await.expect("connect");
    send_paced(&mut pcmu_phone, b.local, &tone_frames(1000.0, 3)).await;
    let ours = opus_phone
        .recv()
        .await
        .expect("media from the leg")
        .header
        .ssrc;

    // 480 units of 48 kHz: 10 ms of jitter on the stream the phone receives from us.
    let block = ReportBlock {
        ssrc: ours,
        fraction_lost: 0,
        cumulative_lost: 0,
        highest_sequence: 3,
        jitter: 480,
        last_sr: 0,
        delay_since_last_sr: 0,
    };
    let report = RtcpPacket::ReceiverReport {
        ssrc: opus_phone.ssrc,
        reports: vec![block],
    };
    let mut rtcp = Vec::new();
    write_compound(&[report], &mut rtcp).expect("RTCP");
    let rtcp_port = SocketAddr::new(a.local.ip(), a.local.port() + 1);
    opus_phone
        .socket
        .send_to(&rtcp, rtcp_port)
        .await
        .expect("sent");
    let mut jitter = None;
    for _ in 0..50 {
        let stats = call.stats(a.id).await.expect("stats");
        jitter = stats.quality.remote_jitter_ms;
        if jitter.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let jitter = jitter.expect("the report was taken");
    assert!((jitter - 10.0).abs() < 0.01, "remote jitter {jitter} ms");
}
