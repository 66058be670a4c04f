//! The RTP session of one leg: receive statistics, the outgoing stream, RTCP and DTMF.
//!
//! Sans-IO: the host hands in datagrams and the time, sends what [`RtpSession::poll_transmit`]
//! yields, reacts to [`RtpSession::poll_event`], and calls [`RtpSession::handle_timeout`] at the
//! deadline from [`RtpSession::poll_timeout`].

use std::collections::VecDeque;
use std::ops::Range;

use sb_types::{Duration, Timestamp};

use crate::emodel::CodecImpairment;
use crate::error::RtpError;
use crate::ntp::{compact, compact_to_ms, ms_to_compact, ntp_time};
use crate::outgoing::{OutHeader, Outgoing};
use crate::packet::{PacketKind, RtpHeader, RtpPacket, rewrite_header};
use crate::quality::LegQuality;
use crate::reception::{Arrival, Reception};
use crate::rng::Rng;
use crate::rtcp::ReportBlock;
use crate::rtcp::{
    RtcpPacket, SDES_CNAME, SdesChunk, SdesItem, SenderInfo, parse_compound, write_compound,
};
use crate::telephone_event::{DtmfDigit, DtmfReceiver, TelephoneEvent, plan_event};

/// A DTMF event with no packet for this long is over even without an end packet.
const DTMF_SILENCE_ENDS_EVENT: Duration = Duration::from_secs(1);
/// The media timeout while the peer says it sends nothing (on hold): an hour from the last RTP
/// or RTCP packet (a held call is still dropped once its peer has vanished).
pub const HELD_MEDIA_TIMEOUT: Duration = Duration::from_secs(3600);

/// RFC 3550 § 6.3.1: compensation for the timer reconsideration, e − 3/2.
const COMPENSATION: f64 = 1.218_28;

/// Settings of one session.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// Our SSRC (random, chosen by the host).
    pub local_ssrc: u32,
    /// First outgoing sequence number (random).
    pub first_sequence: u16,
    /// First outgoing timestamp (random).
    pub first_timestamp: u32,
    /// Media clock rate (8000 for G.711).
    pub clock_rate: u32,
    /// Our RTCP CNAME.
    pub cname: String,
    /// Negotiated telephone-event payload type, if any.
    pub telephone_event_pt: Option<u8>,
    /// Interval between telephone-event packets we send, in ms.
    pub dtmf_interval_ms: u32,
    /// Minimum RTCP report interval (5 s in RFC 3550).
    pub rtcp_interval: Duration,
    /// Raise [`SessionEvent::MediaTimeout`] after this long without RTP.
    pub media_timeout: Option<Duration>,
    /// Seed of the RTCP interval randomisation.
    pub seed: u64,
    /// Codec of the received stream, for the E-model.
    pub codec: CodecImpairment,
    /// One-way delay added to RTT/2 for the E-model (packetisation, jitter buffer), in ms.
    pub extra_delay_ms: f64,
}

impl SessionConfig {
    /// G.711 at 8 kHz with telephone-event 101, 5 s RTCP, 30 s media timeout, 60 ms extra delay.
    pub fn g711(local_ssrc: u32, cname: &str, seed: u64) -> Self {
        SessionConfig {
            local_ssrc,
            first_sequence: (seed >> 16) as u16,
            first_timestamp: (seed >> 32) as u32,
            clock_rate: 8000,
            cname: cname.to_owned(),
            telephone_event_pt: Some(101),
            dtmf_interval_ms: 20,
            rtcp_interval: Duration::from_secs(5),
            media_timeout: Some(Duration::from_secs(30)),
            seed,
            codec: CodecImpairment::G711_PLC,
            extra_delay_ms: 60.0,
        }
    }
}

/// Something the host should know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionEvent {
    /// RTP arrived from a new remote SSRC (the first, or a change after a transfer upstream).
    RemoteSource {
        /// The new source.
        ssrc: u32,
        /// The source it replaced.
        previous: Option<u32>,
    },
    /// The remote sent a DTMF digit by RFC 4733.
    Dtmf(DtmfDigit),
    /// The remote source left (RTCP BYE).
    Bye {
        /// Its SSRC.
        ssrc: u32,
        /// Its reason, if given.
        reason: Option<String>,
    },
    /// No RTP for the configured media timeout.
    MediaTimeout,
    /// The remote sends with our SSRC (RFC 3550 § 8.2): the host should pick a new random one
    /// and call [`RtpSession::change_local_ssrc`].
    SsrcCollision,
}

/// A datagram to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// RTP (to the RTP port) or RTCP (to the RTCP port, or the same one with rtcp-mux).
    pub kind: PacketKind,
    /// The bytes.
    pub data: Vec<u8>,
}

/// What a received RTP packet was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// Its header.
    pub header: RtpHeader,
    /// How it fitted the sequence.
    pub arrival: Arrival,
    /// Where its payload lies in the datagram.
    pub payload: Range<usize>,
    /// True for an RFC 4733 telephone-event packet (already handled by the session).
    pub telephone_event: bool,
}

#[derive(Debug, Clone)]
struct Remote {
    ssrc: u32,
    reception: Reception,
    interval_fraction: u8,
}

#[derive(Debug, Clone, Copy, Default)]
struct Totals {
    received: u64,
    bytes: u64,
    lost: u64,
    duplicates: u64,
    reordered: u64,
}

#[derive(Debug, Clone, Copy)]
struct ScheduledEvent {
    at: Timestamp,
    marker: bool,
    timestamp: u32,
    payload: TelephoneEvent,
}

/// One leg's RTP session.
#[derive(Debug, Clone)]
pub struct RtpSession {
    config: SessionConfig,
    out: Outgoing,
    remote: Option<Remote>,
    past: Totals,
    last_sr: Option<(u32, u32, Timestamp)>,
    dtmf_in: DtmfReceiver,
    dtmf_in_at: Timestamp,
    dtmf_out: VecDeque<ScheduledEvent>,
    packets_sent: u64,
    bytes_sent: u64,
    sent_since_report: bool,
    next_rtcp: Timestamp,
    rng: Rng,
    rtt_ms: Option<f64>,
    remote_view: Option<ReportBlock>,
    last_rtp_at: Timestamp,
    last_rtcp_at: Timestamp,
    /// The peer said it sends nothing (hold): the media timeout is [`HELD_MEDIA_TIMEOUT`].
    peer_silent: bool,
    timed_out: bool,
    collided: bool,
    closed: bool,
    transmits: VecDeque<Transmit>,
    events: VecDeque<SessionEvent>,
}

impl RtpSession {
    /// A session starting at `now`; the first RTCP report is due within about 2.5 s.
    pub fn new(config: SessionConfig, now: Timestamp) -> Self {
        let out = Outgoing::new(
            config.clock_rate,
            config.first_sequence,
            config.first_timestamp,
        );
        let mut rng = Rng::new(config.seed);
        let first = report_interval(config.rtcp_interval / 2, &mut rng);
        RtpSession {
            out,
            remote: None,
            past: Totals::default(),
            last_sr: None,
            dtmf_in: DtmfReceiver::new(),
            dtmf_in_at: now,
            dtmf_out: VecDeque::new(),
            packets_sent: 0,
            bytes_sent: 0,
            sent_since_report: false,
            next_rtcp: now + first,
            rng,
            rtt_ms: None,
            remote_view: None,
            last_rtp_at: now,
            last_rtcp_at: now,
            peer_silent: false,
            timed_out: false,
            collided: false,
            closed: false,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            config,
        }
    }

    /// Our SSRC.
    pub fn local_ssrc(&self) -> u32 {
        self.config.local_ssrc
    }

    /// Leaves the old SSRC with an RTCP BYE and sends from `new_ssrc` from now on (after a
    /// collision). Sequence numbers and timestamps continue; sender counters restart.
    pub fn change_local_ssrc(&mut self, now: Timestamp, new_ssrc: u32) -> Result<(), RtpError> {
        let mut packets = self.report_packets(now);
        let reason = Some(b"SSRC collision".to_vec());
        packets.push(RtcpPacket::Goodbye {
            sources: vec![self.config.local_ssrc],
            reason,
        });
        self.queue_rtcp(&packets)?;
        self.config.local_ssrc = new_ssrc;
        self.packets_sent = 0;
        self.bytes_sent = 0;
        self.collided = false;
        Ok(())
    }

    /// The current remote SSRC, once RTP has arrived.
    pub fn remote_ssrc(&self) -> Option<u32> {
        self.remote.as_ref().map(|r| r.ssrc)
    }

    // ----- receiving -----

    /// Handles an RTP datagram from the remote.
    pub fn handle_rtp(&mut self, now: Timestamp, buf: &[u8]) -> Result<Received, RtpError> {
        let packet = RtpPacket::parse(buf)?;
        let h = packet.header.clone();
        let start = buf.len() - usize::from(packet.padding) - packet.payload.len();
        let payload = start..start + packet.payload.len();
        self.track_source(h.ssrc, h.sequence);
        let telephone_event = Some(h.payload_type) == self.config.telephone_event_pt;
        let arrival = self.record(now, &h, packet.payload.len(), telephone_event);
        if telephone_event && arrival != Arrival::Duplicate && arrival != Arrival::Discarded {
            self.handle_telephone_event(h.timestamp, packet.payload)?;
            self.dtmf_in_at = now;
        }
        self.last_rtp_at = now;
        self.timed_out = false;
        Ok(Received {
            header: h,
            arrival,
            payload,
            telephone_event,
        })
    }

    fn track_source(&mut self, ssrc: u32, seq: u16) {
        if ssrc == self.config.local_ssrc && !self.collided {
            self.collided = true;
            self.events.push_back(SessionEvent::SsrcCollision);
        }
        if self.remote.as_ref().is_some_and(|r| r.ssrc == ssrc) {
            return;
        }
        let previous = self.remote.take().map(|old| {
            self.past.add(&old.reception);
            old.ssrc
        });
        let reception = Reception::new(seq, self.config.clock_rate);
        self.remote = Some(Remote {
            ssrc,
            reception,
            interval_fraction: 0,
        });
        self.events
            .push_back(SessionEvent::RemoteSource { ssrc, previous });
    }

    fn record(&mut self, now: Timestamp, h: &RtpHeader, len: usize, event: bool) -> Arrival {
        let Some(remote) = self.remote.as_mut() else {
            return Arrival::Discarded;
        };
        let arrival = remote.reception.record(h.sequence, len);
        let counted = matches!(arrival, Arrival::InOrder | Arrival::Reordered);
        // Telephone-events repeat one timestamp for a whole digit: they would fake jitter.
        if counted && !event {
            remote.reception.record_timing(h.timestamp, now);
        }
        arrival
    }

    fn handle_telephone_event(&mut self, timestamp: u32, payload: &[u8]) -> Result<(), RtpError> {
        let ev = TelephoneEvent::parse(payload)?;
        for digit in self.dtmf_in.handle(timestamp, ev).into_iter().flatten() {
            self.events.push_back(SessionEvent::Dtmf(digit));
        }
        Ok(())
    }

    /// Handles an RTCP compound datagram from the remote.
    pub fn handle_rtcp(&mut self, now: Timestamp, buf: &[u8]) -> Result<(), RtpError> {
        for packet in parse_compound(buf)? {
            self.handle_rtcp_packet(now, packet);
        }
        self.last_rtcp_at = now;
        Ok(())
    }

    fn handle_rtcp_packet(&mut self, now: Timestamp, packet: RtcpPacket) {
        match packet {
            RtcpPacket::SenderReport {
                ssrc,
                info,
                reports,
            } => {
                self.last_sr = Some((ssrc, compact(info.ntp), now));
                self.handle_blocks(now, &reports);
            }
            RtcpPacket::ReceiverReport { reports, .. } => self.handle_blocks(now, &reports),
            RtcpPacket::Goodbye { sources, reason } => self.handle_bye(&sources, reason),
            RtcpPacket::SourceDescription(_) | RtcpPacket::Other { .. } => {}
        }
    }

    fn handle_blocks(&mut self, now: Timestamp, blocks: &[ReportBlock]) {
        let ours = blocks.iter().find(|b| b.ssrc == self.config.local_ssrc);
        let Some(block) = ours else { return };
        self.remote_view = Some(*block);
        if block.last_sr == 0 {
            return;
        }
        // RFC 3550 § 6.4.1: RTT = A − LSR − DLSR, in 1/65536 s.
        let rtt = compact(ntp_time(now))
            .wrapping_sub(block.last_sr)
            .wrapping_sub(block.delay_since_last_sr);
        if (rtt as i32) >= 0 {
            self.rtt_ms = Some(compact_to_ms(rtt));
        }
    }

    fn handle_bye(&mut self, sources: &[u32], reason: Option<Vec<u8>>) {
        let Some(ssrc) = self.remote_ssrc().filter(|s| sources.contains(s)) else {
            return;
        };
        let reason = reason.map(|r| String::from_utf8_lossy(&r).into_owned());
        self.events.push_back(SessionEvent::Bye { ssrc, reason });
    }

    // ----- sending -----

    /// Rewrites a relayed RTP packet in place for this leg: our SSRC, continuous sequence
    /// numbers and timestamps whichever upstream source it came from.
    pub fn forward(&mut self, now: Timestamp, buf: &mut [u8]) -> Result<OutHeader, RtpError> {
        let packet = RtpPacket::parse(buf)?;
        let (h, len) = (&packet.header, packet.payload.len());
        let out = self.out.relay(now, h.ssrc, h.sequence, h.timestamp);
        let marker = out.marker || h.marker;
        rewrite_header(
            buf,
            out.sequence,
            out.timestamp,
            self.config.local_ssrc,
            marker,
        )?;
        self.count_sent(len);
        Ok(out)
    }

    /// Builds a locally generated RTP packet (mixer, prompt) into `out`; `samples` is the
    /// media duration since the previous local packet.
    pub fn send_media(
        &mut self,
        now: Timestamp,
        payload_type: u8,
        payload: &[u8],
        samples: u32,
        out: &mut Vec<u8>,
    ) -> Result<OutHeader, RtpError> {
        let o = self.out.local(now, samples);
        let header = RtpHeader {
            marker: o.marker,
            payload_type,
            sequence: o.sequence,
            timestamp: o.timestamp,
            ssrc: self.config.local_ssrc,
            csrc: Vec::new(),
        };
        RtpPacket {
            header,
            extension: None,
            payload,
            padding: 0,
        }
        .write(out)?;
        self.count_sent(payload.len());
        Ok(o)
    }

    fn count_sent(&mut self, payload_len: usize) {
        self.packets_sent += 1;
        self.bytes_sent += payload_len as u64;
        self.sent_since_report = true;
    }

    /// Starts sending a DTMF event (RFC 4733) of `duration_ms`; packets come out of
    /// [`RtpSession::poll_transmit`] as their times pass. The host should hold back audio while
    /// [`RtpSession::sending_dtmf`] is true. Without a negotiated telephone-event type this
    /// returns `Ok(false)` and the host should play in-band tones instead.
    pub fn send_dtmf(
        &mut self,
        now: Timestamp,
        event: u8,
        duration_ms: u32,
        volume: u8,
    ) -> Result<bool, RtpError> {
        if self.config.telephone_event_pt.is_none() {
            return Ok(false);
        }
        let timestamp = self.out.timestamp_at(now);
        let plan = plan_event(
            event,
            duration_ms,
            self.config.dtmf_interval_ms,
            volume,
            self.config.clock_rate,
        );
        let start = self
            .dtmf_out
            .back()
            .map_or(now, |last| last.at.max(now) + Duration::from_millis(1));
        for p in plan {
            let at = start + Duration::from_millis(u64::from(p.offset_ms));
            self.dtmf_out.push_back(ScheduledEvent {
                at,
                marker: p.marker,
                timestamp,
                payload: p.payload,
            });
        }
        self.send_due_dtmf(now)?;
        Ok(true)
    }

    /// True while DTMF packets remain to be sent.
    pub fn sending_dtmf(&self) -> bool {
        !self.dtmf_out.is_empty()
    }

    fn send_due_dtmf(&mut self, now: Timestamp) -> Result<(), RtpError> {
        let Some(pt) = self.config.telephone_event_pt else {
            return Ok(());
        };
        while let Some(ev) = self.dtmf_out.front().copied().filter(|e| e.at <= now) {
            self.dtmf_out.pop_front();
            let header = RtpHeader {
                marker: ev.marker,
                payload_type: pt,
                sequence: self.out.inject(),
                timestamp: ev.timestamp,
                ssrc: self.config.local_ssrc,
                csrc: Vec::new(),
            };
            let bytes = ev.payload.to_bytes();
            let data = RtpPacket {
                header,
                extension: None,
                payload: &bytes,
                padding: 0,
            }
            .to_vec()?;
            self.count_sent(bytes.len());
            self.transmits.push_back(Transmit {
                kind: PacketKind::Rtp,
                data,
            });
        }
        Ok(())
    }

    /// Queues an RTCP BYE (with a final report) and stops reporting.
    pub fn close(&mut self, now: Timestamp, reason: &str) -> Result<(), RtpError> {
        if self.closed {
            return Ok(());
        }
        let mut packets = self.report_packets(now);
        let reason = Some(reason.as_bytes().iter().copied().take(255).collect());
        packets.push(RtcpPacket::Goodbye {
            sources: vec![self.config.local_ssrc],
            reason,
        });
        self.queue_rtcp(&packets)?;
        self.closed = true;
        Ok(())
    }

    // ----- time -----

    /// The next instant [`RtpSession::handle_timeout`] must be called.
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        let rtcp = (!self.closed).then_some(self.next_rtcp);
        let dtmf = self.dtmf_out.front().map(|e| e.at);
        let silence = self.media_deadline();
        let dtmf_end = self
            .dtmf_in
            .is_pending()
            .then(|| self.dtmf_in_at + DTMF_SILENCE_ENDS_EVENT);
        [rtcp, dtmf, silence, dtmf_end].into_iter().flatten().min()
    }

    fn media_deadline(&self) -> Option<Timestamp> {
        let timeout = self
            .config
            .media_timeout
            .filter(|_| !self.timed_out && !self.closed)?;
        if self.peer_silent {
            let heard = self.last_rtp_at.max(self.last_rtcp_at);
            return Some(heard + timeout.max(HELD_MEDIA_TIMEOUT));
        }
        Some(self.last_rtp_at + timeout)
    }

    /// Whether the peer sends media (its SDP's direction): a peer on hold (`recvonly`,
    /// `inactive`) may send no RTP for as long as it holds, so the media timeout then waits
    /// [`HELD_MEDIA_TIMEOUT`] from the last RTP or RTCP packet; when it sends again the
    /// ordinary timeout counts from `now`.
    pub fn expect_media(&mut self, expected: bool, now: Timestamp) {
        if expected != self.peer_silent {
            return;
        }
        self.peer_silent = !expected;
        if expected {
            self.last_rtp_at = self.last_rtp_at.max(now);
        }
    }

    /// Sends what is due at `now`: DTMF packets, an RTCP report, the media timeout, and the
    /// report of a received digit whose end packets were all lost.
    pub fn handle_timeout(&mut self, now: Timestamp) -> Result<(), RtpError> {
        self.send_due_dtmf(now)?;
        if now >= self.dtmf_in_at + DTMF_SILENCE_ENDS_EVENT
            && let Some(digit) = self.dtmf_in.flush()
        {
            self.events.push_back(SessionEvent::Dtmf(digit));
        }
        if self.media_deadline().is_some_and(|d| d <= now) {
            self.timed_out = true;
            self.events.push_back(SessionEvent::MediaTimeout);
        }
        if self.closed || now < self.next_rtcp {
            return Ok(());
        }
        let packets = self.report_packets(now);
        self.queue_rtcp(&packets)?;
        self.next_rtcp = now + report_interval(self.config.rtcp_interval, &mut self.rng);
        Ok(())
    }

    fn queue_rtcp(&mut self, packets: &[RtcpPacket]) -> Result<(), RtpError> {
        let mut data = Vec::with_capacity(128);
        write_compound(packets, &mut data)?;
        self.transmits.push_back(Transmit {
            kind: PacketKind::Rtcp,
            data,
        });
        Ok(())
    }

    /// SR (if we sent since the last report) or RR, then SDES CNAME.
    fn report_packets(&mut self, now: Timestamp) -> Vec<RtcpPacket> {
        let ssrc = self.config.local_ssrc;
        let reports = self.report_block(now).into_iter().collect();
        let report = if self.sent_since_report {
            RtcpPacket::SenderReport {
                ssrc,
                info: self.sender_info(now),
                reports,
            }
        } else {
            RtcpPacket::ReceiverReport { ssrc, reports }
        };
        self.sent_since_report = false;
        let cname = SdesItem {
            kind: SDES_CNAME,
            text: self
                .config
                .cname
                .as_bytes()
                .iter()
                .copied()
                .take(255)
                .collect(),
        };
        vec![
            report,
            RtcpPacket::SourceDescription(vec![SdesChunk {
                ssrc,
                items: vec![cname],
            }]),
        ]
    }

    fn sender_info(&self, now: Timestamp) -> SenderInfo {
        SenderInfo {
            ntp: ntp_time(now),
            rtp_timestamp: self.out.timestamp_at(now),
            packet_count: self.packets_sent as u32,
            octet_count: self.bytes_sent as u32,
        }
    }

    fn report_block(&mut self, now: Timestamp) -> Option<ReportBlock> {
        let last_sr = self.last_sr;
        let remote = self.remote.as_mut()?;
        let r = &mut remote.reception;
        remote.interval_fraction = r.take_interval_fraction();
        let (lsr, dlsr) = match last_sr {
            Some((ssrc, lsr, at)) if ssrc == remote.ssrc => (
                lsr,
                ms_to_compact(now.as_millis().saturating_sub(at.as_millis())),
            ),
            _ => (0, 0),
        };
        Some(ReportBlock {
            ssrc: remote.ssrc,
            fraction_lost: remote.interval_fraction,
            cumulative_lost: r.lost().clamp(-0x80_0000, 0x7F_FFFF) as i32,
            highest_sequence: r.extended_max(),
            jitter: r.jitter().round() as u32,
            last_sr: lsr,
            delay_since_last_sr: dlsr,
        })
    }

    // ----- outputs -----

    /// The next datagram to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<SessionEvent> {
        self.events.pop_front()
    }

    /// Quality figures so far.
    pub fn quality(&self) -> LegQuality {
        let mut totals = self.past;
        let current = self.remote.as_ref();
        if let Some(r) = current {
            totals.add(&r.reception);
        }
        let expected = totals.received + totals.lost;
        let rate = f64::from(self.config.clock_rate);
        let mut q = LegQuality {
            packets_received: totals.received,
            bytes_received: totals.bytes,
            packets_lost: totals.lost,
            loss_percent: percent(totals.lost, expected),
            interval_loss_percent: current
                .map_or(0.0, |r| f64::from(r.interval_fraction) * 100.0 / 256.0),
            duplicates: totals.duplicates,
            reordered: totals.reordered,
            jitter_ms: current.map_or(0.0, |r| r.reception.jitter_ms()),
            packets_sent: self.packets_sent,
            bytes_sent: self.bytes_sent,
            rtt_ms: self.rtt_ms,
            remote_loss_percent: self
                .remote_view
                .map(|b| f64::from(b.fraction_lost) * 100.0 / 256.0),
            remote_jitter_ms: self
                .remote_view
                .map(|b| f64::from(b.jitter) * 1000.0 / rate),
            r_factor: 0.0,
            mos: 0.0,
        };
        q.rate(self.config.codec, self.config.extra_delay_ms);
        q
    }
}

impl Totals {
    fn add(&mut self, r: &Reception) {
        self.received += r.received;
        self.bytes += r.bytes;
        self.lost += r.lost().max(0) as u64;
        self.duplicates += r.duplicates;
        self.reordered += r.reordered;
    }
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

/// RFC 3550 § 6.3.1, simplified for two parties: the minimum interval, randomised over
/// [0.5, 1.5) and divided by e − 3/2.
fn report_interval(min: Duration, rng: &mut Rng) -> Duration {
    min.mul_f64((0.5 + rng.unit()) / COMPENSATION)
}
