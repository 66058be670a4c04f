//! Test helpers: a "phone" that sends and receives RTP on a real UDP socket on 127.0.0.1.
#![allow(dead_code)]

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use sb_audio::g711::Law;
use sb_audio::{FRAME_SAMPLES, Frame};
use sb_media::{
    CallMedia, EndpointInfo, EndpointSpec, MediaConfig, MediaEvent, MediaEvents, MediaServer,
};
use sb_rtp::{PacketKind, RtpHeader, RtpPacket, classify};
use tokio::net::UdpSocket;
use tokio::time::timeout;

/// Bound on every wait of a test.
pub const WAIT: Duration = Duration::from_secs(3);

pub const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// A media server on 127.0.0.1 over the 100 ports from `base` (each test its own range).
pub fn server(base: u16) -> MediaServer {
    server_with(MediaConfig {
        bind_ip: LOCALHOST,
        port_min: base,
        port_max: base + 99,
        // The machines running tests are loaded: lateness would refuse calls at random.
        admission_lag: None,
        ..MediaConfig::default()
    })
}

pub fn server_with(config: MediaConfig) -> MediaServer {
    MediaServer::new(config).expect("valid config")
}

/// A call on `server`.
pub fn call(server: &MediaServer) -> (CallMedia, MediaEvents) {
    server.open_call().expect("inside tokio")
}

/// Adds a PCMU (or PCMA) endpoint whose SDP names `phone`.
pub async fn leg(call: &CallMedia, label: &str, law: Law, phone: &Phone) -> EndpointInfo {
    let mut spec = EndpointSpec::pcmu(label, Some(phone.addr()));
    spec.payload_type = payload_type(law);
    call.add_endpoint(spec).await.expect("endpoint")
}

pub fn payload_type(law: Law) -> u8 {
    match law {
        Law::Mu => 0,
        Law::A => 8,
    }
}

/// A received RTP packet.
#[derive(Debug, Clone)]
pub struct Heard {
    pub header: RtpHeader,
    pub payload: Vec<u8>,
}

/// A far-end RTP user agent.
pub struct Phone {
    pub socket: Arc<UdpSocket>,
    pub ssrc: u32,
    pub sequence: u16,
    pub timestamp: u32,
    pub law: Law,
    buf: Vec<u8>,
}

impl Phone {
    pub async fn new(law: Law) -> Phone {
        let socket = UdpSocket::bind((LOCALHOST, 0)).await.expect("bind");
        Phone {
            socket: Arc::new(socket),
            ssrc: rand::random(),
            sequence: rand::random(),
            timestamp: rand::random(),
            law,
            buf: vec![0; 2048],
        }
    }

    /// Another sender on the same socket (to send and receive at once).
    pub fn sender(&self) -> Phone {
        Phone {
            socket: Arc::clone(&self.socket),
            ssrc: self.ssrc,
            sequence: self.sequence,
            timestamp: self.timestamp,
            law: self.law,
            buf: vec![0; 2048],
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.socket.local_addr().expect("local addr")
    }

    /// Sends one RTP packet with this payload type and payload.
    pub async fn send(&mut self, to: SocketAddr, payload_type: u8, payload: &[u8], marker: bool) {
        let header = RtpHeader {
            marker,
            payload_type,
            sequence: self.sequence,
            timestamp: self.timestamp,
            ssrc: self.ssrc,
            csrc: Vec::new(),
        };
        let packet = RtpPacket {
            header,
            extension: None,
            payload,
            padding: 0,
        };
        let data = packet.to_vec().expect("packet");
        self.socket.send_to(&data, to).await.expect("send");
        self.sequence = self.sequence.wrapping_add(1);
    }

    /// Sends one 20 ms audio frame.
    pub async fn send_frame(&mut self, to: SocketAddr, frame: &Frame) {
        let mut payload = [0u8; FRAME_SAMPLES];
        self.law.encode_frame(frame, &mut payload);
        self.send(to, payload_type(self.law), &payload, false).await;
        self.timestamp = self.timestamp.wrapping_add(FRAME_SAMPLES as u32);
    }

    /// Receives the next RTP packet (RTCP is skipped), `None` after [`WAIT`].
    pub async fn recv(&mut self) -> Option<Heard> {
        self.recv_within(WAIT).await
    }

    pub async fn recv_within(&mut self, wait: Duration) -> Option<Heard> {
        loop {
            let (len, _) = timeout(wait, self.socket.recv_from(&mut self.buf))
                .await
                .ok()?
                .ok()?;
            let data = &self.buf[..len];
            if classify(data) != PacketKind::Rtp {
                continue;
            }
            let packet = RtpPacket::parse(data).ok()?;
            return Some(Heard {
                header: packet.header.clone(),
                payload: packet.payload.to_vec(),
            });
        }
    }

    /// Receives `n` RTP packets (fewer if they stop coming).
    pub async fn recv_n(&mut self, n: usize) -> Vec<Heard> {
        let mut heard = Vec::with_capacity(n);
        while heard.len() < n {
            match self.recv().await {
                Some(h) => heard.push(h),
                None => break,
            }
        }
        heard
    }
}

/// A sine tone as 20 ms frames, continuous in phase.
pub fn tone_frames(freq: f64, frames: usize) -> Vec<Frame> {
    let mut out = Vec::with_capacity(frames);
    for f in 0..frames {
        let mut frame = [0i16; FRAME_SAMPLES];
        for (i, s) in frame.iter_mut().enumerate() {
            let n = (f * FRAME_SAMPLES + i) as f64;
            *s = (8000.0 * (2.0 * std::f64::consts::PI * freq * n / 8000.0).sin()) as i16;
        }
        out.push(frame);
    }
    out
}

/// Decodes the payloads of received packets.
pub fn decode(heard: &[Heard], law: Law) -> Vec<i16> {
    heard
        .iter()
        .flat_map(|h| h.payload.iter().map(move |&c| law.decode(c)))
        .collect()
}

/// The next event other than `Latched`, `None` after [`WAIT`].
pub async fn next_event(events: &mut MediaEvents) -> Option<MediaEvent> {
    loop {
        match timeout(WAIT, events.recv()).await.ok()?? {
            MediaEvent::Latched { .. } => continue,
            other => return Some(other),
        }
    }
}

/// Sends `frames` paced at 20 ms (real-time media for the mixer and recorder).
pub async fn send_paced(phone: &mut Phone, to: SocketAddr, frames: &[Frame]) {
    let mut ticker = tokio::time::interval(Duration::from_millis(20));
    for frame in frames {
        ticker.tick().await;
        phone.send_frame(to, frame).await;
    }
}

/// Asserts a frequency within ±2 %.
pub fn assert_freq(samples: &[i16], expected: f64) {
    let f = sb_audio::estimate_frequency(samples, 8000).expect("a tone");
    assert!(
        (f - expected).abs() < expected * 0.02,
        "expected {expected} Hz, measured {f:.1} Hz"
    );
}

/// Adds a WebRTC leg labelled "agent" for a browser's offer and returns the answer.
pub async fn agent_answer(call: &CallMedia, offer_sdp: String) -> sb_media::WebRtcInfo {
    call.add_webrtc_endpoint(sb_media::WebRtcSpec {
        label: "agent".into(),
        offer_sdp,
    })
    .await
    .expect("answer")
}
