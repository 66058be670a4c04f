//! Lending an endpoint to another call (an agent's persistent line), over real UDP on
//! 127.0.0.1.

mod common;

use common::*;
use sb_audio::g711::Law;
use sb_media::MediaEvent;

#[tokio::test]
async fn a_lent_line_carries_each_calls_audio_and_goes_home_between_calls() {
    let server = server(27_500);
    let (line, mut line_events) = call(&server);
    let mut agent = Phone::new(Law::Mu).await;
    let l = leg(&line, "line", Law::Mu, &agent).await;
    // The agent's phone talks on the line before any call: it latches there.
    for frame in tone_frames(500.0, 3) {
        agent.send_frame(l.local, &frame).await;
    }
    assert!(matches!(
        tokio::time::timeout(WAIT, line_events.recv()).await,
        Ok(Some(MediaEvent::Latched { .. }))
    ));

    let mut sequences = Vec::new();
    for (n, tone) in [(1, 1000.0), (2, 700.0)] {
        let (c, _events) = call(&server);
        let mut caller = Phone::new(Law::Mu).await;
        let a = leg(&c, &format!("caller {n}"), Law::Mu, &caller).await;
        line.lend(l.id, &c).await.expect("lent");
        assert!(line.stats(l.id).await.is_err(), "the line is away");
        c.connect(a.id, l.id)
            .await
            .expect("the lent endpoint is the call's");

        for frame in tone_frames(tone, 25) {
            caller.send_frame(a.local, &frame).await;
        }
        let heard = agent.recv_n(25).await;
        assert_eq!(heard.len(), 25, "call {n}: the agent hears the caller");
        assert_freq(&decode(&heard, Law::Mu), tone);
        sequences.extend(heard.iter().map(|h| h.header.sequence));
        for frame in tone_frames(tone, 25) {
            agent.send_frame(l.local, &frame).await;
        }
        let back = caller.recv_n(25).await;
        assert_eq!(
            back.len(),
            25,
            "call {n}: the caller hears the agent (same port)"
        );

        // The call ends: the line comes home and stays up.
        c.close().await.expect("closed");
        let stats = wait_home(&line, l.id).await;
        assert_eq!(
            stats.latched,
            Some(agent.addr()),
            "still latched on the phone"
        );
    }
    assert!(
        sequences.windows(2).all(|w| w[1] == w[0].wrapping_add(1)),
        "the agent's phone hears one continuous stream across calls: {sequences:?}"
    );
}

#[tokio::test]
async fn a_removed_loan_comes_home_and_a_closed_home_closes_the_loan() {
    let server = server(27_600);
    let (line, _line_events) = call(&server);
    let agent = Phone::new(Law::Mu).await;
    let l = leg(&line, "line", Law::Mu, &agent).await;
    let (c, _events) = call(&server);

    assert!(
        c.lend(l.id, &line).await.is_err(),
        "only the call holding an endpoint can lend it"
    );
    line.lend(l.id, &c).await.expect("lent");
    assert!(
        c.lend(l.id, &line).await.is_err(),
        "a borrower cannot lend it on"
    );
    c.remove_endpoint(l.id)
        .await
        .expect("removed from the call");
    wait_home(&line, l.id).await;
    assert_eq!(server.ports_in_use(), 1, "the line keeps its port");

    // The line closes while lent: the endpoint closes when the call lets it go.
    line.lend(l.id, &c).await.expect("lent again");
    line.close().await.expect("line closed");
    drop(line);
    assert_eq!(server.ports_in_use(), 1, "in use by the call");
    c.remove_endpoint(l.id).await.expect("removed");
    assert_eq!(
        server.ports_in_use(),
        0,
        "closed, not sent to a closed home"
    );
}

#[tokio::test]
async fn lending_to_a_closed_call_keeps_the_endpoint_home() {
    let server = server(27_700);
    let (line, _line_events) = call(&server);
    let agent = Phone::new(Law::Mu).await;
    let l = leg(&line, "line", Law::Mu, &agent).await;
    let (c, _events) = call(&server);
    c.close().await.expect("closed");
    assert!(line.lend(l.id, &c).await.is_err());
    wait_home(&line, l.id).await;
}

/// Waits until `id` is back in `line` and returns its figures there.
async fn wait_home(
    line: &sb_media::CallMedia,
    id: sb_media::EndpointId,
) -> sb_media::EndpointStats {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Ok(stats) = line.stats(id).await {
            return stats;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{id} did not come home"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}
