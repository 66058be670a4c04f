//! Properties: parsers never panic and round-trip; reception statistics match a reference
//! model; the jitter buffer never plays out of order.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::collections::BTreeSet;

use proptest::prelude::*;
use sb_rtp::rtcp::{parse_compound, write_compound};
use sb_rtp::{
    Arrival, JitterBuffer, JitterConfig, Playout, RtpHeader, RtpPacket, RtpSession, SessionConfig,
};
use sb_types::Timestamp;

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic_the_parsers(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = RtpPacket::parse(&bytes);
        let _ = parse_compound(&bytes);
        let _ = sb_rtp::telephone_event::TelephoneEvent::parse(&bytes);
        let mut s = RtpSession::new(SessionConfig::g711(1, "x", 1), Timestamp::EPOCH);
        let _ = s.handle_rtp(Timestamp::EPOCH, &bytes);
        let _ = s.handle_rtcp(Timestamp::EPOCH, &bytes);
        let mut copy = bytes.clone();
        let _ = s.forward(Timestamp::EPOCH, &mut copy);
        let mut srtp = sb_rtp::srtp::SrtpContext::new(&[7; 30]).unwrap();
        let _ = srtp.unprotect_rtp(&bytes);
        let _ = srtp.unprotect_rtcp(&bytes);
        let _ = srtp.protect_rtp(&bytes);
        let _ = srtp.protect_rtcp(&bytes);
    }

    #[test]
    fn rtp_like_bytes_that_parse_write_back_to_an_equal_packet(
        mut bytes in proptest::collection::vec(any::<u8>(), 12..200),
    ) {
        bytes[0] = 0x80 | (bytes[0] & 0x3F);
        if let Ok(p) = RtpPacket::parse(&bytes) {
            let again = p.to_vec().unwrap();
            prop_assert_eq!(RtpPacket::parse(&again).unwrap(), p);
        }
    }

    #[test]
    fn rtcp_like_bytes_that_parse_write_back_to_equal_packets(
        mut bytes in proptest::collection::vec(any::<u8>(), 8..200),
        pt in 192u8..=223,
    ) {
        bytes[0] = 0x80 | (bytes[0] & 0x3F);
        bytes[1] = pt;
        let words = (bytes.len() / 4 - 1) as u16;
        bytes[2..4].copy_from_slice(&words.to_be_bytes());
        bytes.truncate((usize::from(words) + 1) * 4);
        if let Ok(packets) = parse_compound(&bytes) {
            let mut out = Vec::new();
            write_compound(&packets, &mut out).unwrap();
            prop_assert_eq!(parse_compound(&out).unwrap(), packets);
        }
    }

    #[test]
    fn built_packets_parse_back(
        marker: bool, pt in 0u8..128, seq: u16, ts: u32, ssrc: u32,
        csrc in proptest::collection::vec(any::<u32>(), 0..16),
        ext in proptest::option::of((any::<u16>(), proptest::collection::vec(any::<u8>(), 0..5))),
        payload in proptest::collection::vec(any::<u8>(), 0..64),
        padding in 0u8..8,
    ) {
        let ext_data: Vec<u8> = ext.as_ref().map(|(_, w)| w.iter().flat_map(|b| [*b; 4]).collect()).unwrap_or_default();
        let header = RtpHeader { marker, payload_type: pt, sequence: seq, timestamp: ts, ssrc, csrc };
        let extension = ext.map(|(profile, _)| sb_rtp::RtpExtension { profile, data: &ext_data });
        let p = RtpPacket { header, extension, payload: &payload, padding };
        let bytes = p.to_vec().unwrap();
        prop_assert_eq!(RtpPacket::parse(&bytes).unwrap(), p);
    }

    /// Reference model: loss = (highest − lowest + 1) − distinct; duplicates = total − distinct.
    /// Packets arrive displaced by up to 50 sequence numbers (inside the misorder and
    /// duplicate windows).
    #[test]
    fn reception_counts_match_the_model(
        start: u16,
        kept in proptest::collection::vec(any::<bool>(), 1..400),
        dup in proptest::collection::vec(any::<usize>(), 0..20),
        displacement in proptest::collection::vec(0u32..50, 420),
    ) {
        let mut offsets: Vec<u32> = (0..kept.len() as u32).filter(|&i| kept[i as usize]).collect();
        prop_assume!(!offsets.is_empty());
        for &d in &dup {
            offsets.push(offsets[d % offsets.len()]);
        }
        let mut keyed: Vec<(u32, u32)> =
            offsets.iter().enumerate().map(|(i, &o)| (o + displacement[i], o)).collect();
        keyed.sort();
        let offsets: Vec<u32> = keyed.into_iter().map(|(_, o)| o).collect();
        let mut s = RtpSession::new(SessionConfig::g711(1, "x", 1), Timestamp::EPOCH);
        let mut dups = 0;
        for (n, &o) in offsets.iter().enumerate() {
            let seq = start.wrapping_add(o as u16);
            let pkt = RtpPacket {
                header: RtpHeader { sequence: seq, ssrc: 9, ..Default::default() },
                extension: None, payload: &[], padding: 0,
            }.to_vec().unwrap();
            let r = s.handle_rtp(Timestamp::from_millis(n as i64 * 20), &pkt).unwrap();
            dups += u64::from(r.arrival == Arrival::Duplicate);
        }
        let distinct: BTreeSet<u32> = offsets.iter().copied().collect();
        let span = u64::from(distinct.last().unwrap() - distinct.first().unwrap() + 1);
        let q = s.quality();
        prop_assert_eq!(q.packets_received, distinct.len() as u64);
        prop_assert_eq!(q.packets_lost, span - distinct.len() as u64);
        prop_assert_eq!(q.duplicates, (offsets.len() - distinct.len()) as u64);
        prop_assert_eq!(dups, q.duplicates);
    }

    #[test]
    fn the_jitter_buffer_plays_each_frame_at_most_once_in_order(
        delays in proptest::collection::vec(0i64..120, 1..300),
        lost in proptest::collection::vec(any::<bool>(), 300),
    ) {
        let mut jb = JitterBuffer::new(JitterConfig::default());
        let mut arrivals: Vec<(i64, u16)> = delays.iter().enumerate()
            .filter(|(i, _)| !lost[*i])
            .map(|(i, d)| (i as i64 * 20 + d, i as u16)).collect();
        arrivals.sort();
        let mut played = Vec::new();
        let mut k = 0;
        for slot in 0..(delays.len() as i64 + 50) {
            let now = slot * 20;
            while k < arrivals.len() && arrivals[k].0 <= now {
                let (at, seq) = arrivals[k];
                jb.push(Timestamp::from_millis(at), seq, u32::from(seq) * 160, seq);
                k += 1;
            }
            if let Playout::Frame(seq) = jb.pop() {
                played.push(seq);
            }
        }
        prop_assert!(played.windows(2).all(|w| w[0] < w[1]), "{:?}", played);
        let accepted = arrivals.len() as u64 - jb.late;
        prop_assert!(played.len() as u64 + jb.skipped + jb.len() as u64 <= accepted);
    }
}

proptest! {
    /// Whatever feeds a leg (three upstream sources taking turns, local media), the stream it
    /// sends has one SSRC, consecutive sequence numbers, timestamps that never go back, and a
    /// marker exactly where the feed changed.
    #[test]
    fn the_outgoing_stream_stays_continuous_whatever_feeds_it(
        ops in proptest::collection::vec((0usize..4, 0i64..200), 1..200),
        starts in proptest::collection::vec((any::<u16>(), any::<u32>()), 3),
    ) {
        let mut leg = RtpSession::new(SessionConfig::g711(0xAB, "leg", 3), Timestamp::EPOCH);
        let mut upstream = starts.clone();
        let mut now = 0i64;
        let mut last_feed = None;
        let mut sent: Vec<(u16, u32, bool, bool, bool)> = Vec::new();
        for (feed, advance) in ops {
            now += advance;
            let t = Timestamp::from_millis(now);
            let (header, _) = if feed == 3 {
                let mut out = Vec::new();
                let h = leg.send_media(t, 0, &[0xFF; 160], 160, &mut out).unwrap();
                (h, out)
            } else {
                let (seq, ts) = &mut upstream[feed];
                *seq = seq.wrapping_add(1);
                *ts = ts.wrapping_add(160);
                let mut pkt = RtpPacket {
                    header: RtpHeader { sequence: *seq, timestamp: *ts, ssrc: 1000 + feed as u32, ..Default::default() },
                    extension: None, payload: &[0xFF; 160], padding: 0,
                }.to_vec().unwrap();
                let h = leg.forward(t, &mut pkt).unwrap();
                prop_assert_eq!(RtpPacket::parse(&pkt).unwrap().header.ssrc, 0xAB);
                (h, pkt)
            };
            sent.push((header.sequence, header.timestamp, header.marker, last_feed != Some(feed), feed == 3));
            last_feed = Some(feed);
        }
        for w in sent.windows(2) {
            prop_assert_eq!(w[1].0, w[0].0.wrapping_add(1), "consecutive sequence numbers");
            prop_assert!((w[1].1.wrapping_sub(w[0].1) as i32) >= 0, "timestamps never go back");
        }
        for &(_, _, marker, changed, local) in &sent[1..] {
            prop_assert!(!changed || marker, "a change of feed is always marked");
            // Only local media re-anchors (and marks) without a change, after a long pause.
            prop_assert!(changed || local || !marker, "a relayed packet of the same feed is not marked");
        }
    }
}
