//! Offer/answer for audio (RFC 3264).
//!
//! The answerer accepts the first audio stream it can serve and rejects every other stream with
//! port 0. In that stream it picks the first codec of the *offerer's* list that it supports,
//! keeps telephone-event at the same clock rate, mirrors the direction (hold), agrees to
//! rtcp-mux if both want it, and for RTP/SAVP picks the first offered crypto suite it supports.

use crate::crypto::{AES_CM_128_HMAC_SHA1_80, Crypto, KeyParams};
use crate::error::SdpError;
use crate::media::{Codec, Direction};
use crate::model::{Attribute, Connection, MediaDescription, Origin, SessionDescription, Timing};

/// What we can and want to do for one audio stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalMedia {
    /// Our media address.
    pub address: String,
    /// Our RTP port.
    pub port: u16,
    /// Codecs we support, in our preference order (used when we offer).
    pub codecs: Vec<Codec>,
    /// Our telephone-event format, if we take RFC 4733 DTMF.
    pub telephone_event: Option<Codec>,
    /// Our packet time in ms.
    pub ptime: Option<u32>,
    /// What we want: sendrecv, or sendonly/inactive to put the other side on hold.
    pub direction: Direction,
    /// We can multiplex RTCP on the RTP port.
    pub rtcp_mux: bool,
    /// Our SRTP master key ‖ salt (30 bytes) if we do SDES-SRTP; it is also offered.
    pub srtp_key: Option<Vec<u8>>,
}

impl LocalMedia {
    /// PCMU, PCMA and telephone-event 101 (0-16), 20 ms, sendrecv, rtcp-mux, no SRTP.
    pub fn g711(address: &str, port: u16) -> Self {
        let mut te = Codec::new(101, "telephone-event", 8000, 1);
        te.fmtp = Some("0-16".into());
        LocalMedia {
            address: address.into(),
            port,
            codecs: vec![
                Codec::new(0, "PCMU", 8000, 1),
                Codec::new(8, "PCMA", 8000, 1),
            ],
            telephone_event: Some(te),
            ptime: Some(20),
            direction: Direction::SendRecv,
            rtcp_mux: true,
            srtp_key: None,
        }
    }
}

/// SDES keys agreed for a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SrtpKeys {
    /// Suite (always [`AES_CM_128_HMAC_SHA1_80`] here).
    pub suite: String,
    /// Our master key ‖ salt: protects what we send.
    pub local_key_salt: Vec<u8>,
    /// The peer's master key ‖ salt: unprotects what we receive.
    pub remote_key_salt: Vec<u8>,
}

/// The outcome for one accepted stream, from our point of view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NegotiatedStream {
    /// Index of the m-line.
    pub index: usize,
    /// The codec, with the payload type used on the wire.
    pub codec: Codec,
    /// Telephone-event format, if both sides take it.
    pub telephone_event: Option<Codec>,
    /// Our direction: whether we send and whether we should expect media.
    pub direction: Direction,
    /// Where to send RTP.
    pub remote_address: String,
    /// The peer's RTP port.
    pub remote_port: u16,
    /// The peer's RTCP port (same as RTP with rtcp-mux, else `a=rtcp` or port + 1).
    pub remote_rtcp_port: u16,
    /// RTCP shares the RTP port.
    pub rtcp_mux: bool,
    /// The peer's packet time in ms, if given.
    pub remote_ptime: Option<u32>,
    /// SRTP keys, for RTP/SAVP streams.
    pub srtp: Option<SrtpKeys>,
}

/// An answer and what it settles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The answer to send (its origin is a placeholder until [`crate::LocalSdp`] stamps it).
    pub sdp: SessionDescription,
    /// The accepted streams (at least one).
    pub streams: Vec<NegotiatedStream>,
}

/// Whether a transport protocol is secure RTP; `None` if we cannot serve it at all.
fn rtp_transport(proto: &str) -> Option<bool> {
    match proto.to_ascii_uppercase().as_str() {
        "RTP/AVP" | "RTP/AVPF" => Some(false),
        "RTP/SAVP" | "RTP/SAVPF" => Some(true),
        _ => None,
    }
}

/// Answers an offer with what `local` supports.
pub fn answer(offer: &SessionDescription, local: &LocalMedia) -> Result<Answer, SdpError> {
    let mut sdp = skeleton(local, Origin::placeholder(&local.address));
    let mut streams = Vec::new();
    for (index, m) in offer.media.iter().enumerate() {
        let accepted = streams
            .is_empty()
            .then(|| accept(offer, index, local))
            .flatten();
        match accepted {
            Some((media, stream)) => {
                sdp.media.push(media);
                streams.push(stream);
            }
            None => sdp.media.push(rejected(m)),
        }
    }
    if streams.is_empty() {
        return Err(SdpError::NoAcceptableMedia);
    }
    Ok(Answer { sdp, streams })
}

fn skeleton(local: &LocalMedia, origin: Origin) -> SessionDescription {
    SessionDescription {
        origin,
        session_name: "-".into(),
        info: None,
        uri: None,
        emails: Vec::new(),
        phones: Vec::new(),
        connection: Some(Connection::new(&local.address)),
        bandwidths: Vec::new(),
        times: vec![Timing {
            start: 0,
            stop: 0,
            repeats: Vec::new(),
        }],
        zone: None,
        key: None,
        attributes: Vec::new(),
        media: Vec::new(),
    }
}

/// RFC 3264 § 6: a rejected stream keeps media, protocol and formats with port 0.
fn rejected(m: &MediaDescription) -> MediaDescription {
    let mut formats = m.formats.clone();
    if formats.is_empty() {
        formats.push("0".into());
    }
    MediaDescription {
        port: 0,
        port_count: None,
        formats,
        info: None,
        connections: Vec::new(),
        bandwidths: Vec::new(),
        key: None,
        attributes: Vec::new(),
        ..m.clone()
    }
}

fn accept(
    offer: &SessionDescription,
    index: usize,
    local: &LocalMedia,
) -> Option<(MediaDescription, NegotiatedStream)> {
    let m = offer.media.get(index)?;
    if !m.media.eq_ignore_ascii_case("audio") || m.port == 0 {
        return None;
    }
    let secure = rtp_transport(&m.proto)?;
    let srtp = if secure {
        Some(pick_crypto(m, local)?)
    } else {
        None
    };
    let offered = m.codecs();
    let codec = offered
        .iter()
        .find(|c| local.codecs.iter().any(|l| l.same_format(c)))?
        .clone();
    let te = local.telephone_event.as_ref().and_then(|_| {
        offered
            .iter()
            .find(|c| c.is_telephone_event() && c.clock_rate == codec.clock_rate)
            .cloned()
    });
    let direction = Direction::answer(offer.direction_of(index), local.direction);
    let rtcp_mux = m.rtcp_mux() && local.rtcp_mux;
    let remote_address = offer.connection_for(index)?.address.clone();
    let stream = NegotiatedStream {
        index,
        codec,
        telephone_event: te,
        direction,
        remote_rtcp_port: rtcp_port(m, rtcp_mux),
        remote_address,
        remote_port: m.port,
        rtcp_mux,
        remote_ptime: m.ptime(),
        srtp: srtp.as_ref().map(|(_, keys)| keys.clone()),
    };
    let crypto = srtp.map(|(c, _)| c);
    Some((answer_media(m, local, &stream, crypto), stream))
}

fn rtcp_port(m: &MediaDescription, mux: bool) -> u16 {
    if mux {
        m.port
    } else {
        m.rtcp_port().unwrap_or(m.port.saturating_add(1))
    }
}

fn pick_crypto(m: &MediaDescription, local: &LocalMedia) -> Option<(Crypto, SrtpKeys)> {
    let key = local.srtp_key.as_ref()?;
    let theirs = m.crypto().into_iter().find(Crypto::is_supported)?;
    let remote_key_salt = theirs.keys.first()?.key_salt_bytes().ok()?;
    let ours = Crypto {
        tag: theirs.tag,
        suite: theirs.suite.clone(),
        keys: vec![KeyParams::from_bytes(key)],
        session_params: Vec::new(),
    };
    let keys = SrtpKeys {
        suite: theirs.suite,
        local_key_salt: key.clone(),
        remote_key_salt,
    };
    Some((ours, keys))
}

fn answer_media(
    m: &MediaDescription,
    local: &LocalMedia,
    s: &NegotiatedStream,
    crypto: Option<Crypto>,
) -> MediaDescription {
    let mut codecs = vec![s.codec.clone()];
    codecs.extend(s.telephone_event.clone());
    let mut media = audio_section(local, &m.proto, &codecs, s.direction);
    if s.rtcp_mux {
        media.attributes.push(Attribute::flag("rtcp-mux"));
    }
    if let Some(c) = crypto {
        media
            .attributes
            .push(Attribute::value("crypto", c.to_string()));
    }
    media
}

/// An audio m-section with rtpmap/fmtp for `codecs`, ptime and direction.
fn audio_section(
    local: &LocalMedia,
    proto: &str,
    codecs: &[Codec],
    direction: Direction,
) -> MediaDescription {
    let mut attributes = Vec::new();
    for c in codecs {
        attributes.push(Attribute::value("rtpmap", c.rtpmap()));
        if let Some(f) = &c.fmtp {
            attributes.push(Attribute::value("fmtp", format!("{} {f}", c.payload_type)));
        }
    }
    if let Some(p) = local.ptime {
        attributes.push(Attribute::value("ptime", p.to_string()));
    }
    attributes.push(Attribute::flag(direction.as_str()));
    MediaDescription {
        media: "audio".into(),
        port: local.port,
        port_count: None,
        proto: proto.into(),
        formats: codecs.iter().map(|c| c.payload_type.to_string()).collect(),
        info: None,
        connections: Vec::new(),
        bandwidths: Vec::new(),
        key: None,
        attributes,
    }
}

/// An offer of one audio stream (RTP/SAVP with our crypto line if we have an SRTP key).
pub fn offer(local: &LocalMedia) -> SessionDescription {
    let mut sdp = skeleton(local, Origin::placeholder(&local.address));
    let mut codecs = local.codecs.clone();
    codecs.extend(local.telephone_event.clone());
    let proto = if local.srtp_key.is_some() {
        "RTP/SAVP"
    } else {
        "RTP/AVP"
    };
    let mut media = audio_section(local, proto, &codecs, local.direction);
    if local.rtcp_mux {
        media.attributes.push(Attribute::flag("rtcp-mux"));
    }
    if let Some(key) = &local.srtp_key {
        let c = Crypto {
            tag: 1,
            suite: AES_CM_128_HMAC_SHA1_80.into(),
            keys: vec![KeyParams::from_bytes(key)],
            session_params: Vec::new(),
        };
        media
            .attributes
            .push(Attribute::value("crypto", c.to_string()));
    }
    sdp.media.push(media);
    sdp
}

/// Reads the answer to our offer: what was agreed, from our point of view.
pub fn accept_answer(
    offer: &SessionDescription,
    answer: &SessionDescription,
) -> Result<Vec<NegotiatedStream>, SdpError> {
    if offer.media.len() != answer.media.len() {
        return Err(SdpError::AnswerMismatch("number of m-lines differs"));
    }
    let mut streams = Vec::new();
    for (index, (ours, theirs)) in offer.media.iter().zip(&answer.media).enumerate() {
        if theirs.port != 0 && ours.port != 0 {
            streams.push(accepted_stream(offer, answer, index)?);
        }
    }
    if streams.is_empty() {
        return Err(SdpError::NoAcceptableMedia);
    }
    Ok(streams)
}

fn accepted_stream(
    offer: &SessionDescription,
    answer: &SessionDescription,
    index: usize,
) -> Result<NegotiatedStream, SdpError> {
    let (ours, theirs) = (&offer.media[index], &answer.media[index]);
    let offered = ours.codecs();
    let answered = theirs.codecs();
    let codec = answered
        .iter()
        .find(|c| !c.is_telephone_event() && offered.iter().any(|o| o.same_format(c)))
        .cloned()
        .ok_or(SdpError::AnswerMismatch("answer codec was not offered"))?;
    let te = answered.iter().find(|c| c.is_telephone_event()).cloned();
    let (od, ad) = (offer.direction_of(index), answer.direction_of(index));
    let rtcp_mux = ours.rtcp_mux() && theirs.rtcp_mux();
    Ok(NegotiatedStream {
        index,
        codec,
        telephone_event: te,
        direction: Direction::new(od.sends() && ad.receives(), od.receives() && ad.sends()),
        remote_address: answer
            .connection_for(index)
            .ok_or(SdpError::Missing('c'))?
            .address
            .clone(),
        remote_port: theirs.port,
        remote_rtcp_port: rtcp_port(theirs, rtcp_mux),
        rtcp_mux,
        remote_ptime: theirs.ptime(),
        srtp: answered_keys(ours, theirs)?,
    })
}

fn answered_keys(
    ours: &MediaDescription,
    theirs: &MediaDescription,
) -> Result<Option<SrtpKeys>, SdpError> {
    if rtp_transport(&ours.proto) != Some(true) {
        return Ok(None);
    }
    let their = theirs
        .crypto()
        .into_iter()
        .next()
        .ok_or(SdpError::BadCrypto("answer has no crypto"))?;
    let mine = ours
        .crypto()
        .into_iter()
        .find(|c| c.tag == their.tag && c.suite == their.suite)
        .ok_or(SdpError::AnswerMismatch("crypto tag was not offered"))?;
    let key = |c: &Crypto| {
        c.keys
            .first()
            .ok_or(SdpError::BadCrypto("no key"))?
            .key_salt_bytes()
    };
    Ok(Some(SrtpKeys {
        suite: their.suite.clone(),
        local_key_salt: key(&mine)?,
        remote_key_salt: key(&their)?,
    }))
}

impl Origin {
    /// `- 0 0 IN IP4 <address>`, to be stamped by [`crate::LocalSdp`].
    pub fn placeholder(address: &str) -> Self {
        let c = Connection::new(address);
        Origin {
            username: "-".into(),
            session_id: "0".into(),
            session_version: 0,
            net_type: c.net_type,
            addr_type: c.addr_type,
            address: c.address,
        }
    }
}
