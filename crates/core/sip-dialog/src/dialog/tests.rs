use std::time::Duration;

use sb_types::Timestamp;

use super::*;
use crate::Error;
use crate::transaction::TimerConfig;

fn at(ms: u64) -> Timestamp {
    Timestamp::from_secs(10_000) + Duration::from_millis(ms)
}

fn seed(record_route: &[&str]) -> DialogSeed {
    DialogSeed {
        id: DialogId {
            call_id: "call-1".into(),
            local_tag: "ours".into(),
            remote_tag: "theirs".into(),
        },
        local_uri: "sip:agent@sb.example".into(),
        remote_uri: "sip:caller@carrier.example".into(),
        invite_cseq: 10,
        remote_target: "sip:caller@192.0.2.5:5060".into(),
        record_route: record_route.iter().map(|s| s.to_string()).collect(),
        secure: false,
    }
}

const P1: &str = "<sip:p1.example.com;lr>";
const P2: &str = "<sip:p2.example.com;lr>";

#[test]
fn uac_route_set_is_the_record_route_reversed_and_loose_routing_keeps_the_target() {
    let mut d = Dialog::uac(seed(&[P1, P2]), true);
    let bye = d.next_request("BYE");
    assert_eq!(bye.route, [P2, P1]);
    assert_eq!(bye.request_uri, "sip:caller@192.0.2.5:5060");
    assert_eq!(
        bye.from,
        ("sip:agent@sb.example".to_string(), "ours".to_string())
    );
    assert_eq!(
        bye.to,
        (
            "sip:caller@carrier.example".to_string(),
            "theirs".to_string()
        )
    );
}

#[test]
fn uas_route_set_keeps_the_record_route_order() {
    let mut d = Dialog::uas(seed(&[P1, P2]), true, 500);
    assert_eq!(d.next_request("BYE").route, [P1, P2]);
}

#[test]
fn strict_router_becomes_the_request_uri_and_the_target_goes_last() {
    let (ruri, routes) = route(
        &["<sip:strict.example.com;method=INVITE>".into(), P2.into()],
        "sip:t@h",
    );
    assert_eq!(ruri, "sip:strict.example.com");
    assert_eq!(routes, [P2, "sip:t@h"]);
    assert_eq!(route(&[], "sip:t@h"), ("sip:t@h".to_string(), vec![]));
}

#[test]
fn local_cseq_rises_per_request_and_ack_reuses_the_invite_cseq() {
    let mut d = Dialog::uac(seed(&[]), true);
    assert_eq!(d.ack(10).cseq, 10);
    assert_eq!(d.next_request("INFO").cseq, 11);
    assert_eq!(d.next_request("BYE").cseq, 12);
    let mut uas = Dialog::uas(seed(&[]), true, 7000);
    assert_eq!(uas.next_request("BYE").cseq, 7001);
}

#[test]
fn remote_cseq_must_rise_and_ack_or_cancel_do_not_count() {
    let mut d = Dialog::uas(seed(&[]), true, 1);
    assert_eq!(
        d.handle_request("INFO", 10, None),
        Err(Error::OutOfOrder {
            cseq: 10,
            stored: 10
        })
    );
    assert_eq!(d.handle_request("ACK", 10, None), Ok(()));
    assert_eq!(d.handle_request("INFO", 11, None), Ok(()));
    assert_eq!(
        d.handle_request("INFO", 9, None).map_err(|e| e.status()),
        Err(500)
    );
    assert_eq!(d.remote_cseq(), Some(11));
}

#[test]
fn target_refresh_requests_move_the_remote_target_and_others_do_not() {
    let mut d = Dialog::uas(seed(&[]), true, 1);
    d.handle_request("INFO", 11, Some("sip:elsewhere@h"))
        .unwrap();
    assert_eq!(d.remote_target(), "sip:caller@192.0.2.5:5060");
    d.handle_request("INVITE", 12, Some("sip:moved@198.51.100.1"))
        .unwrap();
    assert_eq!(d.remote_target(), "sip:moved@198.51.100.1");
    d.handle_refresh_response(Some("sip:again@h"));
    assert_eq!(d.next_request("BYE").request_uri, "sip:again@h");
}

#[test]
fn early_uac_dialog_takes_the_route_set_of_the_2xx() {
    let mut d = Dialog::uac(seed(&[P1]), false);
    assert_eq!(d.state(), DialogState::Early);
    d.confirm_uac(&[P1.into(), P2.into()], Some("sip:final@h"));
    assert_eq!(d.state(), DialogState::Confirmed);
    assert_eq!(d.route_set(), [P2, P1]);
    d.confirm_uac(&[], None);
    assert_eq!(
        d.route_set(),
        [P2, P1],
        "a confirmed dialog's route set is fixed"
    );
}

#[test]
fn offers_collide_with_491_and_a_second_peer_reinvite_gets_500() {
    let mut d = Dialog::uac(seed(&[]), true);
    d.begin_reinvite("INVITE").unwrap();
    assert_eq!(d.receive_reinvite(0), Err(Error::RequestPending));
    assert!(d.begin_reinvite("UPDATE").is_err(), "one of ours at a time");
    d.end_reinvite(at(0), 200, 0);
    d.receive_reinvite(0).unwrap();
    assert!(
        d.begin_reinvite("INVITE").is_err(),
        "not while theirs is in progress"
    );
    let err = d.receive_reinvite(27).unwrap_err();
    assert_eq!(
        (err.clone(), err.status()),
        (Error::InviteInProgress { retry_after: 5 }, 500)
    );
    d.answered_reinvite(at(0), 200);
    assert!(d.begin_reinvite("INVITE").is_ok());
}

#[test]
fn retry_after_491_waits_2_1_to_4_s_for_the_call_id_owner_and_up_to_2_s_otherwise() {
    for random in (0..5_000).step_by(7) {
        let mut owner = Dialog::uac(seed(&[]), true);
        owner.begin_reinvite("INVITE").unwrap();
        let ReinviteOutcome::RetryAt(t) = owner.end_reinvite(at(0), 491, random) else {
            panic!("no retry")
        };
        let wait = t.saturating_since(at(0)).as_millis();
        assert!((2_100..=4_000).contains(&wait) && wait % 10 == 0, "{wait}");
        let mut other = Dialog::uas(seed(&[]), true, 1);
        other.begin_reinvite("INVITE").unwrap();
        let ReinviteOutcome::RetryAt(t) = other.end_reinvite(at(0), 491, random) else {
            panic!("no retry")
        };
        let wait = t.saturating_since(at(0)).as_millis();
        assert!(wait <= 2_000 && wait % 10 == 0, "{wait}");
    }
}

#[test]
fn retry_event_fires_at_the_chosen_time() {
    let mut d = Dialog::uac(seed(&[]), true);
    d.begin_reinvite("INVITE").unwrap();
    let ReinviteOutcome::RetryAt(t) = d.end_reinvite(at(0), 491, 0) else {
        panic!("no retry")
    };
    assert_eq!(t, at(2_100));
    assert_eq!(d.poll_timeout(), Some(t));
    assert!(d.handle_timeout(at(2_099)).is_empty());
    assert_eq!(d.handle_timeout(t), [DialogEvent::RetryReinvite]);
    assert_eq!(d.poll_timeout(), None);
    assert_eq!(
        d.end_reinvite(at(0), 180, 0),
        ReinviteOutcome::Done,
        "provisionals change nothing"
    );
}

#[test]
fn session_interval_below_min_se_is_refused_with_422() {
    let cfg = SessionTimerConfig::default();
    let err = cfg.negotiate_uas(Some((60, None)), true).unwrap_err();
    assert_eq!(
        (err.clone(), err.status()),
        (Error::SessionIntervalTooSmall { min_se: 90 }, 422)
    );
}

#[test]
fn uas_picks_the_refresher_the_rfc_way() {
    let cfg = SessionTimerConfig::default();
    let n = |req, sup| cfg.negotiate_uas(req, sup).unwrap();
    assert_eq!(
        n(Some((600, None)), true),
        Negotiated {
            interval: 600,
            refresher: RefresherParam::Uac
        }
    );
    assert_eq!(
        n(Some((600, None)), false),
        Negotiated {
            interval: 600,
            refresher: RefresherParam::Uas
        }
    );
    let uas = Some(RefresherParam::Uas);
    assert_eq!(n(Some((600, uas)), true).refresher, RefresherParam::Uas);
    assert_eq!(
        n(None, false),
        Negotiated {
            interval: 1800,
            refresher: RefresherParam::Uas
        }
    );
    assert_eq!(
        Refresher::from_param(RefresherParam::Uac, true),
        Refresher::Local
    );
    assert_eq!(
        Refresher::from_param(RefresherParam::Uac, false),
        Refresher::Remote
    );
    assert_eq!(RefresherParam::parse(" UAS"), Some(RefresherParam::Uas));
}

#[test]
fn local_refresher_refreshes_at_half_interval_and_expires_at_the_full_one() {
    let mut d = Dialog::uac(seed(&[]), true);
    d.set_session_timer(Some(SessionTimer::new(at(0), 1800, Refresher::Local)));
    assert_eq!(d.poll_timeout(), Some(at(900_000)));
    assert_eq!(d.handle_timeout(at(900_000)), [DialogEvent::RefreshSession]);
    assert_eq!(
        d.poll_timeout(),
        Some(at(1_800_000)),
        "if the refresh fails, the session ends"
    );
    d.begin_reinvite("UPDATE").unwrap();
    d.end_reinvite(at(901_000), 200, 0);
    assert_eq!(d.poll_timeout(), Some(at(1_801_000)));
}

#[test]
fn remote_refresher_missing_its_refresh_ends_the_session_a_little_early() {
    let mut d = Dialog::uas(seed(&[]), true, 1);
    d.set_session_timer(Some(SessionTimer::new(at(0), 90, Refresher::Remote)));
    assert_eq!(
        d.poll_timeout(),
        Some(at(60_000)),
        "90 s minus min(32, 30) s"
    );
    d.receive_reinvite(0).unwrap();
    d.answered_reinvite(at(40_000), 200);
    assert_eq!(d.poll_timeout(), Some(at(100_000)));
    assert_eq!(d.handle_timeout(at(100_000)), [DialogEvent::SessionExpired]);
    assert_eq!(d.poll_timeout(), None);
    let long = SessionTimer::new(at(0), 1800, Refresher::Remote);
    assert_eq!(long.expires_at(), at(1_768_000), "1800 s minus 32 s");
}

#[test]
fn reliable_provisional_is_retransmitted_until_pracked_and_the_next_waits_its_turn() {
    let mut p = ReliableProvisionals::new(10, 77, TimerConfig::default());
    assert_eq!(p.send(at(0), |rseq| format!("183 rseq={rseq}")), 77);
    assert_eq!(p.send(at(0), |rseq| format!("180 rseq={rseq}")), 78);
    assert_eq!(p.poll_transmit().as_deref(), Some("183 rseq=77"));
    assert_eq!(
        p.poll_transmit(),
        None,
        "the second waits for the first PRACK"
    );
    let mut sent = vec![];
    for t in [500, 1_500, 3_500] {
        assert_eq!(p.poll_timeout(), Some(at(t)));
        p.handle_timeout(at(t));
        sent.extend(std::iter::from_fn(|| p.poll_transmit()));
    }
    assert_eq!(sent.len(), 3);
    assert_eq!(
        p.handle_prack(at(4_000), 78, 10, "INVITE"),
        Err(Error::NoMatchingProvisional)
    );
    assert_eq!(
        p.handle_prack(at(4_000), 77, 9, "INVITE"),
        Err(Error::NoMatchingProvisional)
    );
    p.handle_prack(at(4_000), 77, 10, "INVITE").unwrap();
    assert_eq!(p.poll_event(), Some(PrackEvent::Acknowledged(77)));
    assert_eq!(p.poll_transmit().as_deref(), Some("180 rseq=78"));
    assert_eq!(p.poll_timeout(), Some(at(4_500)));
}

#[test]
fn reliable_provisional_without_prack_times_out_after_64_t1() {
    let mut p = ReliableProvisionals::new(10, 1, TimerConfig::default());
    p.send(at(0), |_| "183");
    while let Some(t) = p.poll_timeout() {
        p.handle_timeout(t);
    }
    assert_eq!(p.poll_event(), Some(PrackEvent::Timeout(1)));
    let retransmissions = std::iter::from_fn(|| p.poll_transmit()).count();
    assert_eq!(
        retransmissions,
        1 + 6,
        "first send, then at 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s"
    );
    assert!(!p.is_pending());
}

#[test]
fn uac_pracks_reliable_provisionals_only_in_order() {
    let mut t = ProvisionalTracker::default();
    assert!(t.receive(500));
    assert!(!t.receive(500), "retransmission");
    assert!(!t.receive(502), "gap");
    assert!(t.receive(501));
}

#[test]
fn two_xx_is_retransmitted_until_the_ack_then_stops() {
    let mut w = AckWait::new(at(0), "200", false, TimerConfig::default());
    let mut times = vec![];
    while let Some(t) = w.poll_timeout().filter(|t| *t < at(12_000)) {
        w.handle_timeout(t);
        if w.poll_transmit().is_some() {
            times.push(t.saturating_since(at(0)).as_millis());
        }
    }
    assert_eq!(times, [500, 1_500, 3_500, 7_500, 11_500]);
    w.handle_ack();
    assert_eq!(
        (w.state(), w.poll_timeout()),
        (AckWaitState::Acknowledged, None)
    );
}

#[test]
fn two_xx_without_ack_times_out_after_64_t1_and_reliable_transports_do_not_retransmit() {
    let mut w = AckWait::new(at(0), "200", true, TimerConfig::default());
    assert_eq!(w.poll_timeout(), Some(at(32_000)));
    w.handle_timeout(at(32_000));
    assert_eq!(
        (w.state(), w.poll_transmit()),
        (AckWaitState::TimedOut, None)
    );
}

#[test]
fn refer_notifications_go_from_trying_to_a_terminating_final() {
    let mut n = ReferNotifier::new(42, 60);
    let first = n.initial().unwrap();
    assert_eq!(first.event, "refer;id=42");
    assert_eq!(first.state.to_string(), "active;expires=60");
    assert_eq!(first.body, "SIP/2.0 100 Trying\r\n");
    assert_eq!(
        n.progress(180, "Ringing").unwrap().state,
        ReferState::Active { expires: 60 }
    );
    let last = n.progress(200, "OK").unwrap();
    assert_eq!(last.state.to_string(), "terminated;reason=noresource");
    assert!(n.is_done() && n.progress(200, "OK").is_none());
}

#[test]
fn sipfrag_bodies_are_read_for_progress() {
    assert_eq!(
        refer_progress("SIP/2.0 180 Ringing\r\n"),
        Ok(ReferProgress::Trying(180))
    );
    assert_eq!(
        refer_progress("SIP/2.0 200 OK\r\nContact: <sip:x>\r\n"),
        Ok(ReferProgress::Succeeded)
    );
    assert_eq!(
        refer_progress("SIP/2.0 486 Busy Here"),
        Ok(ReferProgress::Failed(486))
    );
    for bad in [
        "",
        "SIP/2.0",
        "HTTP/1.1 200 OK",
        "SIP/2.0 2000 x",
        "SIP/2.0 099 x",
        "SIP/2.0 abc",
    ] {
        assert!(parse_sipfrag(bad).is_err(), "{bad}");
    }
}

#[test]
fn replaces_parses_from_a_header_and_from_an_escaped_refer_to() {
    let r = Replaces::parse("call-1@h ; to-tag=ours;from-tag=theirs;early-only").unwrap();
    assert_eq!(r.dialog_id(), seed(&[]).id.clone().with_call_id("call-1@h"));
    assert!(r.early_only);
    assert_eq!(Replaces::parse(&r.to_string()), Ok(r));
    let refer_to = "<sip:bob@h?Replaces=abc%40h%3Bto-tag%3D1%3Bfrom-tag%3D2&Other=x>";
    let r = Replaces::from_refer_to(refer_to).unwrap().unwrap();
    assert_eq!(
        (r.call_id.as_str(), r.to_tag.as_str(), r.from_tag.as_str()),
        ("abc@h", "1", "2")
    );
    assert_eq!(Replaces::from_refer_to("<sip:bob@h>"), Ok(None));
    assert!(Replaces::from_refer_to("sip:b@h?Replaces=%4").is_err());
    assert!(Replaces::parse("abc;to-tag=1").is_err());
    assert!(Replaces::parse(";to-tag=1;from-tag=2").is_err());
}

impl DialogId {
    fn with_call_id(mut self, call_id: &str) -> DialogId {
        self.call_id = call_id.into();
        self
    }
}

#[test]
fn replaces_is_honoured_only_for_a_matching_live_dialog() {
    let r = |early_only| Replaces {
        call_id: "call-1".into(),
        to_tag: "ours".into(),
        from_tag: "theirs".into(),
        early_only,
    };
    let confirmed = Dialog::uac(seed(&[]), true);
    let status = |res: Result<(), Error>| res.map_err(|e| e.status());
    assert_eq!(status(r(false).check(Some(&confirmed))), Ok(()));
    assert_eq!(status(r(true).check(Some(&confirmed))), Err(486));
    assert_eq!(status(r(false).check(None)), Err(481));
    let mut wrong_tags = r(false);
    wrong_tags.from_tag = "other".into();
    assert_eq!(status(wrong_tags.check(Some(&confirmed))), Err(481));
    let mut ended = confirmed.clone();
    ended.terminate();
    assert_eq!(status(r(false).check(Some(&ended))), Err(603));
    assert_eq!(
        status(r(true).check(Some(&Dialog::uac(seed(&[]), false)))),
        Ok(())
    );
    assert_eq!(
        status(r(false).check(Some(&Dialog::uas(seed(&[]), false, 1)))),
        Err(481)
    );
}
