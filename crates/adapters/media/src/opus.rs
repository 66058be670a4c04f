//! Opus legs (feature `opus`): the endpoint boundary where a leg that speaks Opus on the wire
//! is turned into a G.711 leg for the rest of the call, so relay, mixer, recorder, prompts
//! and DTMF never see Opus.
//!
//! [`OpusLeg`] is sans-IO: a received Opus RTP packet goes in, a G.711 packet with the same
//! SSRC, sequence number and marker comes out, its timestamp moved from Opus' 48 kHz RTP clock
//! to 8 kHz; a G.711 packet the call sends goes in, an Opus packet comes out, its timestamp
//! scaled back up. RFC 4733 telephone-events pass through with their timestamp and duration
//! rescaled the same way, and so do RTCP reports (an SR's RTP timestamp, each report block's
//! jitter), so the leg's session and its peer each read the figures on their own clock. A
//! payload libopus refuses is dropped (the session then counts the missing sequence number as
//! lost).

use sb_audio::g711::Law;
use sb_audio::{OPUS_MAX_SAMPLES, OPUS_TICKS_PER_SAMPLE, OpusDecoder, OpusEncoder};
use sb_rtp::rtcp::{RtcpPacket, parse_compound, write_compound};
use sb_rtp::{RtpHeader, RtpPacket};

use crate::MediaError;

/// Why a packet did not cross the boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// Not an RTP packet we can read.
    Malformed,
    /// An Opus payload libopus could not decode (a lost packet), or G.711 audio whose length
    /// is no Opus frame size.
    Codec,
}

/// The Opus side of an endpoint: codec state and the clock conversion.
pub(crate) struct OpusLeg {
    /// The payload type Opus has on the wire (dynamic, from SDP).
    pub(crate) pt: u8,
    telephone_event_pt: Option<u8>,
    /// The G.711 codec and payload type the leg has inside the call.
    law: Law,
    law_pt: u8,
    encoder: OpusEncoder,
    decoder: OpusDecoder,
    clock: Downscale,
    pcm: Vec<i16>,
    payload: Vec<u8>,
    /// The last packet converted.
    pub(crate) out: Vec<u8>,
}

impl std::fmt::Debug for OpusLeg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpusLeg")
            .field("pt", &self.pt)
            .field("law_pt", &self.law_pt)
            .finish_non_exhaustive()
    }
}

impl OpusLeg {
    /// A leg speaking Opus as `pt` on the wire and `law` (payload type `law_pt`) inside.
    pub(crate) fn new(
        pt: u8,
        telephone_event_pt: Option<u8>,
        law: Law,
        law_pt: u8,
    ) -> Result<Self, MediaError> {
        let codec = |e: sb_audio::AudioError| MediaError::Invalid(e.to_string());
        Ok(OpusLeg {
            pt,
            telephone_event_pt,
            law,
            law_pt,
            encoder: OpusEncoder::new().map_err(codec)?,
            decoder: OpusDecoder::new().map_err(codec)?,
            clock: Downscale::default(),
            pcm: vec![0; OPUS_MAX_SAMPLES],
            payload: Vec::with_capacity(OPUS_MAX_SAMPLES),
            out: Vec::with_capacity(2048),
        })
    }

    /// A received RTP (or, with `rtcp`, RTCP) packet as the call sees it.
    pub(crate) fn received(&mut self, packet: &[u8], rtcp: bool) -> Result<&[u8], Refused> {
        match rtcp {
            true => self.rtcp_inbound(packet)?,
            false => self.inbound(packet)?,
        }
        Ok(&self.out)
    }

    /// Converts a received packet into [`OpusLeg::out`]: Opus audio becomes G.711, every
    /// other payload type keeps its payload, all on the 8 kHz clock.
    pub(crate) fn inbound(&mut self, packet: &[u8]) -> Result<(), Refused> {
        let p = RtpPacket::parse(packet).map_err(|_| Refused::Malformed)?;
        let mut header = p.header.clone();
        header.timestamp = self.clock.convert(header.timestamp);
        self.payload.clear();
        if header.payload_type == self.pt {
            let n = self.decoder.decode(p.payload, &mut self.pcm);
            let n = n.map_err(|_| Refused::Codec)?;
            self.payload.resize(n, 0);
            self.law.encode_frame(&self.pcm[..n], &mut self.payload);
            header.payload_type = self.law_pt;
        } else {
            self.payload.extend_from_slice(p.payload);
            if Some(header.payload_type) == self.telephone_event_pt {
                scale_duration(&mut self.payload, |d| d / OPUS_TICKS_PER_SAMPLE);
            }
        }
        self.write(header)
    }

    /// Converts a packet the call sends into [`OpusLeg::out`]: G.711 audio becomes Opus,
    /// telephone-events are rescaled, on the 48 kHz clock.
    pub(crate) fn outbound(&mut self, packet: &[u8]) -> Result<(), Refused> {
        let p = RtpPacket::parse(packet).map_err(|_| Refused::Malformed)?;
        let mut header = p.header.clone();
        header.timestamp = header.timestamp.wrapping_mul(OPUS_TICKS_PER_SAMPLE);
        self.payload.clear();
        if header.payload_type == self.law_pt {
            let samples = self.pcm.get_mut(..p.payload.len()).ok_or(Refused::Codec)?;
            self.law.decode_frame(p.payload, samples);
            let encoded = self.encoder.encode(samples, &mut self.payload);
            encoded.map_err(|_| Refused::Codec)?;
            header.payload_type = self.pt;
        } else {
            self.payload.extend_from_slice(p.payload);
            if Some(header.payload_type) == self.telephone_event_pt {
                scale_duration(&mut self.payload, |d| d * OPUS_TICKS_PER_SAMPLE);
            }
        }
        self.write(header)
    }

    /// Converts a received RTCP compound packet into [`OpusLeg::out`], on the 8 kHz clock.
    pub(crate) fn rtcp_inbound(&mut self, packet: &[u8]) -> Result<(), Refused> {
        let clock = self.clock;
        self.rescale_rtcp(packet, |ts| clock.peek(ts), |j| j / OPUS_TICKS_PER_SAMPLE)
    }

    /// Converts an RTCP compound packet the leg's session sends into [`OpusLeg::out`], on
    /// the 48 kHz clock.
    pub(crate) fn rtcp_outbound(&mut self, packet: &[u8]) -> Result<(), Refused> {
        let up = |v: u32| v.wrapping_mul(OPUS_TICKS_PER_SAMPLE);
        self.rescale_rtcp(packet, up, |j| j.saturating_mul(OPUS_TICKS_PER_SAMPLE))
    }

    fn rescale_rtcp(
        &mut self,
        packet: &[u8],
        timestamp: impl Fn(u32) -> u32,
        jitter: impl Fn(u32) -> u32,
    ) -> Result<(), Refused> {
        let mut packets = parse_compound(packet).map_err(|_| Refused::Malformed)?;
        for p in &mut packets {
            let reports = match p {
                RtcpPacket::SenderReport { info, reports, .. } => {
                    info.rtp_timestamp = timestamp(info.rtp_timestamp);
                    reports
                }
                RtcpPacket::ReceiverReport { reports, .. } => reports,
                _ => continue,
            };
            for block in reports.iter_mut() {
                block.jitter = jitter(block.jitter);
            }
        }
        self.out.clear();
        write_compound(&packets, &mut self.out).map_err(|_| Refused::Malformed)
    }

    fn write(&mut self, header: RtpHeader) -> Result<(), Refused> {
        self.out.clear();
        let packet = RtpPacket {
            header,
            extension: None,
            payload: &self.payload,
            padding: 0,
        };
        packet.write(&mut self.out).map_err(|_| Refused::Malformed)
    }
}

/// Rescales the duration field of an RFC 4733 event (bytes 2-3), saturating.
fn scale_duration(payload: &mut [u8], scale: impl Fn(u32) -> u32) {
    if let Some(field) = payload.get_mut(2..4) {
        let duration = u32::from(u16::from_be_bytes([field[0], field[1]]));
        let scaled = u16::try_from(scale(duration)).unwrap_or(u16::MAX);
        field.copy_from_slice(&scaled.to_be_bytes());
    }
}

/// Received 48 kHz RTP timestamps on an 8 kHz clock, continuous across the 32-bit wrap of
/// either: each timestamp moves the output by its signed distance from the previous one,
/// divided by six.
#[derive(Debug, Clone, Copy, Default)]
struct Downscale {
    last: Option<(u32, u32)>,
}

impl Downscale {
    fn convert(&mut self, ts48: u32) -> u32 {
        let ts8 = self.peek(ts48);
        self.last = Some((ts48, ts8));
        ts8
    }

    /// What `ts48` converts to, without moving the reference.
    fn peek(&self, ts48: u32) -> u32 {
        match self.last {
            None => ts48 / OPUS_TICKS_PER_SAMPLE,
            Some((prev48, prev8)) => {
                let delta = ts48.wrapping_sub(prev48).cast_signed();
                let step = delta.div_euclid(OPUS_TICKS_PER_SAMPLE.cast_signed());
                prev8.wrapping_add_signed(step)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sb_audio::FRAME_SAMPLES;

    fn rtp(pt: u8, seq: u16, ts: u32, payload: &[u8]) -> Vec<u8> {
        let header = RtpHeader {
            marker: false,
            payload_type: pt,
            sequence: seq,
            timestamp: ts,
            ssrc: 0x1234_5678,
            csrc: Vec::new(),
        };
        let p = RtpPacket {
            header,
            extension: None,
            payload,
            padding: 0,
        };
        p.to_vec().expect("packet")
    }

    fn leg() -> OpusLeg {
        OpusLeg::new(111, Some(126), Law::Mu, 0).expect("codec")
    }

    #[test]
    fn the_8khz_clock_stays_continuous_across_the_48khz_wrap() {
        let mut clock = Downscale::default();
        let start = u32::MAX - 959; // the next frame wraps
        let first = clock.convert(start);
        assert_eq!(clock.convert(start.wrapping_add(960)), first + 160);
        assert_eq!(clock.convert(start.wrapping_add(1920)), first + 320);
        assert_eq!(
            clock.convert(start.wrapping_add(960)),
            first + 160,
            "late packet"
        );
    }

    #[test]
    fn g711_out_becomes_opus_and_back_with_header_kept_and_clock_scaled() {
        let mut ours = leg();
        let pcmu = vec![0xffu8; FRAME_SAMPLES];
        ours.outbound(&rtp(0, 7, 1000, &pcmu)).expect("encoded");
        let sent = RtpPacket::parse(&ours.out).expect("RTP").header;
        assert_eq!((sent.payload_type, sent.sequence), (111, 7));
        assert_eq!(sent.timestamp, 6000);
        let wire = ours.out.clone();
        let mut theirs = leg();
        theirs.inbound(&wire).expect("decoded");
        let back = RtpPacket::parse(&theirs.out).expect("RTP");
        assert_eq!((back.header.payload_type, back.header.sequence), (0, 7));
        assert_eq!(back.header.timestamp, 1000);
        assert_eq!(back.payload.len(), FRAME_SAMPLES);
    }

    #[test]
    fn telephone_events_keep_their_payload_with_the_duration_rescaled() {
        let mut ours = leg();
        ours.outbound(&rtp(126, 1, 100, &[5, 0x8a, 0x01, 0x40]))
            .expect("passed");
        let sent = RtpPacket::parse(&ours.out).expect("RTP");
        assert_eq!(sent.payload, [5, 0x8a, 0x07, 0x80]); // 320 → 1920
        ours.inbound(&ours.out.clone()).expect("passed");
        let back = RtpPacket::parse(&ours.out).expect("RTP");
        assert_eq!(back.payload, [5, 0x8a, 0x01, 0x40]);
    }

    #[test]
    fn rtcp_reports_are_rescaled_to_each_side_of_the_clock() {
        use sb_rtp::rtcp::{ReportBlock, SenderInfo};
        let block = ReportBlock {
            ssrc: 9,
            fraction_lost: 0,
            cumulative_lost: 0,
            highest_sequence: 1,
            jitter: 80,
            last_sr: 0,
            delay_since_last_sr: 0,
        };
        let sr = RtcpPacket::SenderReport {
            ssrc: 1,
            info: SenderInfo {
                rtp_timestamp: 1000,
                ..SenderInfo::default()
            },
            reports: vec![block],
        };
        let mut compound = Vec::new();
        write_compound(&[sr], &mut compound).expect("written");
        let mut ours = leg();
        ours.rtp_clock_at(6000, 1000);
        ours.rtcp_outbound(&compound).expect("rescaled");
        let up = parse_compound(&ours.out).expect("RTCP");
        let RtcpPacket::SenderReport { info, reports, .. } = &up[0] else {
            panic!("{up:?}");
        };
        assert_eq!((info.rtp_timestamp, reports[0].jitter), (6000, 480));
        ours.rtcp_inbound(&ours.out.clone()).expect("rescaled");
        assert_eq!(
            parse_compound(&ours.out).expect("RTCP"),
            parse_compound(&compound).expect("RTCP")
        );
        assert_eq!(ours.rtcp_inbound(&[0x80, 201, 0]), Err(Refused::Malformed));
    }

    impl OpusLeg {
        /// Pins the inbound clock: 48 kHz `ts48` is 8 kHz `ts8`.
        fn rtp_clock_at(&mut self, ts48: u32, ts8: u32) {
            self.clock.last = Some((ts48, ts8));
        }
    }

    #[test]
    fn an_undecodable_payload_or_an_odd_frame_length_is_refused() {
        let mut ours = leg();
        assert_eq!(ours.inbound(&rtp(111, 1, 0, &[])), Err(Refused::Codec));
        assert_eq!(
            ours.inbound(&rtp(111, 2, 960, &[0x03, 0])),
            Err(Refused::Codec)
        );
        assert_eq!(ours.inbound(&[0x80, 111]), Err(Refused::Malformed));
        let thirty_ms = vec![0xffu8; 240];
        assert_eq!(
            ours.outbound(&rtp(0, 1, 0, &thirty_ms)),
            Err(Refused::Codec)
        );
    }
}
