//! SRTP and SRTCP (RFC 3711) with the AES_CM_128_HMAC_SHA1_80 suite, keyed by SDES (RFC 4568).
//!
//! One [`SrtpContext`] per direction: the sender's context is made from our master key, the
//! receiver's from the peer's. Session keys are derived once (key derivation rate 0). The
//! rollover counter is tracked per SSRC: by the sender from its own sequence numbers, by the
//! receiver with the estimate of RFC 3711 § 3.3.1. Replays are refused with a 64-packet window,
//! after authentication, so a forged packet cannot move the window.

use std::collections::HashMap;

use aes::Aes128;
use ctr::cipher::{KeyIvInit, StreamCipher};
use hmac::{Hmac, Mac};
use sha1::Sha1;

use crate::error::{RtpError, need};
use crate::packet::header_len;

type AesCtr = ctr::Ctr128BE<Aes128>;
type HmacSha1 = Hmac<Sha1>;

/// Master key length of the AES_CM_128 suites.
pub const MASTER_KEY_LEN: usize = 16;
/// Master salt length.
pub const MASTER_SALT_LEN: usize = 14;
/// Authentication tag length of the `_80` suite.
pub const TAG_LEN: usize = 10;
const SRTCP_INDEX_LEN: usize = 4;
const REPLAY_WINDOW: u64 = 64;

/// Session keys for one of SRTP or SRTCP.
#[derive(Clone)]
struct SessionKeys {
    cipher_key: [u8; 16],
    salt: [u8; 14],
    auth: HmacSha1,
}

/// A replay window: the highest index accepted and a bitmap of the 64 below it.
#[derive(Debug, Clone, Copy, Default)]
struct Replay {
    top: Option<u64>,
    seen: u64,
}

impl Replay {
    fn check(&self, index: u64) -> Result<(), RtpError> {
        let Some(top) = self.top else { return Ok(()) };
        if index > top {
            return Ok(());
        }
        let age = top - index;
        if age >= REPLAY_WINDOW || self.seen & (1 << age) != 0 {
            return Err(RtpError::Replay(index));
        }
        Ok(())
    }

    fn accept(&mut self, index: u64) {
        match self.top {
            Some(top) if index <= top => self.seen |= 1 << (top - index),
            Some(top) => {
                let shift = index - top;
                self.seen = if shift >= REPLAY_WINDOW {
                    0
                } else {
                    self.seen << shift
                };
                self.seen |= 1;
                self.top = Some(index);
            }
            None => {
                self.seen = 1;
                self.top = Some(index);
            }
        }
    }
}

/// Per-SSRC rollover state.
#[derive(Debug, Clone, Copy, Default)]
struct Stream {
    roc: u32,
    last_seq: Option<u16>,
    replay: Replay,
}

/// One direction's SRTP and SRTCP crypto context.
#[derive(Clone)]
pub struct SrtpContext {
    rtp: SessionKeys,
    rtcp: SessionKeys,
    streams: HashMap<u32, Stream>,
    srtcp_index: u32,
    srtcp_replay: HashMap<u32, Replay>,
}

impl std::fmt::Debug for SrtpContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SrtpContext")
            .field("streams", &self.streams.len())
            .finish_non_exhaustive()
    }
}

/// RFC 3711 § 4.3.1: the AES-CM PRF keyed by the master key, at `x = label ‖ 0⁴⁸ ⊕ salt`.
pub fn derive(master_key: &[u8; 16], master_salt: &[u8; 14], label: u8, out: &mut [u8]) {
    let mut iv = [0u8; 16];
    iv[..14].copy_from_slice(master_salt);
    iv[7] ^= label;
    out.fill(0);
    AesCtr::new(master_key.into(), &iv.into()).apply_keystream(out);
}

fn session_keys(key: &[u8; 16], salt: &[u8; 14], first_label: u8) -> SessionKeys {
    let mut cipher_key = [0u8; 16];
    let mut auth_key = [0u8; 20];
    let mut session_salt = [0u8; 14];
    derive(key, salt, first_label, &mut cipher_key);
    derive(key, salt, first_label + 1, &mut auth_key);
    derive(key, salt, first_label + 2, &mut session_salt);
    // HMAC accepts keys of any length: this cannot fail.
    let auth = <HmacSha1 as Mac>::new_from_slice(&auth_key).unwrap_or_else(|_| unreachable!());
    SessionKeys {
        cipher_key,
        salt: session_salt,
        auth,
    }
}

/// RFC 3711 § 4.1.1: IV = (salt · 2¹⁶) ⊕ (SSRC · 2⁶⁴) ⊕ (index · 2¹⁶).
fn iv(salt: &[u8; 14], ssrc: u32, index: u64) -> [u8; 16] {
    let mut iv = [0u8; 16];
    iv[..14].copy_from_slice(salt);
    for (b, s) in iv[4..8].iter_mut().zip(ssrc.to_be_bytes()) {
        *b ^= s;
    }
    for (b, i) in iv[8..14].iter_mut().zip(&index.to_be_bytes()[2..]) {
        *b ^= i;
    }
    iv
}

impl SessionKeys {
    fn crypt(&self, ssrc: u32, index: u64, data: &mut [u8]) {
        let iv = iv(&self.salt, ssrc, index);
        AesCtr::new(&self.cipher_key.into(), &iv.into()).apply_keystream(data);
    }

    fn tag(&self, parts: &[&[u8]]) -> [u8; TAG_LEN] {
        let mut mac = self.auth.clone();
        parts.iter().for_each(|p| mac.update(p));
        let full = mac.finalize().into_bytes();
        let mut tag = [0u8; TAG_LEN];
        tag.copy_from_slice(&full[..TAG_LEN]);
        tag
    }

    fn verify(&self, parts: &[&[u8]], tag: &[u8]) -> Result<(), RtpError> {
        let mut mac = self.auth.clone();
        parts.iter().for_each(|p| mac.update(p));
        mac.verify_truncated_left(tag)
            .map_err(|_| RtpError::AuthenticationFailed)
    }
}

fn ssrc_at(buf: &[u8], at: usize) -> Result<u32, RtpError> {
    crate::bytes::u32_at(buf, at)
}

impl SrtpContext {
    /// A context from SDES key material: the 16-byte master key followed by the 14-byte salt.
    pub fn new(master_key_salt: &[u8]) -> Result<Self, RtpError> {
        let expected = MASTER_KEY_LEN + MASTER_SALT_LEN;
        let bad = || RtpError::BadKeyLength {
            expected,
            got: master_key_salt.len(),
        };
        let key: &[u8; 16] = master_key_salt
            .get(..MASTER_KEY_LEN)
            .and_then(|k| k.try_into().ok())
            .ok_or_else(bad)?;
        let salt: &[u8; 14] = master_key_salt
            .get(MASTER_KEY_LEN..)
            .and_then(|s| s.try_into().ok())
            .ok_or_else(bad)?;
        Ok(SrtpContext {
            rtp: session_keys(key, salt, 0),
            rtcp: session_keys(key, salt, 3),
            streams: HashMap::new(),
            srtcp_index: 0,
            srtcp_replay: HashMap::new(),
        })
    }

    /// Encrypts and authenticates an RTP packet.
    pub fn protect_rtp(&mut self, packet: &[u8]) -> Result<Vec<u8>, RtpError> {
        let start = header_len(packet)?;
        let (ssrc, seq) = (ssrc_at(packet, 8)?, crate::bytes::u16_at(packet, 2)?);
        let stream = self.streams.entry(ssrc).or_default();
        if let Some(last) = stream.last_seq
            && seq < last
            && last - seq > 0x8000
        {
            stream.roc = stream.roc.wrapping_add(1);
        }
        stream.last_seq = Some(seq);
        let roc = stream.roc;
        let mut out = Vec::with_capacity(packet.len() + TAG_LEN);
        out.extend_from_slice(packet);
        self.rtp.crypt(ssrc, index(roc, seq), &mut out[start..]);
        let tag = self.rtp.tag(&[&out, &roc.to_be_bytes()]);
        out.extend_from_slice(&tag);
        Ok(out)
    }

    /// Authenticates, checks for replay, and decrypts an SRTP packet.
    pub fn unprotect_rtp(&mut self, packet: &[u8]) -> Result<Vec<u8>, RtpError> {
        need("SRTP packet", packet, 12 + TAG_LEN)?;
        let (body, tag) = packet.split_at(packet.len() - TAG_LEN);
        let start = header_len(body)?;
        let (ssrc, seq) = (ssrc_at(body, 8)?, crate::bytes::u16_at(body, 2)?);
        let stream = self.streams.get(&ssrc).copied().unwrap_or_default();
        let roc = estimate_roc(&stream, seq);
        let idx = index(roc, seq);
        stream.replay.check(idx)?;
        self.rtp.verify(&[body, &roc.to_be_bytes()], tag)?;
        let mut out = body.to_vec();
        self.rtp.crypt(ssrc, idx, &mut out[start..]);
        self.accept_rtp(ssrc, roc, seq, idx);
        Ok(out)
    }

    fn accept_rtp(&mut self, ssrc: u32, roc: u32, seq: u16, idx: u64) {
        let stream = self.streams.entry(ssrc).or_default();
        if stream.replay.top.is_none_or(|top| idx > top) {
            stream.roc = roc;
            stream.last_seq = Some(seq);
        }
        stream.replay.accept(idx);
    }

    /// Encrypts and authenticates an RTCP compound packet (E flag set, SRTCP index appended).
    pub fn protect_rtcp(&mut self, packet: &[u8]) -> Result<Vec<u8>, RtpError> {
        need("RTCP packet", packet, 8)?;
        let ssrc = ssrc_at(packet, 4)?;
        let idx = self.srtcp_index;
        self.srtcp_index = (idx + 1) & 0x7FFF_FFFF;
        let mut out = Vec::with_capacity(packet.len() + SRTCP_INDEX_LEN + TAG_LEN);
        out.extend_from_slice(packet);
        self.rtcp.crypt(ssrc, u64::from(idx), &mut out[8..]);
        out.extend_from_slice(&(0x8000_0000 | idx).to_be_bytes());
        let tag = self.rtcp.tag(&[&out]);
        out.extend_from_slice(&tag);
        Ok(out)
    }

    /// Authenticates, checks for replay, and decrypts an SRTCP packet.
    pub fn unprotect_rtcp(&mut self, packet: &[u8]) -> Result<Vec<u8>, RtpError> {
        need("SRTCP packet", packet, 8 + SRTCP_INDEX_LEN + TAG_LEN)?;
        let (body, tag) = packet.split_at(packet.len() - TAG_LEN);
        let e_index = crate::bytes::u32_at(body, body.len() - SRTCP_INDEX_LEN)?;
        let ssrc = ssrc_at(body, 4)?;
        let idx = u64::from(e_index & 0x7FFF_FFFF);
        let replay = self.srtcp_replay.get(&ssrc).copied().unwrap_or_default();
        replay.check(idx)?;
        self.rtcp.verify(&[body], tag)?;
        let mut out = body[..body.len() - SRTCP_INDEX_LEN].to_vec();
        if e_index & 0x8000_0000 != 0 {
            self.rtcp.crypt(ssrc, idx, &mut out[8..]);
        }
        self.srtcp_replay.entry(ssrc).or_default().accept(idx);
        Ok(out)
    }
}

fn index(roc: u32, seq: u16) -> u64 {
    u64::from(roc) << 16 | u64::from(seq)
}

/// RFC 3711 § 3.3.1: the rollover counter that puts `seq` closest to the highest seen.
fn estimate_roc(stream: &Stream, seq: u16) -> u32 {
    let Some(s_l) = stream.last_seq else {
        return stream.roc;
    };
    let roc = stream.roc;
    if s_l < 0x8000 {
        // At ROC 0 there is no earlier cycle: such a packet authenticates only if it is ours.
        if seq > s_l && seq - s_l > 0x8000 {
            roc.saturating_sub(1)
        } else {
            roc
        }
    } else if s_l - 0x8000 > seq {
        roc.wrapping_add(1)
    } else {
        roc
    }
}
