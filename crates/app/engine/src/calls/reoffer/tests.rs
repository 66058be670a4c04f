use super::*;

fn request(method: &str, body: &str) -> Request {
    let content = match body.is_empty() {
        true => String::new(),
        false => "Content-Type: application/sdp\r\n".into(),
    };
    let text = format!(
        "{method} sip:sb@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.2:5070;branch=z9hG4bK-7\r\n\
         From: <sip:agent@127.0.0.1>;tag=p\r\nTo: <sip:sb@127.0.0.1>;tag=s\r\nCall-ID: c7\r\n\
         CSeq: 2 {method}\r\nMax-Forwards: 70\r\n{content}Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    match sb_sip::parse(text.into_bytes()) {
        Ok(sb_sip::Message::Request(r)) => r,
        other => panic!("{other:?}"),
    }
}

fn phone_offer(direction: &str, address: &str, formats: &str) -> String {
    format!(
        "v=0\r\no=phone 9 2 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 {address}\r\nt=0 0\r\n\
         m=audio 40000 RTP/AVP {formats} 101\r\na=rtpmap:101 telephone-event/8000\r\na={direction}\r\n"
    )
}

/// What we sent the leg first: an answer with PCMA at 127.0.0.1:10002.
fn ours() -> SessionDescription {
    let offer = sb_sdp::parse(&phone_offer("sendrecv", "127.0.0.2", "8 0")).unwrap();
    let stream = crate::calls::sdp::negotiate_offer(&offer).unwrap();
    let local = crate::calls::sdp::answer_media([127, 0, 0, 1].into(), 10_002, &stream);
    sb_sdp::answer(&offer, &local).unwrap().sdp
}

fn body(a: &Answered) -> SessionDescription {
    sb_sdp::parse_bytes(a.response.body()).expect("an SDP answer")
}

#[test]
fn a_phone_holding_and_resuming_hears_its_direction_mirrored_on_the_same_port_and_codec() {
    let mut sdp = ours();
    let first = sdp.origin.session_version;
    let held = answer(
        &request("INVITE", &phone_offer("sendonly", "127.0.0.2", "8")),
        Some(&mut sdp),
    );
    assert_eq!(held.response.status(), StatusCode::OK);
    assert_eq!(
        held.peer_sends,
        Some(true),
        "a sendonly phone plays its music"
    );
    let a = body(&held);
    assert_eq!(a.direction_of(0), sb_sdp::Direction::RecvOnly);
    assert_eq!(
        (a.media[0].port, a.media[0].formats[0].as_str()),
        (10_002, "8")
    );
    assert_eq!(a.origin.session_version, first + 1);
    assert_eq!(a.origin.session_id, ours().origin.session_id);

    let silent = answer(
        &request("INVITE", &phone_offer("inactive", "127.0.0.2", "8")),
        Some(&mut sdp),
    );
    assert_eq!(silent.peer_sends, Some(false));
    assert_eq!(body(&silent).direction_of(0), sb_sdp::Direction::Inactive);
    assert_eq!(body(&silent).origin.session_version, first + 2);

    let resumed = answer(
        &request("INVITE", &phone_offer("sendrecv", "127.0.0.2", "8 0")),
        Some(&mut sdp),
    );
    assert_eq!(resumed.peer_sends, Some(true));
    assert_eq!(body(&resumed).direction_of(0), sb_sdp::Direction::SendRecv);
    assert_eq!(body(&resumed).origin.session_version, first + 3);
}

#[test]
fn a_session_refresh_that_changes_nothing_keeps_our_version() {
    let mut sdp = ours();
    let version = sdp.origin.session_version;
    let refresh = answer(
        &request("INVITE", &phone_offer("sendrecv", "127.0.0.2", "8 0")),
        Some(&mut sdp),
    );
    assert_eq!(body(&refresh).origin.session_version, version);
    assert_eq!(body(&refresh), ours());
}

#[test]
fn an_old_style_hold_address_is_answered_and_the_phone_still_counts_as_sending() {
    let mut sdp = ours();
    let held = answer(
        &request("INVITE", &phone_offer("sendrecv", "0.0.0.0", "8")),
        Some(&mut sdp),
    );
    assert_eq!(held.response.status(), StatusCode::OK);
    assert_eq!(body(&held).direction_of(0), sb_sdp::Direction::RecvOnly);
    assert_eq!(held.peer_sends, Some(true));
}

#[test]
fn a_re_offer_without_the_legs_codec_is_refused_and_changes_nothing() {
    let mut sdp = ours();
    let refused = answer(
        &request("INVITE", &phone_offer("sendonly", "127.0.0.2", "0")),
        Some(&mut sdp),
    );
    assert_eq!(refused.response.status(), StatusCode::NOT_ACCEPTABLE_HERE);
    assert!(refused.peer_sends.is_none());
    assert_eq!(sdp, ours());
    let garbage = answer(&request("UPDATE", "v=banana\r\n"), Some(&mut sdp));
    assert_eq!(garbage.response.status(), StatusCode::NOT_ACCEPTABLE_HERE);
    assert_eq!(sdp, ours());
}

#[test]
fn requests_without_an_offer_get_our_description_or_a_plain_ok() {
    let mut sdp = ours();
    let asks = answer(&request("INVITE", ""), Some(&mut sdp));
    assert_eq!(body(&asks), ours(), "an offerless re-INVITE gets our offer");
    let refresh = answer(&request("UPDATE", ""), Some(&mut sdp));
    assert!(refresh.response.body().is_empty());
    let info = answer(&request("INFO", ""), None);
    assert_eq!(info.response.status(), StatusCode::OK);
    let nothing = answer(&request("INVITE", ""), None);
    assert_eq!(nothing.response.status(), StatusCode::NOT_ACCEPTABLE_HERE);
}

#[test]
fn an_srtp_leg_answers_a_re_offer_with_the_key_it_already_uses() {
    let raw = "v=0\r\no=- 1 1 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\n\
               m=audio 40000 RTP/SAVP 0\r\n\
               a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n";
    let offer = sb_sdp::parse(raw).unwrap();
    let stream = crate::calls::sdp::negotiate_offer(&offer).unwrap();
    let local = crate::calls::sdp::answer_media([127, 0, 0, 1].into(), 10_004, &stream);
    let mut sdp = sb_sdp::answer(&offer, &local).unwrap().sdp;
    let key = sdp.media[0].crypto()[0].keys[0].key_salt.clone();
    let held = format!("{raw}a=sendonly\r\n");
    let a = answer(&request("INVITE", &held), Some(&mut sdp));
    assert_eq!(a.response.status(), StatusCode::OK);
    assert_eq!(body(&a).media[0].crypto()[0].keys[0].key_salt, key);
}

#[test]
fn a_browser_leg_we_offered_refuses_re_offers_and_one_we_answered_repeats_its_answer() {
    let offer = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n\
                 m=audio 9 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 127.0.0.1\r\na=setup:actpass\r\n";
    let mut ours_offer = sb_sdp::parse(offer).unwrap();
    let r = answer(
        &request("INVITE", &phone_offer("sendonly", "127.0.0.2", "0")),
        Some(&mut ours_offer),
    );
    assert_eq!(r.response.status(), StatusCode::NOT_ACCEPTABLE_HERE);
    let mut ours_answer = sb_sdp::parse(&offer.replace("actpass", "passive")).unwrap();
    let before = ours_answer.clone();
    let browser = offer.replace("actpass", "active");
    let r = answer(&request("INVITE", &browser), Some(&mut ours_answer));
    assert_eq!(r.response.status(), StatusCode::OK);
    assert_eq!(body(&r), before);
}

#[test]
fn a_leg_we_offered_keeps_the_codec_its_answer_chose_through_re_offers() {
    let local = crate::calls::sdp::offer_media([127, 0, 0, 1].into(), 10_006, 0, false);
    let offer = sb_sdp::offer(&local);
    let phone_answer = sb_sdp::parse(&phone_offer("sendrecv", "127.0.0.2", "8")).unwrap();
    let streams = sb_sdp::accept_answer(&offer, &phone_answer).unwrap();
    let mut sdp = agreed(offer.clone(), &streams[0]);
    assert_eq!(sdp.media[0].formats, ["8", "101"]);
    assert!(sdp.media[0].codecs().iter().all(|c| c.payload_type != 0));
    assert_eq!(sdp.origin.session_version, offer.origin.session_version + 1);
    let held = answer(
        &request("INVITE", &phone_offer("sendonly", "127.0.0.2", "0 8")),
        Some(&mut sdp),
    );
    assert_eq!(held.response.status(), StatusCode::OK);
    assert_eq!(body(&held).media[0].formats, ["8", "101"], "PCMA stays");
    assert_eq!(body(&held).media[0].port, 10_006);
}
