//! WebRTC endpoints against a str0m client playing the browser (full ICE, DTLS-SRTP), over
//! real UDP on 127.0.0.1: a 1 kHz PCMU tone crosses between the WebRTC leg and a plain RTP
//! leg both ways, whichever side made the offer; with the `opus` feature a browser that
//! speaks only Opus is transcoded to and from the plain leg's PCMU.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::*;
use sb_audio::FRAME_SAMPLES;
use sb_audio::g711::Law;
use sb_media::{CallMedia, EndpointId, WebRtcSpec};
use str0m::format::Codec;
use str0m::media::{Direction, MediaKind, Mid};
use str0m::net::{Protocol, Receive};
use str0m::rtp::RtpWrite;
use str0m::{Candidate, Event, Input, Output, Rtc};
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, watch};
use tokio::time::timeout;

/// The "browser": a str0m peer with full ICE on its own socket, driven by its own task.
struct Client {
    /// Payloads to send (PCMU, or Opus for an Opus client), one 20 ms frame each.
    frames: mpsc::Sender<Vec<u8>>,
    /// Payloads received.
    heard: mpsc::Receiver<Vec<u8>>,
    connected: watch::Receiver<bool>,
}

async fn client_rtc() -> (Rtc, UdpSocket) {
    client_rtc_with(Codec::PCMU).await
}

/// A client that takes only `codec` (PCMU or Opus).
async fn client_rtc_with(codec: Codec) -> (Rtc, UdpSocket) {
    let socket = UdpSocket::bind((LOCALHOST, 0)).await.expect("bind");
    let mut rtc = Rtc::builder()
        .set_rtp_mode(true)
        .clear_codecs()
        .enable_pcmu(codec == Codec::PCMU, false)
        .enable_opus(codec == Codec::Opus, false)
        .build(Instant::now());
    let addr = socket.local_addr().expect("addr");
    rtc.add_local_candidate(Candidate::host(addr, "udp").expect("candidate"));
    (rtc, socket)
}

fn client_offer(rtc: &mut Rtc) -> (String, Mid, str0m::change::SdpPendingOffer) {
    let mut api = rtc.sdp_api();
    let mid = api.add_media(MediaKind::Audio, Direction::SendRecv, None, None, None);
    let (offer, pending) = api.apply().expect("offer");
    (offer.to_sdp_string(), mid, pending)
}

fn start(rtc: Rtc, socket: UdpSocket, mid: Option<Mid>) -> Client {
    let (frames_tx, frames) = mpsc::channel(256);
    let (heard, heard_rx) = mpsc::channel(1024);
    let (connected_tx, connected) = watch::channel(false);
    tokio::spawn(drive(rtc, socket, mid, frames, heard, connected_tx));
    Client {
        frames: frames_tx,
        heard: heard_rx,
        connected,
    }
}

/// Applies the endpoint's SDP answer to the client's pending offer and starts the client.
fn accept_and_start(
    mut rtc: Rtc,
    socket: UdpSocket,
    (mid, pending): (Mid, str0m::change::SdpPendingOffer),
    answer_sdp: &str,
) -> Client {
    let answer = str0m::change::SdpAnswer::from_sdp_string(answer_sdp).expect("SDP");
    rtc.sdp_api()
        .accept_answer(pending, answer)
        .expect("accepted");
    start(rtc, socket, Some(mid))
}

/// A plain PCMU caller (a phone on loopback) joined to the WebRTC endpoint `webrtc`.
async fn plain_caller(call: &CallMedia, webrtc: EndpointId) -> (Phone, sb_media::EndpointInfo) {
    let phone = Phone::new(Law::Mu).await;
    let plain = leg(call, "caller", Law::Mu, &phone).await;
    call.connect(webrtc, plain.id).await.expect("connect");
    (phone, plain)
}

async fn drive(
    mut rtc: Rtc,
    socket: UdpSocket,
    mut mid: Option<Mid>,
    mut frames: mpsc::Receiver<Vec<u8>>,
    heard: mpsc::Sender<Vec<u8>>,
    connected: watch::Sender<bool>,
) {
    let local = socket.local_addr().expect("addr");
    let mut buf = vec![0; 2048];
    let (mut seq, mut time) = (1000u64, 5000u32);
    loop {
        let deadline = loop {
            match rtc.poll_output() {
                Ok(Output::Timeout(t)) => break t,
                Ok(Output::Transmit(t)) => {
                    let _ = socket.send_to(&t.contents, t.destination).await;
                }
                Ok(Output::Event(Event::Connected)) => {
                    let _ = connected.send(true);
                }
                Ok(Output::Event(Event::RtpPacket(p))) => {
                    let _ = heard.try_send(p.payload.to_vec());
                }
                Ok(Output::Event(Event::MediaAdded(m))) => mid = mid.or(Some(m.mid)),
                Ok(Output::Event(_)) => {}
                Err(_) => return,
            }
        };
        let wait = deadline.saturating_duration_since(Instant::now());
        tokio::select! {
            r = socket.recv_from(&mut buf) => {
                let Ok((n, source)) = r else { return };
                let Ok(contents) = buf[..n].try_into() else { continue };
                let input = Receive { proto: Protocol::Udp, source, destination: local, contents };
                let _ = rtc.handle_input(Input::Receive(Instant::now(), input));
            }
            Some(payload) = frames.recv() => {
                let param = rtc.codec_config().params().first().copied().expect("a codec");
                let ticks = FRAME_SAMPLES as u32 * param.spec().clock_rate.get() / 8000;
                let mut api = rtc.direct_api();
                let Some(stream) = mid.and_then(|m| api.stream_tx_by_mid(m, None)) else { continue };
                stream.write_rtp(RtpWrite::new(param.pt(), seq.into(), time, Instant::now(), payload));
                seq += 1;
                time = time.wrapping_add(ticks);
            }
            () = tokio::time::sleep(wait) => {
                if rtc.handle_input(Input::Timeout(Instant::now())).is_err() {
                    return;
                }
            }
        }
    }
}

impl Client {
    async fn wait_connected(&mut self) {
        let ok = timeout(WAIT, self.connected.wait_for(|c| *c)).await;
        assert!(matches!(ok, Ok(Ok(_))), "ICE and DTLS connect");
    }

    async fn recv_n(&mut self, n: usize) -> Vec<Vec<u8>> {
        let mut got = Vec::new();
        while got.len() < n {
            match timeout(WAIT, self.heard.recv()).await {
                Ok(Some(p)) => got.push(p),
                _ => break,
            }
        }
        got
    }
}

fn pcmu(frames: &[sb_audio::Frame]) -> Vec<Vec<u8>> {
    frames
        .iter()
        .map(|f| {
            let mut p = vec![0; FRAME_SAMPLES];
            Law::Mu.encode_frame(f, &mut p);
            p
        })
        .collect()
}

/// Proves the tone crosses both ways between the client and `phone` (plain leg `plain`).
async fn assert_tone_both_ways(
    call: &CallMedia,
    client: &mut Client,
    webrtc: EndpointId,
    phone: &mut Phone,
    plain: SocketAddr,
) {
    client.wait_connected().await;
    // The browser talks: its tone comes out on the plain leg.
    for payload in pcmu(&tone_frames(1000.0, 40)) {
        client.frames.send(payload).await.expect("client alive");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let heard = phone.recv_n(30).await;
    assert!(heard.len() >= 30, "plain leg heard {} packets", heard.len());
    assert!(heard.iter().all(|h| h.header.payload_type == 0));
    assert_freq(&decode(&heard, Law::Mu), 1000.0);

    // The phone talks: its tone reaches the browser through SRTP.
    let frames = tone_frames(1000.0, 40);
    send_paced(phone, plain, &frames).await;
    let heard = client.recv_n(30).await;
    assert!(heard.len() >= 30, "browser heard {} packets", heard.len());
    let samples: Vec<i16> = heard.iter().flatten().map(|&c| Law::Mu.decode(c)).collect();
    assert_freq(&samples, 1000.0);

    let stats = call.stats(webrtc).await.expect("stats");
    assert!(stats.quality.packets_received >= 30, "{stats:?}");
    assert!(stats.quality.packets_sent >= 30, "{stats:?}");
}

#[tokio::test]
async fn a_browser_offer_is_answered_and_a_1khz_tone_crosses_to_plain_rtp_both_ways() {
    let server = server(24_600);
    let (call, _events) = call(&server);
    let (mut rtc, socket) = client_rtc().await;
    let (offer_sdp, mid, pending) = client_offer(&mut rtc);

    let info = agent_answer(&call, offer_sdp).await;
    assert!(
        info.answer_sdp.contains("a=ice-lite"),
        "{}",
        info.answer_sdp
    );
    assert!(info.answer_sdp.contains("PCMU/8000"), "{}", info.answer_sdp);
    let mut client = accept_and_start(rtc, socket, (mid, pending), &info.answer_sdp);

    let (mut phone, plain) = plain_caller(&call, info.id).await;
    assert_tone_both_ways(&call, &mut client, info.id, &mut phone, plain.local).await;
}

#[tokio::test]
async fn our_offer_to_a_browser_is_answered_and_a_1khz_tone_crosses_both_ways() {
    let server = server(24_700);
    let (call, _events) = call(&server);
    let offer = call.add_webrtc_offer("agent").await.expect("offer");
    assert!(
        offer.offer_sdp.contains("a=ice-lite"),
        "{}",
        offer.offer_sdp
    );

    let (mut rtc, socket) = client_rtc().await;
    let sdp = str0m::change::SdpOffer::from_sdp_string(&offer.offer_sdp).expect("SDP");
    let answer = rtc.sdp_api().accept_offer(sdp).expect("answer");
    call.accept_webrtc_answer(offer.id, &answer.to_sdp_string())
        .await
        .expect("answer applied");
    let mut client = start(rtc, socket, None);

    let (mut phone, plain) = plain_caller(&call, offer.id).await;
    assert_tone_both_ways(&call, &mut client, offer.id, &mut phone, plain.local).await;
}

#[cfg(not(feature = "opus"))]
#[tokio::test]
async fn without_the_opus_feature_an_offer_without_g711_is_refused_and_frees_its_port() {
    let server = server(24_800);
    let (call, _events) = call(&server);
    let (mut rtc, _socket) = client_rtc_with(Codec::Opus).await;
    let (offer_sdp, _, _) = client_offer(&mut rtc);
    let refused = call
        .add_webrtc_endpoint(WebRtcSpec {
            label: "opus-only".into(),
            offer_sdp,
        })
        .await;
    assert!(refused.is_err(), "{refused:?}");
    assert_eq!(server.active_endpoints(), 0);
}

#[tokio::test]
async fn a_garbage_offer_is_refused_and_frees_its_port() {
    let server = server(25_400);
    let (call, _events) = call(&server);
    let garbage = call
        .add_webrtc_endpoint(WebRtcSpec {
            label: "garbage".into(),
            offer_sdp: "v=0\r\nnonsense".into(),
        })
        .await;
    assert!(garbage.is_err());
    assert_eq!(server.active_endpoints(), 0);
}

#[tokio::test]
async fn a_browser_that_stops_sending_is_reported_as_timed_out() {
    let server = server_with(sb_media::MediaConfig {
        bind_ip: LOCALHOST,
        port_min: 24_900,
        port_max: 24_999,
        media_timeout: Duration::from_millis(600),
        admission_lag: None,
        ..sb_media::MediaConfig::default()
    });
    let (call, mut events) = call(&server);
    let (mut rtc, socket) = client_rtc().await;
    let (offer_sdp, mid, pending) = client_offer(&mut rtc);
    let info = agent_answer(&call, offer_sdp).await;
    let mut client = accept_and_start(rtc, socket, (mid, pending), &info.answer_sdp);
    client.wait_connected().await;
    for payload in pcmu(&tone_frames(1000.0, 5)) {
        client.frames.send(payload).await.expect("client alive");
    }
    let event = next_event(&mut events).await;
    assert_eq!(
        event,
        Some(sb_media::MediaEvent::Timeout { endpoint: info.id })
    );
    let stats = call.remove_endpoint(info.id).await.expect("removed");
    assert_eq!(stats.quality.packets_received, 5);
    assert_eq!(server.active_endpoints(), 0);
}

/// Opus payloads of `frames`, 20 ms each.
#[cfg(feature = "opus")]
fn opus(frames: &[sb_audio::Frame]) -> Vec<Vec<u8>> {
    let mut encoder = sb_audio::OpusEncoder::new().expect("encoder");
    let encode = |f: &sb_audio::Frame| {
        let mut packet = Vec::new();
        encoder.encode(f, &mut packet).expect("encoded");
        packet
    };
    frames.iter().map(encode).collect()
}

/// Proves a 1 kHz tone crosses both ways between an Opus-only client and `phone` (PCMU).
#[cfg(feature = "opus")]
async fn assert_opus_tone_both_ways(
    call: &CallMedia,
    webrtc: EndpointId,
    client: &mut Client,
    answer_sdp: &str,
    phone: &mut Phone,
    plain: SocketAddr,
) {
    assert!(answer_sdp.contains("opus/48000/2"), "{answer_sdp}");
    client.wait_connected().await;
    for payload in opus(&tone_frames(1000.0, 40)) {
        client.frames.send(payload).await.expect("client alive");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let heard = phone.recv_n(30).await;
    assert!(heard.len() >= 30, "plain leg heard {} packets", heard.len());
    assert!(heard.iter().all(|h| h.header.payload_type == 0));
    assert_freq(&decode(&heard, Law::Mu)[5 * FRAME_SAMPLES..], 1000.0);

    send_paced(phone, plain, &tone_frames(1000.0, 40)).await;
    let heard = client.recv_n(30).await;
    assert!(heard.len() >= 30, "browser heard {} packets", heard.len());
    let mut decoder = sb_audio::OpusDecoder::new().expect("decoder");
    let mut samples = Vec::new();
    for payload in &heard {
        let mut buf = [0i16; sb_audio::OPUS_MAX_SAMPLES];
        let n = decoder
            .decode(payload, &mut buf)
            .expect("Opus from the server");
        samples.extend_from_slice(&buf[..n]);
    }
    assert_freq(&samples[5 * FRAME_SAMPLES..], 1000.0);

    let stats = call.stats(webrtc).await.expect("stats");
    assert!(stats.quality.packets_received >= 30, "{stats:?}");
    assert_eq!((stats.undecodable, stats.send_failed), (0, 0), "{stats:?}");
}

#[cfg(feature = "opus")]
#[tokio::test]
async fn a_browser_offering_only_opus_is_answered_with_opus_and_transcoded_to_pcmu() {
    let server = server(25_200);
    let (call, _events) = call(&server);
    let (mut rtc, socket) = client_rtc_with(Codec::Opus).await;
    let (offer_sdp, mid, pending) = client_offer(&mut rtc);
    let info = agent_answer(&call, offer_sdp).await;
    assert!(!info.answer_sdp.contains("PCMU"), "{}", info.answer_sdp);
    let mut client = accept_and_start(rtc, socket, (mid, pending), &info.answer_sdp);

    let (mut phone, plain) = plain_caller(&call, info.id).await;
    assert_opus_tone_both_ways(
        &call,
        info.id,
        &mut client,
        &info.answer_sdp,
        &mut phone,
        plain.local,
    )
    .await;
    assert_eq!(
        server.active_endpoints(),
        2,
        "the refused G.711 attempt freed its port"
    );
}

#[cfg(feature = "opus")]
#[tokio::test]
async fn our_offer_lists_pcmu_first_and_a_browser_choosing_opus_gets_opus() {
    let server = server(25_300);
    let (call, _events) = call(&server);
    let offer = call.add_webrtc_offer("agent").await.expect("offer");
    let sdp = &offer.offer_sdp;
    let (pcmu, opus_at) = (sdp.find("PCMU/8000"), sdp.find("opus/48000"));
    assert!(
        pcmu.is_some() && opus_at.is_some() && pcmu < opus_at,
        "{sdp}"
    );

    let (mut rtc, socket) = client_rtc_with(Codec::Opus).await;
    let parsed = str0m::change::SdpOffer::from_sdp_string(sdp).expect("SDP");
    let answer = rtc.sdp_api().accept_offer(parsed).expect("answer");
    let answer_sdp = answer.to_sdp_string();
    call.accept_webrtc_answer(offer.id, &answer_sdp)
        .await
        .expect("answer applied");
    let mut client = start(rtc, socket, None);

    let (mut phone, plain) = plain_caller(&call, offer.id).await;
    assert_opus_tone_both_ways(
        &call,
        offer.id,
        &mut client,
        &answer_sdp,
        &mut phone,
        plain.local,
    )
    .await;
}
