//! RTCP packets (RFC 3550 § 6.4–6.6): SR, RR, SDES, BYE, and compound packets.
//!
//! Unknown packet types (APP, XR, feedback) are kept as opaque bodies so a compound packet
//! round-trips. Profile-specific extensions after report blocks are dropped.

use crate::bytes::{slice, u16_at, u32_at};
use crate::error::{RtpError, need};

/// Packet type of a sender report.
pub const PT_SR: u8 = 200;
/// Packet type of a receiver report.
pub const PT_RR: u8 = 201;
/// Packet type of source description.
pub const PT_SDES: u8 = 202;
/// Packet type of goodbye.
pub const PT_BYE: u8 = 203;
/// SDES item type of the canonical name.
pub const SDES_CNAME: u8 = 1;

/// Reception figures about one source (RFC 3550 § 6.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReportBlock {
    /// The source this block is about.
    pub ssrc: u32,
    /// Loss since the previous report, in 1/256.
    pub fraction_lost: u8,
    /// Packets lost since the start (24-bit signed on the wire).
    pub cumulative_lost: i32,
    /// Highest extended sequence number received.
    pub highest_sequence: u32,
    /// Interarrival jitter, in timestamp units.
    pub jitter: u32,
    /// Middle 32 bits of the NTP time of the last SR from that source (0: none).
    pub last_sr: u32,
    /// Delay since that SR, in 1/65536 s.
    pub delay_since_last_sr: u32,
}

/// The sender half of an SR.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SenderInfo {
    /// NTP timestamp (64-bit fixed point, seconds since 1900).
    pub ntp: u64,
    /// The same instant in RTP timestamp units.
    pub rtp_timestamp: u32,
    /// Packets sent since the start.
    pub packet_count: u32,
    /// Payload octets sent since the start.
    pub octet_count: u32,
}

/// An SDES item, e.g. a CNAME.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdesItem {
    /// Item type (1 = CNAME).
    pub kind: u8,
    /// Item text (at most 255 bytes).
    pub text: Vec<u8>,
}

/// The SDES items of one source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdesChunk {
    /// The source described.
    pub ssrc: u32,
    /// Its items.
    pub items: Vec<SdesItem>,
}

/// One RTCP packet of a compound packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RtcpPacket {
    /// Sender report.
    SenderReport {
        /// Sender SSRC.
        ssrc: u32,
        /// Sender information.
        info: SenderInfo,
        /// Reception report blocks (at most 31).
        reports: Vec<ReportBlock>,
    },
    /// Receiver report.
    ReceiverReport {
        /// Reporter SSRC.
        ssrc: u32,
        /// Reception report blocks (at most 31).
        reports: Vec<ReportBlock>,
    },
    /// Source description.
    SourceDescription(Vec<SdesChunk>),
    /// Goodbye.
    Goodbye {
        /// Sources leaving.
        sources: Vec<u32>,
        /// Optional reason text.
        reason: Option<Vec<u8>>,
    },
    /// Any other type, body kept as received (after the 4-byte header).
    Other {
        /// Packet type.
        packet_type: u8,
        /// The 5-bit count/subtype field.
        count: u8,
        /// Body without padding.
        body: Vec<u8>,
    },
}

/// Parses a compound RTCP packet into its parts.
pub fn parse_compound(buf: &[u8]) -> Result<Vec<RtcpPacket>, RtpError> {
    let mut packets = Vec::new();
    let mut rest = buf;
    while !rest.is_empty() {
        let (packet, len) = parse_one(rest)?;
        packets.push(packet);
        rest = rest.get(len..).ok_or(RtpError::BadLength)?;
    }
    if packets.is_empty() {
        return Err(RtpError::Truncated {
            what: "RTCP packet",
            needed: 4,
            have: 0,
        });
    }
    Ok(packets)
}

fn parse_one(buf: &[u8]) -> Result<(RtcpPacket, usize), RtpError> {
    need("RTCP header", buf, 4)?;
    let version = buf[0] >> 6;
    if version != 2 {
        return Err(RtpError::BadVersion(version));
    }
    let len = (usize::from(u16_at(buf, 2)?) + 1) * 4;
    let whole = slice(buf, 0, len)?;
    let body = unpad(&whole[4..], buf[0] & 0x20 != 0)?;
    let count = buf[0] & 0x1F;
    let packet = match buf[1] {
        PT_SR => parse_sr(body, count)?,
        PT_RR => parse_rr(body, count)?,
        PT_SDES => RtcpPacket::SourceDescription(parse_sdes(body, count)?),
        PT_BYE => parse_bye(body, count)?,
        packet_type @ 192..=223 => RtcpPacket::Other {
            packet_type,
            count,
            body: body.to_vec(),
        },
        other => return Err(RtpError::WrongPacketType(other)),
    };
    Ok((packet, len))
}

fn unpad(body: &[u8], padded: bool) -> Result<&[u8], RtpError> {
    if !padded {
        return Ok(body);
    }
    let pad = *body.last().ok_or(RtpError::BadPadding(0))?;
    if pad == 0 || usize::from(pad) > body.len() {
        return Err(RtpError::BadPadding(pad));
    }
    Ok(&body[..body.len() - usize::from(pad)])
}

fn parse_sr(body: &[u8], count: u8) -> Result<RtcpPacket, RtpError> {
    let info = SenderInfo {
        ntp: u64::from(u32_at(body, 4)?) << 32 | u64::from(u32_at(body, 8)?),
        rtp_timestamp: u32_at(body, 12)?,
        packet_count: u32_at(body, 16)?,
        octet_count: u32_at(body, 20)?,
    };
    let reports = parse_blocks(body, 24, count)?;
    Ok(RtcpPacket::SenderReport {
        ssrc: u32_at(body, 0)?,
        info,
        reports,
    })
}

fn parse_rr(body: &[u8], count: u8) -> Result<RtcpPacket, RtpError> {
    let reports = parse_blocks(body, 4, count)?;
    Ok(RtcpPacket::ReceiverReport {
        ssrc: u32_at(body, 0)?,
        reports,
    })
}

fn parse_blocks(body: &[u8], from: usize, count: u8) -> Result<Vec<ReportBlock>, RtpError> {
    (0..usize::from(count))
        .map(|i| parse_block(body, from + 24 * i))
        .collect()
}

fn parse_block(body: &[u8], at: usize) -> Result<ReportBlock, RtpError> {
    let lost_word = u32_at(body, at + 4)?;
    // The cumulative count is a 24-bit two's-complement number: shift it up and back down.
    let cumulative_lost = ((lost_word << 8) as i32) >> 8;
    Ok(ReportBlock {
        ssrc: u32_at(body, at)?,
        fraction_lost: (lost_word >> 24) as u8,
        cumulative_lost,
        highest_sequence: u32_at(body, at + 8)?,
        jitter: u32_at(body, at + 12)?,
        last_sr: u32_at(body, at + 16)?,
        delay_since_last_sr: u32_at(body, at + 20)?,
    })
}

fn parse_sdes(body: &[u8], count: u8) -> Result<Vec<SdesChunk>, RtpError> {
    let mut at = 0;
    let mut chunks = Vec::new();
    for _ in 0..count {
        let ssrc = u32_at(body, at)?;
        at += 4;
        let items = parse_items(body, &mut at)?;
        chunks.push(SdesChunk { ssrc, items });
    }
    Ok(chunks)
}

/// Reads items up to the null terminator, then skips to the next 32-bit boundary.
fn parse_items(body: &[u8], at: &mut usize) -> Result<Vec<SdesItem>, RtpError> {
    let mut items = Vec::new();
    loop {
        need("SDES item", body, *at + 1)?;
        let kind = body[*at];
        if kind == 0 {
            *at = (*at + 4) & !3;
            return Ok(items);
        }
        need("SDES item", body, *at + 2)?;
        let len = usize::from(body[*at + 1]);
        let text = slice(body, *at + 2, len)?.to_vec();
        items.push(SdesItem { kind, text });
        *at += 2 + len;
    }
}

fn parse_bye(body: &[u8], count: u8) -> Result<RtcpPacket, RtpError> {
    let sources = (0..usize::from(count))
        .map(|i| u32_at(body, 4 * i))
        .collect::<Result<Vec<_>, _>>()?;
    let at = 4 * usize::from(count);
    let reason = match body.get(at) {
        Some(&len) => Some(slice(body, at + 1, usize::from(len))?.to_vec()),
        None => None,
    };
    Ok(RtcpPacket::Goodbye { sources, reason })
}

/// Appends a compound packet made of `packets` to `out`.
pub fn write_compound(packets: &[RtcpPacket], out: &mut Vec<u8>) -> Result<(), RtpError> {
    packets.iter().try_for_each(|p| write_one(p, out))
}

fn write_one(packet: &RtcpPacket, out: &mut Vec<u8>) -> Result<(), RtpError> {
    let mut body = Vec::with_capacity(64);
    let (packet_type, count) = write_body(packet, &mut body)?;
    // Only opaque bodies can be unaligned: align them with RTCP padding so they read back equal.
    let padding = (4 - body.len() % 4) % 4;
    if padding > 0 {
        body.resize(body.len() + padding - 1, 0);
        body.push(padding as u8);
    }
    let words =
        u16::try_from(body.len() / 4).map_err(|_| RtpError::FieldTooLarge("RTCP length"))?;
    let flags = 0x80 | if padding > 0 { 0x20 } else { 0 } | count;
    out.extend_from_slice(&[flags, packet_type]);
    out.extend_from_slice(&words.to_be_bytes());
    out.extend_from_slice(&body);
    Ok(())
}

fn count5(n: usize, what: &'static str) -> Result<u8, RtpError> {
    u8::try_from(n)
        .ok()
        .filter(|&c| c < 32)
        .ok_or(RtpError::FieldTooLarge(what))
}

fn write_body(packet: &RtcpPacket, out: &mut Vec<u8>) -> Result<(u8, u8), RtpError> {
    match packet {
        RtcpPacket::SenderReport {
            ssrc,
            info,
            reports,
        } => {
            out.extend_from_slice(&ssrc.to_be_bytes());
            write_sender_info(info, out);
            write_blocks(reports, out).map(|c| (PT_SR, c))
        }
        RtcpPacket::ReceiverReport { ssrc, reports } => {
            out.extend_from_slice(&ssrc.to_be_bytes());
            write_blocks(reports, out).map(|c| (PT_RR, c))
        }
        RtcpPacket::SourceDescription(chunks) => write_sdes(chunks, out).map(|c| (PT_SDES, c)),
        RtcpPacket::Goodbye { sources, reason } => write_bye(sources, reason.as_deref(), out),
        RtcpPacket::Other {
            packet_type,
            count,
            body,
        } => write_other(*packet_type, *count, body, out),
    }
}

fn write_sender_info(info: &SenderInfo, out: &mut Vec<u8>) {
    out.extend_from_slice(&info.ntp.to_be_bytes());
    out.extend_from_slice(&info.rtp_timestamp.to_be_bytes());
    out.extend_from_slice(&info.packet_count.to_be_bytes());
    out.extend_from_slice(&info.octet_count.to_be_bytes());
}

fn write_blocks(blocks: &[ReportBlock], out: &mut Vec<u8>) -> Result<u8, RtpError> {
    let count = count5(blocks.len(), "report block count")?;
    for b in blocks {
        let lost = b.cumulative_lost.clamp(-0x80_0000, 0x7F_FFFF) as u32 & 0x00FF_FFFF;
        out.extend_from_slice(&b.ssrc.to_be_bytes());
        out.extend_from_slice(&(u32::from(b.fraction_lost) << 24 | lost).to_be_bytes());
        out.extend_from_slice(&b.highest_sequence.to_be_bytes());
        out.extend_from_slice(&b.jitter.to_be_bytes());
        out.extend_from_slice(&b.last_sr.to_be_bytes());
        out.extend_from_slice(&b.delay_since_last_sr.to_be_bytes());
    }
    Ok(count)
}

fn write_sdes(chunks: &[SdesChunk], out: &mut Vec<u8>) -> Result<u8, RtpError> {
    let count = count5(chunks.len(), "SDES chunk count")?;
    for chunk in chunks {
        out.extend_from_slice(&chunk.ssrc.to_be_bytes());
        for item in &chunk.items {
            let len =
                u8::try_from(item.text.len()).map_err(|_| RtpError::FieldTooLarge("SDES text"))?;
            if item.kind == 0 {
                return Err(RtpError::FieldTooLarge("SDES item type 0"));
            }
            out.extend_from_slice(&[item.kind, len]);
            out.extend_from_slice(&item.text);
        }
        out.push(0);
        pad4(out);
    }
    Ok(count)
}

fn write_bye(
    sources: &[u32],
    reason: Option<&[u8]>,
    out: &mut Vec<u8>,
) -> Result<(u8, u8), RtpError> {
    let count = count5(sources.len(), "BYE source count")?;
    sources
        .iter()
        .for_each(|s| out.extend_from_slice(&s.to_be_bytes()));
    if let Some(reason) = reason {
        let len = u8::try_from(reason.len()).map_err(|_| RtpError::FieldTooLarge("BYE reason"))?;
        out.push(len);
        out.extend_from_slice(reason);
        pad4(out);
    }
    Ok((PT_BYE, count))
}

fn write_other(
    packet_type: u8,
    count: u8,
    body: &[u8],
    out: &mut Vec<u8>,
) -> Result<(u8, u8), RtpError> {
    if count >= 32 || !(192..=223).contains(&packet_type) {
        return Err(RtpError::FieldTooLarge("opaque RTCP packet"));
    }
    out.extend_from_slice(body);
    Ok((packet_type, count))
}

/// Zero-fills a packet body to the next 32-bit boundary.
fn pad4(out: &mut Vec<u8>) {
    while !out.len().is_multiple_of(4) {
        out.push(0);
    }
}
