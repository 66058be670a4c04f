//! Relaying between two legs over real UDP sockets on 127.0.0.1.

mod common;

use common::*;
use sb_audio::g711::Law;
use sb_media::{MediaEvent, PT_PCMA};

#[tokio::test]
async fn a_1khz_tone_is_relayed_both_ways() {
    let server = server(24_000);
    let (call, _events) = call(&server);
    let (mut pa, mut pb) = (Phone::new(Law::Mu).await, Phone::new(Law::Mu).await);
    let a = leg(&call, "caller", Law::Mu, &pa).await;
    let b = leg(&call, "agent", Law::Mu, &pb).await;
    call.connect(a.id, b.id).await.unwrap();

    for frame in tone_frames(1000.0, 25) {
        pa.send_frame(a.local, &frame).await;
    }
    let heard = pb.recv_n(25).await;
    assert_eq!(heard.len(), 25);
    assert!(
        heard.iter().all(|h| h.header.ssrc != pa.ssrc),
        "SSRC rewritten"
    );
    assert_freq(&decode(&heard, Law::Mu), 1000.0);

    for frame in tone_frames(1000.0, 25) {
        pb.send_frame(b.local, &frame).await;
    }
    let heard = pa.recv_n(25).await;
    assert_eq!(heard.len(), 25);
    assert_freq(&decode(&heard, Law::Mu), 1000.0);

    let stats = call.stats(a.id).await.unwrap();
    assert_eq!(stats.quality.packets_received, 25);
    assert_eq!(stats.quality.packets_sent, 25);
    assert_eq!(stats.latched, Some(pa.addr()));
}

#[tokio::test]
async fn a_pcmu_leg_and_a_pcma_leg_are_transcoded() {
    let server = server(24_100);
    let (call, _events) = call(&server);
    let (mut pa, mut pb) = (Phone::new(Law::Mu).await, Phone::new(Law::A).await);
    let a = leg(&call, "caller", Law::Mu, &pa).await;
    let b = leg(&call, "agent", Law::A, &pb).await;
    call.connect(a.id, b.id).await.unwrap();

    for frame in tone_frames(1000.0, 25) {
        pa.send_frame(a.local, &frame).await;
    }
    let heard = pb.recv_n(25).await;
    assert_eq!(heard.len(), 25);
    assert!(heard.iter().all(|h| h.header.payload_type == PT_PCMA));
    assert_freq(&decode(&heard, Law::A), 1000.0);

    for frame in tone_frames(1000.0, 25) {
        pb.send_frame(b.local, &frame).await;
    }
    let heard = pa.recv_n(25).await;
    assert!(heard.iter().all(|h| h.header.payload_type == 0));
    assert_freq(&decode(&heard, Law::Mu), 1000.0);
}

#[tokio::test]
async fn a_transfer_keeps_one_continuous_stream_towards_the_caller() {
    let server = server(24_200);
    let (call, _events) = call(&server);
    let mut pa = Phone::new(Law::Mu).await;
    let (mut p1, mut p2) = (Phone::new(Law::Mu).await, Phone::new(Law::Mu).await);
    let a = leg(&call, "caller", Law::Mu, &pa).await;
    let b1 = leg(&call, "agent-1", Law::Mu, &p1).await;
    let b2 = leg(&call, "agent-2", Law::Mu, &p2).await;
    let frames = tone_frames(1000.0, 20);

    call.connect(a.id, b1.id).await.unwrap();
    for frame in &frames[..10] {
        p1.send_frame(b1.local, frame).await;
        pa.send_frame(a.local, frame).await;
    }
    let mut to_caller = pa.recv_n(10).await;
    assert_eq!(p1.recv_n(10).await.len(), 10);

    call.connect(a.id, b2.id).await.unwrap();
    for frame in &frames[10..] {
        p2.send_frame(b2.local, frame).await;
        pa.send_frame(a.local, frame).await;
    }
    to_caller.extend(pa.recv_n(10).await);
    let to_agent_2 = p2.recv_n(10).await;

    assert_eq!(to_caller.len(), 20);
    assert_one_continuous_stream(&to_caller);
    assert!(to_caller[10].header.marker, "the new source is marked");
    assert_eq!(to_agent_2.len(), 10);
    assert_one_continuous_stream(&to_agent_2);
    assert!(
        p1.recv_within(std::time::Duration::from_millis(100))
            .await
            .is_none(),
        "agent 1 hears nothing after the transfer"
    );
}

fn assert_one_continuous_stream(heard: &[Heard]) {
    let ssrc = heard[0].header.ssrc;
    for pair in heard.windows(2) {
        assert_eq!(pair[1].header.ssrc, ssrc, "one SSRC");
        assert_eq!(
            pair[1].header.sequence,
            pair[0].header.sequence.wrapping_add(1),
            "consecutive sequence numbers"
        );
        let step = pair[1]
            .header
            .timestamp
            .wrapping_sub(pair[0].header.timestamp);
        assert!(step > 0 && step < 8000, "timestamps advance: {step}");
    }
}

#[tokio::test]
async fn a_foreign_source_after_latching_is_dropped_counted_and_never_relayed() {
    let server = server(24_300);
    let (call, mut events) = call(&server);
    let (mut pa, mut pb) = (Phone::new(Law::Mu).await, Phone::new(Law::Mu).await);
    let mut intruder = Phone::new(Law::Mu).await;
    let a = leg(&call, "caller", Law::Mu, &pa).await;
    let b = leg(&call, "agent", Law::Mu, &pb).await;
    call.connect(a.id, b.id).await.unwrap();

    pa.send(a.local, 0, &[0x11; 160], false).await;
    let latched = tokio::time::timeout(WAIT, events.recv()).await.unwrap();
    let expected = MediaEvent::Latched {
        endpoint: a.id,
        source: pa.addr(),
    };
    assert_eq!(latched, Some(expected));
    for _ in 0..10 {
        intruder.send(a.local, 0, &[0x55; 160], false).await;
    }
    pa.send(a.local, 0, &[0x22; 160], false).await;

    let heard = pb.recv_n(2).await;
    assert_eq!(heard[0].payload, vec![0x11; 160]);
    assert_eq!(heard[1].payload, vec![0x22; 160]);
    let stats = call.stats(a.id).await.unwrap();
    assert_eq!(stats.bleed_dropped, 10);
    assert_eq!(stats.latched, Some(pa.addr()));
    assert_eq!(stats.quality.packets_received, 2);
}

#[tokio::test]
async fn garbage_is_dropped_and_counted_and_the_relay_goes_on() {
    let server = server(24_400);
    let (call, _events) = call(&server);
    let (mut pa, mut pb) = (Phone::new(Law::Mu).await, Phone::new(Law::Mu).await);
    let a = leg(&call, "caller", Law::Mu, &pa).await;
    let b = leg(&call, "agent", Law::Mu, &pb).await;
    call.connect(a.id, b.id).await.unwrap();

    let garbage: [&[u8]; 5] = [
        &[],
        &[0x80],
        &[0x40, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0],
        &[0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0],
        &[0x9F, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    ];
    for g in garbage {
        pa.socket.send_to(g, a.local).await.unwrap();
    }
    pa.send(a.local, 0, &[0x33; 160], false).await;
    let heard = pb.recv().await.expect("the relay still works");
    assert_eq!(heard.payload, vec![0x33; 160]);
    let stats = call.stats(a.id).await.unwrap();
    assert_eq!(stats.malformed_dropped, 5);
}

#[tokio::test]
async fn new_sdp_resets_latching_and_moves_the_media() {
    let server = server(25_700);
    let (call, _events) = call(&server);
    let (mut pa, mut pb) = (Phone::new(Law::Mu).await, Phone::new(Law::Mu).await);
    let mut pc = Phone::new(Law::Mu).await;
    let a = leg(&call, "caller", Law::Mu, &pa).await;
    let b = leg(&call, "agent", Law::Mu, &pb).await;
    call.connect(a.id, b.id).await.unwrap();
    pa.send(a.local, 0, &[0x11; 160], false).await;
    assert_eq!(pb.recv().await.unwrap().payload, vec![0x11; 160]);

    call.set_remote(a.id, pc.addr(), None).await.unwrap();
    pb.send(b.local, 0, &[0x22; 160], false).await;
    assert_eq!(
        pc.recv().await.unwrap().payload,
        vec![0x22; 160],
        "sent to the new SDP address"
    );
    pc.send(a.local, 0, &[0x33; 160], false).await;
    pa.send(a.local, 0, &[0x44; 160], false).await;
    pc.send(a.local, 0, &[0x55; 160], false).await;
    assert_eq!(pb.recv().await.unwrap().payload, vec![0x33; 160]);
    assert_eq!(pb.recv().await.unwrap().payload, vec![0x55; 160]);
    let stats = call.stats(a.id).await.unwrap();
    assert_eq!(stats.latched, Some(pc.addr()));
    assert_eq!(stats.bleed_dropped, 1, "the old source is foreign now");
}

#[tokio::test]
async fn random_datagrams_never_break_the_call() {
    let server = server(25_900);
    let (call, _events) = call(&server);
    let (mut pa, mut pb) = (Phone::new(Law::Mu).await, Phone::new(Law::Mu).await);
    let stranger = Phone::new(Law::Mu).await;
    let a = leg(&call, "caller", Law::Mu, &pa).await;
    let b = leg(&call, "agent", Law::Mu, &pb).await;
    call.connect(a.id, b.id).await.unwrap();
    pa.send(a.local, 0, &[0x11; 160], false).await;
    assert_eq!(pb.recv().await.unwrap().payload, vec![0x11; 160]);

    let rtcp_port = |mut addr: std::net::SocketAddr| {
        addr.set_port(addr.port() + 1);
        addr
    };
    for i in 0..2000 {
        let len = rand::random_range(0..300);
        let mut junk: Vec<u8> = (0..len).map(|_| rand::random()).collect();
        if i % 2 == 0 && !junk.is_empty() {
            junk[0] = 0x80 | (junk[0] & 0x3F);
        }
        let from = if i % 3 == 0 { &stranger } else { &pa };
        let to = if i % 5 == 0 {
            rtcp_port(a.local)
        } else {
            a.local
        };
        from.socket.send_to(&junk, to).await.unwrap();
    }
    pa.send(a.local, 0, &[0x22; 160], false).await;
    let mut last = pb.recv().await.expect("the relay survives");
    while last.payload != vec![0x22; 160] {
        last = pb.recv().await.expect("the marker packet arrives");
    }
    let stats = call.stats(a.id).await.unwrap();
    assert!(
        stats.malformed_dropped + stats.bleed_dropped > 1000,
        "{stats:?}"
    );
}

#[tokio::test]
async fn dropping_the_last_handle_ends_the_call_and_frees_its_ports() {
    let server = server(26_000);
    let (call, mut events) = call(&server);
    let pa = Phone::new(Law::Mu).await;
    leg(&call, "caller", Law::Mu, &pa).await;
    assert_eq!(server.ports_in_use(), 1);

    drop(call);
    let ended = tokio::time::timeout(WAIT, async { while events.recv().await.is_some() {} }).await;
    assert!(ended.is_ok(), "the call task ended");
    assert_eq!(server.ports_in_use(), 0);
    assert_eq!(server.active_endpoints(), 0);
}

#[tokio::test]
async fn a_peer_echoing_our_packets_changes_our_ssrc_once_not_per_packet() {
    let server = server(27_800);
    let (call, _events) = call(&server);
    let (mut pa, mut echo) = (Phone::new(Law::Mu).await, Phone::new(Law::Mu).await);
    let a = leg(&call, "caller", Law::Mu, &pa).await;
    let b = leg(&call, "echo", Law::Mu, &echo).await;
    call.connect(a.id, b.id).await.unwrap();
    let mut heard_ssrcs = Vec::new();
    for frame in tone_frames(1000.0, 20) {
        pa.send_frame(a.local, &frame).await;
        let heard = echo.recv().await.expect("relayed");
        heard_ssrcs.push(heard.header.ssrc);
        // The echo sends our packet back as it came: our own SSRC.
        echo.ssrc = heard.header.ssrc;
        echo.sequence = heard.header.sequence;
        echo.timestamp = heard.header.timestamp;
        echo.send(b.local, heard.header.payload_type, &heard.payload, false)
            .await;
    }
    let changes = heard_ssrcs.windows(2).filter(|w| w[0] != w[1]).count();
    assert!(
        changes <= 1,
        "our SSRC changed {changes} times for 20 echoed packets: {heard_ssrcs:?}"
    );
}
