//! SDES-SRTP legs (RFC 4568 keys, RFC 3711 AES_CM_128_HMAC_SHA1_80): a carrier leg that speaks
//! SRTP is relayed to a plain RTP leg both ways, and packets that fail authentication are
//! dropped and counted.

mod common;

use common::*;
use sb_audio::g711::Law;
use sb_media::{EndpointSpec, SrtpSpec};
use sb_rtp::srtp::SrtpContext;
use sb_rtp::{RtpHeader, RtpPacket};

/// The carrier's and our master key ‖ salt.
const THEIRS: [u8; 30] = [7; 30];
const OURS: [u8; 30] = [9; 30];

/// The carrier's RTP packet `n` of `frame`, protected with its key.
fn protected(ctx: &mut SrtpContext, n: u16, frame: &[i16; 160]) -> Vec<u8> {
    let mut payload = [0u8; 160];
    Law::Mu.encode_frame(frame, &mut payload);
    let header = RtpHeader {
        marker: n == 0,
        payload_type: 0,
        sequence: 1000 + n,
        timestamp: 160 * u32::from(n),
        ssrc: 0x5151,
        csrc: Vec::new(),
    };
    let packet = RtpPacket {
        header,
        extension: None,
        payload: &payload,
        padding: 0,
    };
    let clear = packet.to_vec().expect("an RTP packet");
    ctx.protect_rtp(&clear).expect("protected")
}

#[tokio::test]
async fn an_srtp_leg_is_relayed_to_a_plain_leg_both_ways() {
    let server = server(26_800);
    let (call, _events) = call(&server);
    let (carrier, mut agent) = (Phone::new(Law::Mu).await, Phone::new(Law::Mu).await);
    let spec = EndpointSpec {
        srtp: Some(SrtpSpec {
            local_key_salt: OURS.to_vec(),
            remote_key_salt: THEIRS.to_vec(),
        }),
        ..EndpointSpec::pcmu("carrier", Some(carrier.addr()))
    };
    let a = call.add_endpoint(spec).await.unwrap();
    let b = leg(&call, "agent", Law::Mu, &agent).await;
    call.connect(a.id, b.id).await.unwrap();

    // Carrier → agent: the agent hears the carrier's tone in the clear.
    let mut send = SrtpContext::new(&THEIRS).unwrap();
    let tone = tone_frames(1000.0, 25);
    for (n, frame) in tone.iter().enumerate() {
        let packet = protected(&mut send, n as u16, frame);
        carrier.socket.send_to(&packet, a.local).await.unwrap();
    }
    let heard = agent.recv_n(20).await;
    assert!(heard.len() >= 20, "{} packets relayed", heard.len());
    assert_freq(&decode(&heard[5..], Law::Mu), 1000.0);

    // Agent → carrier: protected with our key; the carrier decrypts the agent's tone.
    for frame in tone_frames(500.0, 25) {
        agent.send_frame(b.local, &frame).await;
    }
    let mut recv = SrtpContext::new(&OURS).unwrap();
    let mut buf = [0u8; 2048];
    let mut samples = Vec::new();
    while samples.len() < 20 * 160 {
        let wait = tokio::time::timeout(WAIT, carrier.socket.recv_from(&mut buf)).await;
        let (len, _) = wait.expect("the carrier hears us").unwrap();
        if sb_rtp::classify(&buf[..len]) != sb_rtp::PacketKind::Rtp {
            continue;
        }
        let clear = recv.unprotect_rtp(&buf[..len]).expect("authentic SRTP");
        let packet = RtpPacket::parse(&clear).unwrap();
        samples.extend(packet.payload.iter().map(|&c| Law::Mu.decode(c)));
    }
    assert_freq(&samples[800..], 500.0);

    // A packet under the wrong key is dropped, not relayed.
    let before = call.stats(a.id).await.unwrap().malformed_dropped;
    let mut forger = SrtpContext::new(&[3; 30]).unwrap();
    let forged = protected(&mut forger, 100, &tone[0]);
    carrier.socket.send_to(&forged, a.local).await.unwrap();
    let mut dropped = before;
    for _ in 0..50 {
        dropped = call.stats(a.id).await.unwrap().malformed_dropped;
        if dropped > before {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(dropped, before + 1, "the forged packet is counted");
}

#[tokio::test]
async fn a_leg_becomes_srtp_when_the_answer_to_our_savp_offer_arrives() {
    let server = server(26_900);
    let (call, _events) = call(&server);
    let (carrier, mut agent) = (Phone::new(Law::Mu).await, Phone::new(Law::Mu).await);
    let a = call
        .add_endpoint(EndpointSpec::pcmu("carrier", Some(carrier.addr())))
        .await
        .unwrap();
    let b = leg(&call, "agent", Law::Mu, &agent).await;
    call.connect(a.id, b.id).await.unwrap();
    let keys = SrtpSpec {
        local_key_salt: OURS.to_vec(),
        remote_key_salt: THEIRS.to_vec(),
    };
    call.set_srtp(a.id, keys).await.unwrap();
    let bad = SrtpSpec {
        local_key_salt: vec![1; 3],
        remote_key_salt: THEIRS.to_vec(),
    };
    assert!(
        call.set_srtp(a.id, bad).await.is_err(),
        "a short key is refused"
    );

    let mut send = SrtpContext::new(&THEIRS).unwrap();
    for (n, frame) in tone_frames(1000.0, 25).iter().enumerate() {
        let packet = protected(&mut send, n as u16, frame);
        carrier.socket.send_to(&packet, a.local).await.unwrap();
    }
    let heard = agent.recv_n(20).await;
    assert!(heard.len() >= 20, "{} packets relayed", heard.len());
    assert_freq(&decode(&heard[5..], Law::Mu), 1000.0);
}
