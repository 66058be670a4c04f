//! RTP packets (RFC 3550 § 5.1): fixed header, CSRC list, header extension, padding.

use crate::bytes::{slice, u16_at, u32_at};
use crate::error::{RtpError, need};

const FIXED_HEADER: usize = 12;

/// The RTP header fields a session reads or rewrites.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RtpHeader {
    /// Marker bit (start of a talkspurt, or of a DTMF event).
    pub marker: bool,
    /// Payload type, 0..=127.
    pub payload_type: u8,
    /// Sequence number.
    pub sequence: u16,
    /// Media timestamp, in clock-rate units.
    pub timestamp: u32,
    /// Synchronisation source.
    pub ssrc: u32,
    /// Contributing sources (at most 15).
    pub csrc: Vec<u32>,
}

/// A header extension (RFC 3550 § 5.3.1): a profile word and data in 32-bit words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpExtension<'a> {
    /// Profile-defined 16 bits (0xBEDE for RFC 8285 one-byte headers).
    pub profile: u16,
    /// Extension data; its length is a multiple of 4.
    pub data: &'a [u8],
}

/// A parsed RTP packet borrowing its buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtpPacket<'a> {
    /// Header fields.
    pub header: RtpHeader,
    /// Header extension, if the X bit was set.
    pub extension: Option<RtpExtension<'a>>,
    /// Payload, without padding.
    pub payload: &'a [u8],
    /// Padding bytes at the end, count byte included; 0 for none.
    pub padding: u8,
}

impl<'a> RtpPacket<'a> {
    /// Parses one RTP packet.
    pub fn parse(buf: &'a [u8]) -> Result<Self, RtpError> {
        need("RTP header", buf, FIXED_HEADER)?;
        let version = buf[0] >> 6;
        if version != 2 {
            return Err(RtpError::BadVersion(version));
        }
        let csrc_count = usize::from(buf[0] & 0x0F);
        let header = parse_header(buf, csrc_count)?;
        let mut at = FIXED_HEADER + 4 * csrc_count;
        let extension = if buf[0] & 0x10 != 0 {
            Some(parse_extension(buf, &mut at)?)
        } else {
            None
        };
        let (payload, padding) = split_padding(buf, at, buf[0] & 0x20 != 0)?;
        Ok(RtpPacket {
            header,
            extension,
            payload,
            padding,
        })
    }

    /// Size of the packet on the wire.
    pub fn wire_len(&self) -> usize {
        let ext = self.extension.map_or(0, |e| 4 + e.data.len());
        FIXED_HEADER
            + 4 * self.header.csrc.len()
            + ext
            + self.payload.len()
            + usize::from(self.padding)
    }

    /// Appends the packet to `out`.
    pub fn write(&self, out: &mut Vec<u8>) -> Result<(), RtpError> {
        let h = &self.header;
        if h.csrc.len() > 15 {
            return Err(RtpError::FieldTooLarge("CSRC count"));
        }
        let flags = 0x80
            | if self.padding > 0 { 0x20 } else { 0 }
            | if self.extension.is_some() { 0x10 } else { 0 }
            | h.csrc.len() as u8;
        out.push(flags);
        out.push(u8::from(h.marker) << 7 | (h.payload_type & 0x7F));
        out.extend_from_slice(&h.sequence.to_be_bytes());
        out.extend_from_slice(&h.timestamp.to_be_bytes());
        out.extend_from_slice(&h.ssrc.to_be_bytes());
        h.csrc
            .iter()
            .for_each(|c| out.extend_from_slice(&c.to_be_bytes()));
        if let Some(ext) = self.extension {
            write_extension(ext, out)?;
        }
        out.extend_from_slice(self.payload);
        write_padding(self.padding, out);
        Ok(())
    }

    /// The packet as a new buffer.
    pub fn to_vec(&self) -> Result<Vec<u8>, RtpError> {
        let mut out = Vec::with_capacity(self.wire_len());
        self.write(&mut out)?;
        Ok(out)
    }
}

fn parse_header(buf: &[u8], csrc_count: usize) -> Result<RtpHeader, RtpError> {
    need("CSRC list", buf, FIXED_HEADER + 4 * csrc_count)?;
    let csrc = (0..csrc_count)
        .map(|i| u32_at(buf, FIXED_HEADER + 4 * i))
        .collect::<Result<_, _>>()?;
    Ok(RtpHeader {
        marker: buf[1] & 0x80 != 0,
        payload_type: buf[1] & 0x7F,
        sequence: u16_at(buf, 2)?,
        timestamp: u32_at(buf, 4)?,
        ssrc: u32_at(buf, 8)?,
        csrc,
    })
}

fn parse_extension<'a>(buf: &'a [u8], at: &mut usize) -> Result<RtpExtension<'a>, RtpError> {
    let profile = u16_at(buf, *at)?;
    let words = usize::from(u16_at(buf, *at + 2)?);
    let data = slice(buf, *at + 4, words * 4)?;
    *at += 4 + words * 4;
    Ok(RtpExtension { profile, data })
}

fn split_padding(buf: &[u8], at: usize, padded: bool) -> Result<(&[u8], u8), RtpError> {
    let body = buf.get(at..).ok_or(RtpError::BadLength)?;
    if !padded {
        return Ok((body, 0));
    }
    let pad = *body.last().ok_or(RtpError::BadPadding(0))?;
    if pad == 0 || usize::from(pad) > body.len() {
        return Err(RtpError::BadPadding(pad));
    }
    Ok((&body[..body.len() - usize::from(pad)], pad))
}

fn write_extension(ext: RtpExtension<'_>, out: &mut Vec<u8>) -> Result<(), RtpError> {
    let words = ext.data.len() / 4;
    if !ext.data.len().is_multiple_of(4) || words > usize::from(u16::MAX) {
        return Err(RtpError::FieldTooLarge("header extension length"));
    }
    out.extend_from_slice(&ext.profile.to_be_bytes());
    out.extend_from_slice(&(words as u16).to_be_bytes());
    out.extend_from_slice(ext.data);
    Ok(())
}

fn write_padding(padding: u8, out: &mut Vec<u8>) {
    if padding > 0 {
        out.resize(out.len() + usize::from(padding) - 1, 0);
        out.push(padding);
    }
}

/// Length of the RTP header (fixed part, CSRCs and extension) at the start of `buf`.
pub(crate) fn header_len(buf: &[u8]) -> Result<usize, RtpError> {
    need("RTP header", buf, FIXED_HEADER)?;
    if buf[0] >> 6 != 2 {
        return Err(RtpError::BadVersion(buf[0] >> 6));
    }
    let mut at = FIXED_HEADER + 4 * usize::from(buf[0] & 0x0F);
    if buf[0] & 0x10 != 0 {
        parse_extension(buf, &mut at)?;
    }
    need("RTP header", buf, at)?;
    Ok(at)
}

/// Rewrites sequence number, timestamp, SSRC and marker of a serialized RTP packet in place,
/// the relay fast path (no copy of the payload).
pub fn rewrite_header(
    buf: &mut [u8],
    sequence: u16,
    timestamp: u32,
    ssrc: u32,
    marker: bool,
) -> Result<(), RtpError> {
    need("RTP header", buf, FIXED_HEADER)?;
    buf[1] = (buf[1] & 0x7F) | u8::from(marker) << 7;
    buf[2..4].copy_from_slice(&sequence.to_be_bytes());
    buf[4..8].copy_from_slice(&timestamp.to_be_bytes());
    buf[8..12].copy_from_slice(&ssrc.to_be_bytes());
    Ok(())
}

/// What a datagram on a shared (rtcp-mux) port is, by RFC 5761 § 4: RTCP packet types
/// 192..=223 never collide with RTP payload types once the marker bit is folded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketKind {
    /// An RTP packet.
    Rtp,
    /// An RTCP (compound) packet.
    Rtcp,
    /// Neither (too short or not version 2): STUN, DTLS or garbage.
    Other,
}

/// Classifies a datagram received on an RTP port.
pub fn classify(buf: &[u8]) -> PacketKind {
    match buf {
        [first, second, ..] if first >> 6 == 2 && buf.len() >= 8 => {
            if (192..=223).contains(second) {
                PacketKind::Rtcp
            } else {
                PacketKind::Rtp
            }
        }
        _ => PacketKind::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minimal_pcmu_packet_parses() {
        let mut buf = vec![
            0x80, 0x00, 0x12, 0x34, 0, 0, 0x01, 0x40, 0xDE, 0xAD, 0xBE, 0xEF,
        ];
        buf.extend([0xFF; 160]);
        let p = RtpPacket::parse(&buf).unwrap();
        assert_eq!(p.header.sequence, 0x1234);
        assert_eq!(p.header.timestamp, 320);
        assert_eq!(p.header.ssrc, 0xDEAD_BEEF);
        assert_eq!(p.header.payload_type, 0);
        assert!(!p.header.marker);
        assert_eq!(p.payload.len(), 160);
        assert_eq!(p.to_vec().unwrap(), buf);
    }

    #[test]
    fn csrc_extension_and_padding_round_trip() {
        let header = RtpHeader {
            marker: true,
            payload_type: 101,
            sequence: 65535,
            timestamp: u32::MAX,
            ssrc: 7,
            csrc: vec![1, 2, 3],
        };
        let data = [1, 2, 3, 4, 5, 6, 7, 8];
        let p = RtpPacket {
            header,
            extension: Some(RtpExtension {
                profile: 0xBEDE,
                data: &data,
            }),
            payload: b"abc",
            padding: 5,
        };
        let bytes = p.to_vec().unwrap();
        assert_eq!(bytes.len(), p.wire_len());
        assert_eq!(bytes[0], 0x80 | 0x20 | 0x10 | 3);
        assert_eq!(RtpPacket::parse(&bytes).unwrap(), p);
    }

    #[test]
    fn malformed_packets_are_errors_not_panics() {
        assert!(matches!(
            RtpPacket::parse(&[0x80; 11]),
            Err(RtpError::Truncated { .. })
        ));
        assert_eq!(RtpPacket::parse(&[0x40; 12]), Err(RtpError::BadVersion(1)));
        let mut padded = vec![0xA0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9];
        assert_eq!(RtpPacket::parse(&padded), Err(RtpError::BadPadding(9)));
        padded[13] = 0;
        assert_eq!(RtpPacket::parse(&padded), Err(RtpError::BadPadding(0)));
        let ext = [
            0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xBE, 0xDE, 0, 2, 1, 2, 3, 4,
        ];
        assert!(matches!(
            RtpPacket::parse(&ext),
            Err(RtpError::Truncated { .. })
        ));
        let csrc = [0x8F, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        assert!(matches!(
            RtpPacket::parse(&csrc),
            Err(RtpError::Truncated { .. })
        ));
    }

    #[test]
    fn header_rewrite_changes_only_the_rewritten_fields() {
        let p = RtpPacket {
            header: RtpHeader {
                payload_type: 8,
                ..Default::default()
            },
            extension: None,
            payload: b"xyz",
            padding: 0,
        };
        let mut bytes = p.to_vec().unwrap();
        rewrite_header(&mut bytes, 9, 10, 11, true).unwrap();
        let q = RtpPacket::parse(&bytes).unwrap();
        assert_eq!(
            (q.header.sequence, q.header.timestamp, q.header.ssrc),
            (9, 10, 11)
        );
        assert!(q.header.marker);
        assert_eq!((q.header.payload_type, q.payload), (8, &b"xyz"[..]));
    }

    #[test]
    fn rtcp_and_rtp_are_told_apart_on_a_muxed_port() {
        assert_eq!(classify(&[0x80, 0, 0, 0, 0, 0, 0, 0]), PacketKind::Rtp);
        assert_eq!(
            classify(&[0x80, 0x80 | 96, 0, 0, 0, 0, 0, 0]),
            PacketKind::Rtp
        );
        assert_eq!(classify(&[0x80, 200, 0, 6, 0, 0, 0, 0]), PacketKind::Rtcp);
        assert_eq!(classify(&[0x00, 0x01, 0, 0, 0, 0, 0, 0]), PacketKind::Other);
        assert_eq!(classify(&[0x80]), PacketKind::Other);
    }
}
