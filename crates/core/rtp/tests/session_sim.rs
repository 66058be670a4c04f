//! Simulation of RTP sessions with a manual clock: loss, reordering, duplicates, sequence wrap,
//! clock drift, RTCP timing and RTT, DTMF, source changes, BYE and media timeout.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use sb_rtp::telephone_event::DtmfDigit;
use sb_rtp::{
    Arrival, PacketKind, RtpHeader, RtpPacket, RtpSession, SessionConfig, SessionEvent, Transmit,
};
use sb_types::Timestamp;

fn t(ms: i64) -> Timestamp {
    Timestamp::from_millis(ms)
}

fn rtp(ssrc: u32, seq: u16, ts: u32, pt: u8, payload: &[u8]) -> Vec<u8> {
    let header = RtpHeader {
        payload_type: pt,
        sequence: seq,
        timestamp: ts,
        ssrc,
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

fn config(ssrc: u32) -> SessionConfig {
    SessionConfig {
        extra_delay_ms: 0.0,
        ..SessionConfig::g711(ssrc, &format!("{ssrc}@test"), u64::from(ssrc) * 7919)
    }
}

fn events(s: &mut RtpSession) -> Vec<SessionEvent> {
    std::iter::from_fn(|| s.poll_event()).collect()
}

fn transmits(s: &mut RtpSession) -> Vec<Transmit> {
    std::iter::from_fn(|| s.poll_transmit()).collect()
}

#[test]
fn loss_across_a_sequence_wrap_is_counted_by_extended_numbers() {
    let mut s = RtpSession::new(config(1), t(0));
    // 100 packets from seq 65500 (wrapping after 35), every 10th dropped: 90 arrive.
    for i in 0..100u16 {
        if i % 10 == 9 {
            continue;
        }
        let seq = 65500u16.wrapping_add(i);
        s.handle_rtp(
            t(20 * i64::from(i)),
            &rtp(77, seq, 160 * u32::from(i), 0, &[0xFF; 160]),
        )
        .unwrap();
    }
    let q = s.quality();
    // Expected = 65599 − 65500 + 1 = 100 (the last one, i = 99, is dropped: highest is i = 98).
    // So expected = 99, received = 90, lost = 9, loss = 9/99 = 9.0909 %.
    assert_eq!(q.packets_received, 90);
    assert_eq!(q.packets_lost, 9);
    assert!(
        (q.loss_percent - 9.0909).abs() < 0.001,
        "{}",
        q.loss_percent
    );
    assert_eq!(q.bytes_received, 90 * 160);
    // The RR carries fraction = 9·256/99 = 23.27 → 23, highest = 65536 + (65500 + 98 − 65536) = 65598.
    s.handle_timeout(s.poll_timeout().unwrap()).unwrap();
    let rr = transmits(&mut s).pop().unwrap();
    let parsed = sb_rtp::rtcp::parse_compound(&rr.data).unwrap();
    let sb_rtp::rtcp::RtcpPacket::ReceiverReport { reports, .. } = &parsed[0] else {
        panic!()
    };
    assert_eq!(reports[0].fraction_lost, 23);
    assert_eq!(reports[0].cumulative_lost, 9);
    assert_eq!(reports[0].highest_sequence, 65598);
}

#[test]
fn duplicates_and_reordering_do_not_hide_or_invent_loss() {
    let mut s = RtpSession::new(config(1), t(0));
    let order = [0u16, 1, 3, 2, 2, 4, 6, 5, 5, 5, 7, 9];
    let mut arrivals = Vec::new();
    for (i, &seq) in order.iter().enumerate() {
        let r = s
            .handle_rtp(
                t(20 * i as i64),
                &rtp(5, seq, 160 * u32::from(seq), 0, &[0; 160]),
            )
            .unwrap();
        arrivals.push(r.arrival);
    }
    use Arrival::*;
    assert_eq!(
        arrivals,
        [
            InOrder, InOrder, InOrder, Reordered, Duplicate, InOrder, InOrder, Reordered,
            Duplicate, Duplicate, InOrder, InOrder
        ]
    );
    let q = s.quality();
    // Distinct 0..=7 and 9: 9 received of 10 expected (8 missing).
    assert_eq!(
        (
            q.packets_received,
            q.packets_lost,
            q.duplicates,
            q.reordered
        ),
        (9, 1, 3, 2)
    );
}

#[test]
fn alternating_10_ms_delay_gives_the_a8_jitter() {
    let mut s = RtpSession::new(config(1), t(0));
    // Packet i sent at 20·i ms with ts 160·i, delayed 0 or 10 ms alternately: every transit
    // difference D is ±80 units, so J_n = 80·(1 − (15/16)^n). With 99 differences:
    // (15/16)^99 = e^(99·ln 0.9375) = e^(−6.3894) = 0.001678, J = 79.866 units = 9.983 ms.
    for i in 0..100i64 {
        let arrival = 20 * i + if i % 2 == 1 { 10 } else { 0 };
        s.handle_rtp(t(arrival), &rtp(5, i as u16, 160 * i as u32, 0, &[0; 160]))
            .unwrap();
    }
    let q = s.quality();
    assert!((q.jitter_ms - 9.983).abs() < 0.01, "{}", q.jitter_ms);
    assert_eq!(q.packets_lost, 0);
}

#[test]
fn a_sender_clock_fast_by_a_thousandth_shows_as_negligible_jitter_and_no_loss() {
    let mut s = RtpSession::new(config(1), t(0));
    // The sender's 20 ms is 19.98 ms of ours: arrivals drift 1 ms every 50 packets.
    for i in 0..3000i64 {
        let arrival = (i as f64 * 19.98).round() as i64;
        s.handle_rtp(t(arrival), &rtp(5, i as u16, 160 * i as u32, 0, &[0; 160]))
            .unwrap();
    }
    let q = s.quality();
    assert!(q.jitter_ms < 0.5, "{}", q.jitter_ms);
    assert_eq!((q.packets_received, q.packets_lost), (3000, 0));
}

/// Two sessions joined by a network with a fixed one-way delay; each side sends 20 ms of
/// G.711 every 20 ms. Runs `ms` milliseconds one ms at a time.
struct Pair {
    a: RtpSession,
    b: RtpSession,
    now: i64,
    in_flight: Vec<(i64, bool, Transmit)>,
    delay_ms: i64,
    rtcp_from_a: Vec<i64>,
    events_b: Vec<SessionEvent>,
    events_a: Vec<SessionEvent>,
}

impl Pair {
    fn new(delay_ms: i64) -> Self {
        Pair {
            a: RtpSession::new(config(0xA), t(0)),
            b: RtpSession::new(config(0xB), t(0)),
            now: 0,
            in_flight: Vec::new(),
            delay_ms,
            rtcp_from_a: Vec::new(),
            events_a: Vec::new(),
            events_b: Vec::new(),
        }
    }

    fn run(&mut self, ms: i64, media: bool) {
        for _ in 0..ms {
            self.now += 1;
            let now = t(self.now);
            if media && self.now % 20 == 0 {
                for (s, to_b) in [(&mut self.a, true), (&mut self.b, false)] {
                    let mut data = Vec::new();
                    s.send_media(now, 0, &[0xFF; 160], 160, &mut data).unwrap();
                    self.in_flight.push((
                        self.now + self.delay_ms,
                        to_b,
                        Transmit {
                            kind: PacketKind::Rtp,
                            data,
                        },
                    ));
                }
            }
            self.deliver(now);
            self.tick(now);
        }
    }

    fn deliver(&mut self, now: Timestamp) {
        let (due, later): (Vec<_>, Vec<_>) = self
            .in_flight
            .drain(..)
            .partition(|(at, _, _)| *at <= self.now);
        self.in_flight = later;
        for (_, to_b, tx) in due {
            let s = if to_b { &mut self.b } else { &mut self.a };
            match tx.kind {
                PacketKind::Rtcp => s.handle_rtcp(now, &tx.data).unwrap(),
                _ => drop(s.handle_rtp(now, &tx.data).unwrap()),
            }
        }
    }

    fn tick(&mut self, now: Timestamp) {
        for (s, to_b) in [(&mut self.a, true), (&mut self.b, false)] {
            if s.poll_timeout().is_some_and(|d| d <= now) {
                s.handle_timeout(now).unwrap();
            }
            while let Some(tx) = s.poll_transmit() {
                if to_b && tx.kind == PacketKind::Rtcp {
                    self.rtcp_from_a.push(self.now);
                }
                self.in_flight.push((self.now + self.delay_ms, to_b, tx));
            }
        }
        self.events_a.extend(events(&mut self.a));
        self.events_b.extend(events(&mut self.b));
    }
}

#[test]
fn rtcp_reports_come_at_randomised_rfc_3550_intervals() {
    let mut p = Pair::new(30);
    p.run(120_000, true);
    let times = &p.rtcp_from_a;
    // First: 2.5 s · [0.5, 1.5) / 1.21828 = [1026, 3078) ms; then 5 s · the same = [2052, 6157).
    assert!((1026..3079).contains(&times[0]), "{}", times[0]);
    for w in times.windows(2) {
        assert!((2052..6158).contains(&(w[1] - w[0])), "{w:?}");
    }
    assert!(times.len() >= 19 && times.len() <= 58, "{}", times.len());
    let gaps: Vec<i64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(
        gaps.iter().any(|&g| g != gaps[0]),
        "intervals are randomised"
    );
}

#[test]
fn round_trip_time_comes_from_lsr_and_dlsr() {
    let mut p = Pair::new(50);
    p.run(20_000, true);
    // One-way 50 ms each way: RTT = A − LSR − DLSR = 100 ms (compact units truncate by < 0.05 ms).
    let rtt_a = p.a.quality().rtt_ms.unwrap();
    let rtt_b = p.b.quality().rtt_ms.unwrap();
    assert!((rtt_a - 100.0).abs() < 0.1, "{rtt_a}");
    assert!((rtt_b - 100.0).abs() < 0.1, "{rtt_b}");
    // Perfect network: both see no loss and no jitter of each other.
    let q = p.a.quality();
    assert_eq!(q.packets_lost, 0);
    assert_eq!(q.remote_loss_percent, Some(0.0));
    assert_eq!(q.remote_jitter_ms, Some(0.0));
    // R = 93.2 − Idd(50 ms) − 0 = 93.2; MOS 4.409.
    assert!((q.mos - 4.409).abs() < 0.001, "{}", q.mos);
    assert!(q.packets_sent >= 999 && q.bytes_sent == q.packets_sent * 160);
}

#[test]
fn a_dtmf_digit_crosses_once_despite_three_end_packets() {
    let mut p = Pair::new(40);
    p.run(1000, false);
    assert!(p.a.send_dtmf(t(p.now), 5, 100, 10).unwrap());
    assert!(p.a.sending_dtmf());
    p.run(1000, false);
    assert!(!p.a.sending_dtmf());
    let digits: Vec<DtmfDigit> = p
        .events_b
        .iter()
        .filter_map(|e| {
            if let SessionEvent::Dtmf(d) = e {
                Some(*d)
            } else {
                None
            }
        })
        .collect();
    assert_eq!(digits.len(), 1, "{:?}", p.events_b);
    assert_eq!((digits[0].event, digits[0].duration), (5, 800));
    // Seven packets (four updates, three ends) reached B, none counted as lost.
    assert_eq!(p.b.quality().packets_received, 7);
    assert_eq!(p.b.quality().packets_lost, 0);
}

#[test]
fn a_digit_whose_end_packets_are_all_lost_is_reported_after_a_second_of_silence() {
    let mut s = RtpSession::new(config(1), t(0));
    for i in 0..5u16 {
        let ev = sb_rtp::telephone_event::TelephoneEvent {
            event: 9,
            end: false,
            volume: 10,
            duration: 160 * (i + 1),
        };
        s.handle_rtp(t(20 * i64::from(i)), &rtp(7, i, 4000, 101, &ev.to_bytes()))
            .unwrap();
    }
    assert_eq!(
        events(&mut s),
        [SessionEvent::RemoteSource {
            ssrc: 7,
            previous: None
        }]
    );
    // Drive the clock from deadline to deadline: nothing until one second after the last packet.
    while let Some(deadline) = s.poll_timeout().filter(|d| *d < t(1080)) {
        s.handle_timeout(deadline).unwrap();
        assert!(events(&mut s).is_empty(), "at {deadline:?}");
    }
    assert_eq!(
        s.poll_timeout(),
        Some(t(1080)),
        "one second after the last event packet"
    );
    s.handle_timeout(t(1080)).unwrap();
    let digit = DtmfDigit {
        event: 9,
        duration: 800,
        timestamp: 4000,
    };
    assert_eq!(events(&mut s), [SessionEvent::Dtmf(digit)]);
    s.handle_timeout(t(5000)).unwrap();
    assert!(events(&mut s).is_empty(), "reported once");
}

#[test]
fn without_telephone_event_dtmf_is_left_to_the_host() {
    let cfg = SessionConfig {
        telephone_event_pt: None,
        ..config(1)
    };
    let mut s = RtpSession::new(cfg, t(0));
    assert!(!s.send_dtmf(t(0), 1, 100, 10).unwrap());
    assert!(transmits(&mut s).is_empty());
}

#[test]
fn bye_reaches_the_other_side_and_reporting_stops() {
    let mut p = Pair::new(10);
    p.run(500, true);
    p.a.close(t(p.now), "hangup").unwrap();
    p.run(100, false);
    assert!(p.events_b.contains(&SessionEvent::Bye {
        ssrc: 0xA,
        reason: Some("hangup".into())
    }));
    let before = p.rtcp_from_a.len();
    p.run(30_000, false);
    assert_eq!(p.rtcp_from_a.len(), before);
}

#[test]
fn silence_longer_than_the_media_timeout_is_reported_once() {
    let mut p = Pair::new(10);
    p.run(1000, true);
    p.run(29_000, false);
    assert!(!p.events_b.contains(&SessionEvent::MediaTimeout));
    p.run(61_000, false);
    let timeouts = p
        .events_b
        .iter()
        .filter(|e| **e == SessionEvent::MediaTimeout)
        .count();
    assert_eq!(timeouts, 1);
    assert!(p.b.poll_timeout().is_some(), "RTCP continues");
}

#[test]
fn the_first_rtp_names_the_remote_source() {
    let mut p = Pair::new(10);
    p.run(100, true);
    assert_eq!(
        p.events_b[0],
        SessionEvent::RemoteSource {
            ssrc: 0xA,
            previous: None
        }
    );
    assert_eq!(p.b.remote_ssrc(), Some(0xA));
}

#[test]
fn a_transfer_upstream_keeps_the_downstream_stream_continuous() {
    // Leg C relays what it receives upstream; D receives C's stream.
    let mut c = RtpSession::new(config(0xC), t(0));
    let mut d = RtpSession::new(config(0xD), t(0));
    let mut sent = Vec::new();
    let mut relay = |now: i64, mut pkt: Vec<u8>, c: &mut RtpSession, d: &mut RtpSession| {
        let out = c.forward(t(now), &mut pkt).unwrap();
        d.handle_rtp(t(now + 30), &pkt).unwrap();
        sent.push((now, out));
        RtpPacket::parse(&pkt).unwrap().header
    };
    // Agent 1: SSRC 111, seq from 1000, ts from 5000, packets at 0, 20, …, 980 ms.
    for i in 0..50u16 {
        let h = relay(
            20 * i64::from(i),
            rtp(111, 1000 + i, 5000 + 160 * u32::from(i), 0, &[1; 160]),
            &mut c,
            &mut d,
        );
        assert_eq!(h.ssrc, 0xC);
    }
    // Agent 2 after a 220 ms gap: SSRC 222, seq 40000…, ts 9 000 000…
    for i in 0..50u16 {
        let now = 1200 + 20 * i64::from(i);
        relay(
            now,
            rtp(222, 40000 + i, 9_000_000 + 160 * u32::from(i), 0, &[2; 160]),
            &mut c,
            &mut d,
        );
    }
    for w in sent.windows(2) {
        assert_eq!(
            w[1].1.sequence,
            w[0].1.sequence.wrapping_add(1),
            "sequence is continuous"
        );
    }
    let switch = &sent[50].1;
    // The timestamp advances by the wall-clock gap: 220 ms · 8 = 1760 units.
    assert_eq!(switch.timestamp.wrapping_sub(sent[49].1.timestamp), 1760);
    assert!(switch.marker && !sent[51].1.marker);
    // Downstream sees one source, no loss, and no jitter from the switch.
    let q = d.quality();
    assert_eq!((q.packets_received, q.packets_lost), (100, 0));
    assert!(q.jitter_ms < 0.01, "{}", q.jitter_ms);
    assert_eq!(events(&mut d).len(), 1, "one RemoteSource event only");
}

#[test]
fn dtmf_injected_into_a_relayed_stream_never_reuses_a_sequence_number() {
    let mut c = RtpSession::new(config(0xC), t(0));
    let mut seqs = Vec::new();
    for i in 0..40u16 {
        let now = 20 * i64::from(i);
        if i == 10 {
            c.send_dtmf(t(now), 1, 60, 10).unwrap();
        }
        c.handle_timeout(t(now)).unwrap();
        for tx in transmits(&mut c)
            .into_iter()
            .filter(|tx| tx.kind == PacketKind::Rtp)
        {
            seqs.push(RtpPacket::parse(&tx.data).unwrap().header.sequence);
        }
        let mut pkt = rtp(111, 500 + i, 160 * u32::from(i), 0, &[0; 160]);
        seqs.push(c.forward(t(now), &mut pkt).unwrap().sequence);
    }
    let mut sorted = seqs.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), seqs.len(), "no repeats: {seqs:?}");
    assert_eq!(
        seqs.len(),
        40 + 5,
        "two updates and three ends were injected"
    );
}

#[test]
fn a_remote_ssrc_change_keeps_totals_and_restarts_the_sequence_state() {
    let mut s = RtpSession::new(config(100), t(0));
    for i in 0..10u16 {
        s.handle_rtp(t(20 * i64::from(i)), &rtp(1, 100 + i, 0, 0, &[0; 10]))
            .unwrap();
    }
    for i in 0..10u16 {
        s.handle_rtp(
            t(400 + 20 * i64::from(i)),
            &rtp(2, 60000 + i, 0, 0, &[0; 10]),
        )
        .unwrap();
    }
    let evs = events(&mut s);
    assert_eq!(
        evs[1],
        SessionEvent::RemoteSource {
            ssrc: 2,
            previous: Some(1)
        }
    );
    let q = s.quality();
    assert_eq!((q.packets_received, q.packets_lost), (20, 0));
}

#[test]
fn a_sender_restart_far_away_in_sequence_is_confirmed_by_a_second_packet() {
    let mut s = RtpSession::new(config(1), t(0));
    for i in 0..5u16 {
        s.handle_rtp(t(20 * i64::from(i)), &rtp(1, 100 + i, 0, 0, &[0; 10]))
            .unwrap();
    }
    let first = s
        .handle_rtp(t(120), &rtp(1, 30000, 0, 0, &[0; 10]))
        .unwrap();
    assert_eq!(first.arrival, Arrival::Discarded);
    let second = s
        .handle_rtp(t(140), &rtp(1, 30001, 0, 0, &[0; 10]))
        .unwrap();
    assert_eq!(second.arrival, Arrival::InOrder);
    assert_eq!(s.quality().packets_lost, 0);
}

#[test]
fn poll_timeout_is_the_earliest_deadline() {
    let mut s = RtpSession::new(config(1), t(0));
    let first = s.poll_timeout().unwrap();
    assert!(first > t(0) && first < t(3100));
    s.send_dtmf(t(10), 3, 200, 10).unwrap();
    assert_eq!(s.poll_timeout(), Some(t(30)), "the next DTMF update");
}

#[test]
fn a_remote_using_our_ssrc_is_a_collision_and_we_move_to_a_new_one() {
    let mut s = RtpSession::new(config(0x55), t(0));
    let mut out = Vec::new();
    s.send_media(t(0), 0, &[0xFF; 160], 160, &mut out).unwrap();
    s.handle_rtp(t(10), &rtp(0x55, 1, 0, 0, &[0; 160])).unwrap();
    s.handle_rtp(t(30), &rtp(0x55, 2, 160, 0, &[0; 160]))
        .unwrap();
    let collisions = events(&mut s)
        .iter()
        .filter(|e| **e == SessionEvent::SsrcCollision)
        .count();
    assert_eq!(collisions, 1);
    s.change_local_ssrc(t(40), 0x66).unwrap();
    let bye = transmits(&mut s).pop().unwrap();
    let parsed = sb_rtp::rtcp::parse_compound(&bye.data).unwrap();
    assert!(parsed.iter().any(
        |p| matches!(p, sb_rtp::rtcp::RtcpPacket::Goodbye { sources, .. } if sources == &[0x55])
    ));
    out.clear();
    s.send_media(t(40), 0, &[0xFF; 160], 160, &mut out).unwrap();
    assert_eq!(RtpPacket::parse(&out).unwrap().header.ssrc, 0x66);
    assert_eq!(s.local_ssrc(), 0x66);
}

#[test]
fn a_peer_on_hold_sending_only_rtcp_is_not_timed_out_and_resuming_restarts_the_count() {
    let mut p = Pair::new(10);
    p.run(1000, true);
    p.b.expect_media(false, t(p.now));
    p.run(120_000, false);
    assert!(!p.events_b.contains(&SessionEvent::MediaTimeout));
    p.b.expect_media(true, t(p.now));
    p.run(29_000, false);
    assert!(!p.events_b.contains(&SessionEvent::MediaTimeout));
    p.run(2_000, false);
    let timeouts = p
        .events_b
        .iter()
        .filter(|e| **e == SessionEvent::MediaTimeout);
    assert_eq!(timeouts.count(), 1, "30 s after resuming");
}

#[test]
fn a_held_peer_that_sends_nothing_at_all_times_out_after_the_held_limit() {
    let mut s = RtpSession::new(config(1), t(0));
    s.expect_media(false, t(0));
    let limit = i64::try_from(sb_rtp::HELD_MEDIA_TIMEOUT.as_millis()).unwrap();
    while let Some(deadline) = s.poll_timeout().filter(|d| *d < t(limit)) {
        s.handle_timeout(deadline).unwrap();
        while s.poll_transmit().is_some() {}
        assert!(
            !events(&mut s).contains(&SessionEvent::MediaTimeout),
            "at {deadline:?}"
        );
    }
    s.handle_timeout(t(limit)).unwrap();
    assert!(events(&mut s).contains(&SessionEvent::MediaTimeout));
}
