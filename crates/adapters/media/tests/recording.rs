//! Recording a relayed call: caller on the left channel, agent on the right.

mod common;

use common::*;
use sb_audio::g711::Law;

#[tokio::test]
async fn both_directions_are_recorded_in_their_own_channel() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("call.wav");
    let server = server(25_400);
    let (call, _events) = call(&server);
    let (mut pa, mut pb) = (Phone::new(Law::Mu).await, Phone::new(Law::Mu).await);
    let a = leg(&call, "caller", Law::Mu, &pa).await;
    let b = leg(&call, "agent", Law::Mu, &pb).await;
    call.connect(a.id, b.id).await.unwrap();
    call.record_start(path.clone(), a.id).await.unwrap();

    let (caller_tone, agent_tone) = (tone_frames(1000.0, 40), tone_frames(500.0, 40));
    tokio::join!(
        send_paced(&mut pa, a.local, &caller_tone),
        send_paced(&mut pb, b.local, &agent_tone),
    );
    let info = call.record_stop().await.unwrap();
    assert!(info.frames >= 30, "{} frames", info.frames);

    let mut reader = hound::WavReader::open(&path).unwrap();
    assert_eq!(reader.spec().channels, 2);
    let samples: Vec<i16> = reader.samples::<i16>().map(Result::unwrap).collect();
    let left: Vec<i16> = samples.iter().step_by(2).copied().collect();
    let right: Vec<i16> = samples.iter().skip(1).step_by(2).copied().collect();
    let middle = |s: &[i16]| s[s.len() / 4..s.len() * 3 / 4].to_vec();
    assert_freq(&middle(&left), 1000.0);
    assert_freq(&middle(&right), 500.0);
}

#[tokio::test]
async fn the_right_channel_follows_the_agent_side_through_a_transfer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("transferred.wav");
    let server = server(26_400);
    let (call, _events) = call(&server);
    let (mut pa, mut pb, mut pc) = (
        Phone::new(Law::Mu).await,
        Phone::new(Law::Mu).await,
        Phone::new(Law::Mu).await,
    );
    let a = leg(&call, "caller", Law::Mu, &pa).await;
    let b = leg(&call, "agent", Law::Mu, &pb).await;
    call.connect(a.id, b.id).await.unwrap();
    call.record_start(path.clone(), a.id).await.unwrap();
    let caller_tone = tone_frames(1000.0, 30);
    let (first, second) = (tone_frames(500.0, 30), tone_frames(1500.0, 30));
    tokio::join!(
        send_paced(&mut pa, a.local, &caller_tone),
        send_paced(&mut pb, b.local, &first),
    );
    // Agent 1 leaves; agent 2's leg joins after the recording began.
    call.remove_endpoint(b.id).await.unwrap();
    let c = leg(&call, "agent2", Law::Mu, &pc).await;
    call.connect(a.id, c.id).await.unwrap();
    tokio::join!(
        send_paced(&mut pa, a.local, &caller_tone),
        send_paced(&mut pc, c.local, &second),
    );
    call.record_stop().await.unwrap();

    let mut reader = hound::WavReader::open(&path).unwrap();
    let samples: Vec<i16> = reader.samples::<i16>().map(Result::unwrap).collect();
    let right: Vec<i16> = samples.iter().skip(1).step_by(2).copied().collect();
    let n = right.len();
    assert!(n > 8000, "{n} samples");
    assert_freq(&right[n / 8..n * 3 / 8], 500.0);
    assert_freq(&right[n * 5 / 8..n * 7 / 8], 1500.0);
}

#[tokio::test]
async fn recording_commands_without_a_recording_are_refused() {
    let server = server(25_500);
    let (call, _events) = call(&server);
    let err = call.record_stop().await.unwrap_err();
    assert!(matches!(err, sb_media::MediaError::NotRecording));
    assert!(call.record_pause().await.is_err());
}

#[tokio::test]
async fn an_existing_file_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("taken.wav");
    std::fs::write(&path, b"keep me").unwrap();
    let server = server(25_800);
    let (call, _events) = call(&server);
    let pa = Phone::new(Law::Mu).await;
    let a = leg(&call, "caller", Law::Mu, &pa).await;

    let err = call.record_start(path.clone(), a.id).await.unwrap_err();
    assert!(matches!(err, sb_media::MediaError::File { .. }), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), b"keep me");
}

#[tokio::test]
async fn a_message_records_the_caller_alone_in_mono_and_reports_talk() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("message.wav");
    let server = server(26_600);
    let (call, mut events) = call(&server);
    let mut pa = Phone::new(Law::Mu).await;
    let a = leg(&call, "caller", Law::Mu, &pa).await;
    call.record_message(path.clone(), a.id).await.unwrap();

    let mut frames = tone_frames(1000.0, 40);
    frames.extend(std::iter::repeat_n([0i16; 160], 40));
    send_paced(&mut pa, a.local, &frames).await;
    let talk = [next_event(&mut events).await, next_event(&mut events).await];
    let info = call.record_stop().await.unwrap();

    let expected = |talking| {
        Some(sb_media::MediaEvent::Talk {
            endpoint: a.id,
            talking,
        })
    };
    assert_eq!(talk, [expected(true), expected(false)]);
    assert_eq!(info.bytes, 44 + info.frames * 320, "one channel");
    let mut reader = hound::WavReader::open(&path).unwrap();
    assert_eq!(reader.spec().channels, 1);
    let samples: Vec<i16> = reader.samples::<i16>().map(Result::unwrap).collect();
    assert!(samples.len() >= 60 * 160, "{} samples", samples.len());
    // A frame that arrives late on a loaded machine leaves 20 ms of silence in the message
    // (the recorder keeps time): the tone is measured where it runs unbroken.
    let tone = longest_loud_run(&samples);
    assert!(
        tone.len() >= 20 * 160,
        "{} samples of unbroken tone",
        tone.len()
    );
    assert_freq(tone, 1000.0);
}

/// The longest run of whole 20 ms frames that all carry sound.
fn longest_loud_run(samples: &[i16]) -> &[i16] {
    let loud = |f: &[i16]| f.iter().any(|s| s.unsigned_abs() > 1000);
    let (mut best, mut start) = ((0, 0), 0);
    for (i, frame) in samples.chunks(160).enumerate() {
        if !loud(frame) {
            start = i + 1;
        } else if i + 1 - start > best.1 - best.0 {
            best = (start, i + 1);
        }
    }
    &samples[best.0 * 160..(best.1 * 160).min(samples.len())]
}
