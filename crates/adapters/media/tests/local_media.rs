//! Media made by the server: conference mixing and prompts.

mod common;

use common::*;
use sb_audio::g711::Law;
use sb_audio::tone_power_ratio;
use sb_media::MediaEvent;
use sb_media::player::Prompt;

#[tokio::test]
async fn in_a_conference_of_three_each_hears_the_other_two() {
    let server = server(24_900);
    let (call, _events) = call(&server);
    let freqs = [600.0, 1000.0, 1400.0];
    let mut phones = Vec::new();
    let mut ids = Vec::new();
    for (i, _) in freqs.iter().enumerate() {
        let phone = Phone::new(Law::Mu).await;
        let info = leg(&call, &format!("party-{i}"), Law::Mu, &phone).await;
        ids.push(info.id);
        phones.push((phone, info.local));
    }
    call.conference(ids).await.unwrap();

    let mut tasks = Vec::new();
    for ((mut phone, local), freq) in phones.into_iter().zip(freqs) {
        tasks.push(tokio::spawn(async move {
            let frames = tone_frames(freq, 40);
            let mut sender = phone.sender();
            let send = send_paced(&mut sender, local, &frames);
            let (_, heard) = tokio::join!(send, phone.recv_n(40));
            decode(&heard, Law::Mu)
        }));
    }
    for (i, task) in tasks.into_iter().enumerate() {
        let heard = task.await.unwrap();
        assert!(
            heard.len() >= 30 * 160,
            "party {i} heard {} samples",
            heard.len()
        );
        let tail = &heard[heard.len() - 20 * 160..];
        for (j, freq) in freqs.iter().enumerate() {
            let ratio = tone_power_ratio(tail, *freq, 8000);
            if i == j {
                assert!(ratio < 0.05, "party {i} hears itself: {ratio:.3}");
            } else {
                assert!(ratio > 0.25, "party {i} hears party {j}: {ratio:.3}");
            }
        }
    }
}

#[tokio::test]
async fn a_prompt_reaches_the_endpoint_and_its_end_is_reported() {
    let server = server(25_000);
    let (call, mut events) = call(&server);
    let mut pa = Phone::new(Law::Mu).await;
    let a = leg(&call, "caller", Law::Mu, &pa).await;
    let samples: Vec<i16> = tone_frames(1000.0, 10).concat();
    let prompt = Prompt::from_samples("beep", samples);

    call.play(a.id, prompt, false).await.unwrap();
    let heard = pa.recv_n(10).await;
    assert_eq!(heard.len(), 10);
    assert_freq(&decode(&heard, Law::Mu), 1000.0);
    let done = MediaEvent::PlayFinished { endpoint: a.id };
    assert_eq!(next_event(&mut events).await, Some(done));
}

#[tokio::test]
async fn a_prompt_replaces_the_peer_audio_while_it_plays() {
    let server = server(25_100);
    let (call, _events) = call(&server);
    let (mut pa, mut pb) = (Phone::new(Law::Mu).await, Phone::new(Law::Mu).await);
    let a = leg(&call, "caller", Law::Mu, &pa).await;
    let b = leg(&call, "agent", Law::Mu, &pb).await;
    call.connect(a.id, b.id).await.unwrap();
    let hold_music = Prompt::from_samples("moh", tone_frames(500.0, 5).concat());

    call.play(a.id, hold_music, true).await.unwrap();
    let frames = tone_frames(1000.0, 15);
    let send = send_paced(&mut pb, b.local, &frames);
    let (_, heard) = tokio::join!(send, pa.recv_n(15));
    assert_freq(&decode(&heard, Law::Mu), 500.0);
    assert_eq!(
        heard
            .iter()
            .map(|h| h.header.ssrc)
            .collect::<std::collections::HashSet<_>>()
            .len(),
        1
    );
}
