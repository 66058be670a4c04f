//! Admission control (endpoints, and the runtime's lateness for new calls), port exhaustion and
//! reuse, media timeout.

mod common;

use std::time::Duration;

use common::*;
use sb_audio::g711::Law;
use sb_media::{EndpointSpec, MediaConfig, MediaError, MediaEvent};

fn config(base: u16, ports: u16, max_endpoints: usize) -> MediaConfig {
    MediaConfig {
        bind_ip: LOCALHOST,
        port_min: base,
        port_max: base + ports - 1,
        max_endpoints,
        admission_lag: None,
        ..MediaConfig::default()
    }
}

#[tokio::test]
async fn admission_control_refuses_endpoints_past_the_limit() {
    let server = server_with(config(25_200, 100, 2));
    let (call, _events) = call(&server);
    let spec = || EndpointSpec::pcmu("leg", None);
    let a = call.add_endpoint(spec()).await.unwrap();
    let (other_call, _other_events) = common::call(&server);
    other_call.add_endpoint(spec()).await.unwrap();

    let err = call.add_endpoint(spec()).await.unwrap_err();
    assert!(
        matches!(
            err,
            MediaError::AtCapacity {
                active: 2,
                limit: 2
            }
        ),
        "{err}"
    );
    assert!(err.retry());
    assert_eq!(server.active_endpoints(), 2);

    call.remove_endpoint(a.id).await.unwrap();
    call.add_endpoint(spec()).await.expect("room again");
}

#[tokio::test(flavor = "current_thread")]
async fn a_runtime_that_runs_late_refuses_new_calls_but_not_legs_of_calls_already_up() {
    let base = free_port_range(10);
    let server = server_with(MediaConfig {
        admission_lag: Some(Duration::from_millis(20)),
        ..config(base, 10, 100)
    });
    let spec = || EndpointSpec::pcmu("leg", None);
    let (up, _events) = call(&server);
    up.add_endpoint(spec())
        .await
        .expect("a quiet runtime admits");
    // Something hogs the runtime's only thread: the lateness probe wakes 80 ms late, ten times
    // (more than 1 % of its 5 s window).
    for _ in 0..10 {
        std::thread::sleep(Duration::from_millis(80));
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
    assert!(
        server.lag_p99() >= Duration::from_millis(60),
        "measured {:?}",
        server.lag_p99()
    );
    let (fresh, _fresh_events) = call(&server);
    let err = fresh.add_endpoint(spec()).await.unwrap_err();
    assert!(
        matches!(err, MediaError::Overloaded { limit, .. } if limit == Duration::from_millis(20)),
        "{err}"
    );
    assert!(err.retry(), "worth trying again once the load is gone");
    up.add_endpoint(spec())
        .await
        .expect("a call already up still gets its next leg (an agent, a transfer)");
}

#[tokio::test]
async fn exhausted_ports_are_reported_and_reused_after_removal() {
    let base = free_port_range(4);
    let server = server_with(config(base, 4, 100));
    let (call, _events) = call(&server);
    let spec = || EndpointSpec::pcmu("leg", None);
    let a = call.add_endpoint(spec()).await.unwrap();
    let b = call.add_endpoint(spec()).await.unwrap();
    assert_ne!(a.local.port(), b.local.port());
    assert!([a.local.port(), b.local.port()].iter().all(|p| p % 2 == 0));

    let err = call.add_endpoint(spec()).await.unwrap_err();
    assert!(matches!(err, MediaError::PortsExhausted { .. }), "{err}");
    assert_eq!(
        server.active_endpoints(),
        2,
        "the refused endpoint holds no place"
    );

    call.remove_endpoint(a.id).await.unwrap();
    let c = call.add_endpoint(spec()).await.unwrap();
    assert_eq!(c.local.port(), a.local.port());
    call.close().await.unwrap();
    let closed = call.add_endpoint(spec()).await.unwrap_err();
    assert!(matches!(closed, MediaError::CallClosed));
    assert_eq!(server.ports_in_use(), 0, "closing the call frees its ports");
}

#[tokio::test]
async fn a_silent_endpoint_times_out() {
    let server = server_with(MediaConfig {
        media_timeout: Duration::from_millis(300),
        ..config(25_300, 100, 10)
    });
    let (call, mut events) = call(&server);
    let mut pa = Phone::new(Law::Mu).await;
    let a = leg(&call, "caller", Law::Mu, &pa).await;
    pa.send(a.local, 0, &[0xFF; 160], false).await;

    let expected = MediaEvent::Timeout { endpoint: a.id };
    assert_eq!(next_event(&mut events).await, Some(expected));
}

/// `n` consecutive free ports starting at an even one, found by asking the OS.
fn free_port_range(n: u16) -> u16 {
    use std::net::UdpSocket;
    for _ in 0..50 {
        let probe = UdpSocket::bind((LOCALHOST, 0)).expect("bind");
        let port = probe.local_addr().expect("addr").port() & !1;
        drop(probe);
        if port < 60_000 && (port..port + n).all(|p| UdpSocket::bind((LOCALHOST, p)).is_ok()) {
            return port;
        }
    }
    panic!("no free port range");
}

#[tokio::test]
async fn a_peer_on_hold_stays_silent_without_timing_out_until_it_says_it_sends_again() {
    let server = server_with(MediaConfig {
        media_timeout: Duration::from_millis(300),
        ..config(25_400, 100, 10)
    });
    let (call, mut events) = call(&server);
    let (mut pa, mut pb) = (Phone::new(Law::Mu).await, Phone::new(Law::Mu).await);
    let held = leg(&call, "agent", Law::Mu, &pa).await;
    call.expect_media(held.id, false).await.unwrap();
    let other = leg(&call, "caller", Law::Mu, &pb).await;
    pa.send(held.local, 0, &[0xFF; 160], false).await;
    pb.send(other.local, 0, &[0xFF; 160], false).await;

    let first = MediaEvent::Timeout { endpoint: other.id };
    assert_eq!(
        next_event(&mut events).await,
        Some(first),
        "the held leg is not the one"
    );
    call.expect_media(held.id, true).await.unwrap();
    let resumed = MediaEvent::Timeout { endpoint: held.id };
    assert_eq!(next_event(&mut events).await, Some(resumed));
}
