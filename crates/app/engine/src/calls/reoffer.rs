//! Re-offers inside an established leg (RFC 3264 § 8): a phone that holds (`sendonly`,
//! `inactive`, or the old `c=0.0.0.0`) or resumes, a carrier's session refresh (RFC 4028), a
//! re-INVITE without a body. Our side stays what it was (address, port, codec, SRTP key); the
//! answer mirrors the offered direction, and our `o=` version moves only when what we say
//! changes. A re-offer we cannot answer (another codec than the leg's, or any re-offer on a
//! browser leg whose description was our offer) gets a 488 and leaves the session as it was
//! (RFC 3261 § 14.2).

use bytes::Bytes;
use sb_sdp::{Codec, LocalMedia, SessionDescription};
use sb_sip::{HeaderName, MediaType, Method, Request, Response, StatusCode};

use crate::calls::sdp::is_webrtc;

/// The answer to a request inside a leg's dialog.
pub struct Answered {
    /// What to send back.
    pub response: Response,
    /// Whether the peer says it sends media now (`None`: unchanged, or not a re-offer).
    pub peer_sends: Option<bool>,
}

/// Answers `request` (any method but BYE and REFER, which the call handles itself); `ours` is
/// the description we last sent on the leg, and becomes the answer sent now.
pub fn answer(request: &Request, ours: Option<&mut SessionDescription>) -> Answered {
    let reoffer = matches!(request.method(), Method::Invite | Method::Update);
    let plain = |status| Answered {
        response: request.make_response(status, None),
        peer_sends: None,
    };
    if !reoffer {
        return plain(StatusCode::OK);
    }
    let Some(ours) = ours else {
        return refused(request, "this leg takes no re-offers");
    };
    if request.body().is_empty() {
        // No offer: an UPDATE refreshes the session; a re-INVITE asks for our offer (the
        // answer comes in the ACK, and changes nothing on our side).
        if *request.method() == Method::Update {
            return plain(StatusCode::OK);
        }
        return with_sdp(request, ours, None);
    }
    let Ok(offer) = sb_sdp::parse_bytes(request.body()) else {
        return refused(request, "the SDP offer does not parse");
    };
    if is_webrtc_offer(ours) {
        return refused(
            request,
            "re-offers on a browser leg are not taken: hold from the app",
        );
    }
    if is_webrtc(&offer) || is_webrtc(ours) {
        // A browser's answer of ours stands as it is: same ICE and DTLS, no restart.
        return with_sdp(request, ours, None);
    }
    let Some(local) = local_of(ours) else {
        return refused(request, "the leg's own description is unknown");
    };
    let Ok(answer) = sb_sdp::answer(&offer, &local) else {
        return refused(request, "the re-offer drops the leg's codec");
    };
    let peer_sends = answer
        .streams
        .first()
        .is_some_and(|s| s.direction.receives());
    let mut sdp = answer.sdp;
    sdp.origin = ours.origin.clone();
    if !same_body(&sdp, ours) {
        sdp.origin.session_version = ours.origin.session_version.saturating_add(1);
    }
    *ours = sdp;
    with_sdp(request, ours, Some(peer_sends))
}

/// Our offer on a leg narrowed to what the peer's answer agreed (its codec and
/// telephone-event), so that a later re-offer keeps that codec; the version moves, since this
/// is no longer what the peer saw.
pub fn agreed(
    mut ours: SessionDescription,
    stream: &sb_sdp::NegotiatedStream,
) -> SessionDescription {
    let keep: Vec<String> = std::iter::once(stream.codec.payload_type)
        .chain(stream.telephone_event.as_ref().map(|c| c.payload_type))
        .map(|pt| pt.to_string())
        .collect();
    let Some(m) = ours.media.get_mut(stream.index) else {
        return ours;
    };
    m.formats.retain(|f| keep.contains(f));
    m.attributes.retain(|a| {
        let per_format = ["rtpmap", "fmtp"]
            .iter()
            .any(|n| a.name.eq_ignore_ascii_case(n));
        let format = a.value.as_deref().and_then(|v| v.split_whitespace().next());
        !per_format || format.is_some_and(|f| keep.iter().any(|k| k == f))
    });
    ours.origin.session_version = ours.origin.session_version.saturating_add(1);
    ours
}

/// A 200 carrying `sdp`.
fn with_sdp(request: &Request, sdp: &SessionDescription, peer_sends: Option<bool>) -> Answered {
    let mut response = request.make_response(StatusCode::OK, None);
    response.set_body(
        Some(&MediaType::new("application", "sdp")),
        Bytes::from(sdp.to_string()),
    );
    Answered {
        response,
        peer_sends,
    }
}

/// A 488 saying why; the session stays as it was.
fn refused(request: &Request, why: &str) -> Answered {
    let mut response = request.make_response(StatusCode::NOT_ACCEPTABLE_HERE, None);
    response
        .headers_mut()
        .push(HeaderName::Warning, format!("399 switchboard \"{why}\""));
    Answered {
        response,
        peer_sends: None,
    }
}

/// What we offered or answered on the leg, as media to answer with: its address, port, codec,
/// telephone-event and SRTP key, nothing else.
fn local_of(ours: &SessionDescription) -> Option<LocalMedia> {
    let m = ours.media.iter().find(|m| m.port != 0)?;
    let address = ours
        .connection_for(0)
        .map(|c| c.address.clone())
        .or_else(|| ours.connection.as_ref().map(|c| c.address.clone()))?;
    let codecs: Vec<Codec> = m.codecs();
    let codec = codecs.iter().find(|c| !c.is_telephone_event())?.clone();
    let mut local = LocalMedia::g711(&address, m.port);
    local.codecs = vec![codec];
    local.telephone_event = codecs.into_iter().find(Codec::is_telephone_event);
    local.rtcp_mux = m.rtcp_mux();
    local.ptime = m.ptime();
    local.srtp_key = m
        .crypto()
        .first()
        .and_then(|c| c.keys.first())
        .and_then(|k| k.key_salt_bytes().ok());
    Some(local)
}

/// Whether two descriptions say the same but for their origin.
fn same_body(a: &SessionDescription, b: &SessionDescription) -> bool {
    let mut a = a.clone();
    a.origin = b.origin.clone();
    a == *b
}

/// Our description is a WebRTC offer of ours (`a=setup:actpass`), which cannot stand as an
/// answer.
fn is_webrtc_offer(ours: &SessionDescription) -> bool {
    is_webrtc(ours)
        && ours.media.iter().any(|m| {
            m.attribute("setup")
                .and_then(|a| a.value.as_deref())
                .is_some_and(|v| v.eq_ignore_ascii_case("actpass"))
        })
}

#[cfg(test)]
mod tests;
