//! DTMF in (RFC 4733 → MediaEvent::Dtmf) and out (RFC 4733, or in-band tones).

mod common;

use common::*;
use sb_audio::g711::Law;
use sb_audio::{DtmfDetector, DtmfDetectorConfig};
use sb_media::{EndpointSpec, MediaEvent};
use sb_rtp::telephone_event::TelephoneEvent;

#[tokio::test]
async fn an_rfc4733_digit_sent_into_a_leg_is_reported() {
    let server = server(24_500);
    let (call, mut events) = call(&server);
    let mut pa = Phone::new(Law::Mu).await;
    let a = leg(&call, "caller", Law::Mu, &pa).await;

    for (i, end) in [false, false, false, true, true, true]
        .into_iter()
        .enumerate()
    {
        let event = TelephoneEvent {
            event: 5,
            end,
            volume: 10,
            duration: 160 * (i as u16 + 1),
        };
        pa.send(a.local, 101, &event.to_bytes(), i == 0).await;
    }
    let expected = MediaEvent::Dtmf {
        endpoint: a.id,
        digit: '5',
    };
    assert_eq!(next_event(&mut events).await, Some(expected));
    let quiet = tokio::time::timeout(std::time::Duration::from_millis(100), events.recv()).await;
    assert!(quiet.is_err(), "one report per digit: {quiet:?}");
}

#[tokio::test]
async fn send_dtmf_uses_telephone_events_when_negotiated() {
    let server = server(24_600);
    let (call, _events) = call(&server);
    let mut pa = Phone::new(Law::Mu).await;
    let a = leg(&call, "caller", Law::Mu, &pa).await;

    call.send_dtmf(a.id, '7', 100).await.unwrap();
    let mut ends = 0;
    while ends == 0 {
        let heard = pa.recv().await.expect("telephone-event packets");
        assert_eq!(heard.header.payload_type, 101);
        let event = TelephoneEvent::parse(&heard.payload).unwrap();
        assert_eq!(event.event, 7);
        ends += usize::from(event.end);
    }
}

#[tokio::test]
async fn send_dtmf_plays_in_band_tones_without_telephone_events() {
    let server = server(24_700);
    let (call, _events) = call(&server);
    let mut pa = Phone::new(Law::Mu).await;
    let mut spec = EndpointSpec::pcmu("caller", Some(pa.addr()));
    spec.telephone_event_pt = None;
    let a = call.add_endpoint(spec).await.unwrap();

    call.send_dtmf(a.id, '7', 100).await.unwrap();
    let heard = pa.recv_n(5).await;
    assert!(heard.iter().all(|h| h.header.payload_type == 0));
    let mut detector = DtmfDetector::new(DtmfDetectorConfig::default());
    detector.push(&decode(&heard, Law::Mu));
    let digit = detector.poll_event().map(|e| e.digit);
    assert_eq!(digit, Some('7'));
}

#[tokio::test]
async fn an_unknown_dtmf_character_is_refused() {
    let server = server(24_800);
    let (call, _events) = call(&server);
    let pa = Phone::new(Law::Mu).await;
    let a = leg(&call, "caller", Law::Mu, &pa).await;
    let err = call.send_dtmf(a.id, 'x', 100).await.unwrap_err();
    assert!(matches!(err, sb_media::MediaError::Invalid(_)), "{err}");
}
