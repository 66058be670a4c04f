//! RTCP is terminated per leg: each leg's session reports for itself, nothing is relayed.

mod common;

use std::time::Duration;

use common::*;
use sb_audio::g711::Law;
use sb_media::EndpointSpec;
use sb_rtp::rtcp::{RtcpPacket, parse_compound, write_compound};
use sb_rtp::{PacketKind, RtpPacket, classify};
use tokio::time::timeout;

#[tokio::test]
async fn each_leg_sends_its_own_rtcp_and_incoming_rtcp_is_not_relayed() {
    let server = server(25_600);
    let (call, _events) = call(&server);
    let (mut pa, pb) = (Phone::new(Law::Mu).await, Phone::new(Law::Mu).await);
    let mux = |label: &str, phone: &Phone| EndpointSpec {
        rtcp_mux: true,
        ..EndpointSpec::pcmu(label, Some(phone.addr()))
    };
    let a = call.add_endpoint(mux("caller", &pa)).await.unwrap();
    let b = call.add_endpoint(mux("agent", &pb)).await.unwrap();
    call.connect(a.id, b.id).await.unwrap();

    let report = RtcpPacket::ReceiverReport {
        ssrc: pa.ssrc,
        reports: Vec::new(),
    };
    let mut rtcp = Vec::new();
    write_compound(&[report], &mut rtcp).unwrap();
    for frame in tone_frames(1000.0, 3) {
        pa.send_frame(a.local, &frame).await;
        pa.socket.send_to(&rtcp, a.local).await.unwrap();
    }

    let mut leg_ssrc = None;
    let mut buf = vec![0; 2048];
    let reporter = loop {
        let (len, _) = timeout(Duration::from_secs(5), pb.socket.recv_from(&mut buf))
            .await
            .expect("an RTCP report within 5 s")
            .unwrap();
        let data = &buf[..len];
        match classify(data) {
            PacketKind::Rtp => leg_ssrc = Some(RtpPacket::parse(data).unwrap().header.ssrc),
            PacketKind::Rtcp => break parse_compound(data).unwrap(),
            PacketKind::Other => panic!("garbage sent"),
        }
    };
    let Some(RtcpPacket::SenderReport { ssrc, .. }) = reporter.first() else {
        panic!("the agent leg sent media, so it reports with an SR: {reporter:?}");
    };
    assert_eq!(Some(*ssrc), leg_ssrc, "the report is the agent leg's own");
    assert_ne!(*ssrc, pa.ssrc);
    let stats = call.stats(a.id).await.unwrap();
    assert_eq!(stats.malformed_dropped, 0, "the caller's RTCP was accepted");
}
