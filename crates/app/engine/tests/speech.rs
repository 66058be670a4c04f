//! The speech recogniser of voice menus: the PocketSphinx sidecar hears which menu phrase was
//! said in telephone audio (words spoken by espeak-ng, through G.711), hears nothing in words
//! off the menu, and the recogniser copes with a missing interpreter, a sidecar that hangs
//! and one that crashes (killed and replaced).
//!
//! Tests that run PocketSphinx print SKIPPED when it is missing, and fail under CI (the test
//! script installs it from PyPI); the failure tests need only Python.

use std::borrow::Cow;
use std::time::Duration;

use sb_engine::prompts::{PromptLibrary, Voice};
use sb_engine::speech::{Recognizer, SpeechConfig, SpeechError};

/// Whether PocketSphinx and espeak-ng are installed; without them a test fails under CI and is
/// skipped elsewhere.
fn have_pocketsphinx() -> bool {
    let python = std::process::Command::new("python3")
        .args(["-c", "import pocketsphinx"])
        .output()
        .is_ok_and(|o| o.status.success());
    let espeak = std::process::Command::new("espeak-ng")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !(python && espeak) {
        assert!(
            std::env::var_os("CI").is_none(),
            "pocketsphinx (pip) and espeak-ng (apt) are required under CI"
        );
        eprintln!("SKIPPED: pocketsphinx or espeak-ng not installed");
    }
    python && espeak
}

/// `text` as a caller on the phone says it: spoken by espeak-ng, 8 kHz, through µ-law, with
/// half a second of line noise before and after.
async fn said(text: &str) -> Vec<i16> {
    let dir = tempfile::tempdir().expect("tempdir");
    let library = PromptLibrary::new(dir.path().to_path_buf(), 1 << 20);
    let voice = Voice::new("en-us", 140).expect("voice");
    let (prompt, _) = library.speak(&voice, text).await.expect("spoken");
    let noise = |n: usize| (0..n).map(|i| [3i16, -2, 1, -4][i % 4]);
    let mut samples: Vec<i16> = noise(4000).collect();
    samples.extend_from_slice(prompt.samples());
    samples.extend(noise(4000));
    let mut codes = vec![0u8; samples.len()];
    sb_audio::g711::Law::Mu.encode_frame(&samples, &mut codes);
    let mut line = vec![0i16; codes.len()];
    sb_audio::g711::Law::Mu.decode_frame(&codes, &mut line);
    line
}

fn menu() -> Vec<String> {
    ["Sales", "Support", "Billing", "Agent", "customer  service"]
        .map(String::from)
        .to_vec()
}

#[tokio::test]
async fn the_sidecar_hears_which_menu_phrase_the_caller_said() {
    if !have_pocketsphinx() {
        return;
    }
    let recognizer = Recognizer::start(SpeechConfig::default());
    for (spoken, expected) in [
        ("support", "Support"),
        ("sales", "Sales"),
        ("billing", "Billing"),
    ] {
        let heard = recognizer.recognize(&said(spoken).await, &menu()).await;
        assert_eq!(heard, Ok(Some(expected.to_string())), "said {spoken:?}");
    }
    let engine = recognizer.engine().expect("the sidecar named its engine");
    assert!(engine.starts_with("pocketsphinx "), "{engine}");
}

#[tokio::test]
async fn words_off_the_menu_and_silence_are_heard_as_nothing() {
    if !have_pocketsphinx() {
        return;
    }
    let recognizer = Recognizer::start(SpeechConfig::default());
    for off_menu in ["hello", "the weather is nice"] {
        let heard = recognizer.recognize(&said(off_menu).await, &menu()).await;
        assert_eq!(heard, Ok(None), "said {off_menu:?}");
    }
    let silence = recognizer.recognize(&vec![0i16; 16_000], &menu()).await;
    assert_eq!(silence, Ok(None));
    let unknown_words = vec!["zzqxv".to_string()];
    let heard = recognizer
        .recognize(&said("sales").await, &unknown_words)
        .await;
    assert_eq!(
        heard,
        Ok(None),
        "a phrase the dictionary cannot spell is never heard"
    );
}

/// Half a second of a loud tone: enough to be sent to the sidecar.
fn noise() -> Vec<i16> {
    (0..4000)
        .map(|n| (8000.0 * (f64::from(n) * 0.3).sin()) as i16)
        .collect()
}

#[tokio::test]
async fn a_missing_interpreter_makes_speech_unavailable_for_a_while() {
    let config = SpeechConfig {
        python: "/nonexistent/python3".into(),
        ..SpeechConfig::default()
    };
    let recognizer = Recognizer::start(config);
    assert!(recognizer.usable(), "usable until a start has failed");
    let heard = recognizer.recognize(&noise(), &menu()).await;
    let Err(SpeechError::Unavailable { reason }) = heard else {
        panic!("not unavailable: {heard:?}");
    };
    assert!(reason.contains("/nonexistent/python3"), "{reason}");
    assert!(!recognizer.usable(), "not retried at once");
    assert!(
        recognizer.recognize(&vec![0i16; 800], &menu()).await == Ok(None),
        "silence needs no sidecar"
    );
}

/// A sidecar that answers its first phrase, except that its first process (marked by a file
/// in `dir`) misbehaves with `first`.
fn flaky(dir: &std::path::Path, first: &str) -> SpeechConfig {
    let script = format!(
        "import json, os, sys, time\n\
         mark = {mark:?}\n\
         first = not os.path.exists(mark)\n\
         open(mark, 'w').close()\n\
         print(json.dumps({{'ready': 'flaky 1'}}), flush=True)\n\
         for line in sys.stdin.buffer:\n\
         \x20   req = json.loads(line)\n\
         \x20   sys.stdin.buffer.read(req['samples'] * 2)\n\
         \x20   if first:\n\
         \x20       {first}\n\
         \x20   print(json.dumps({{'text': req['phrases'][0].lower()}}), flush=True)\n",
        mark = dir.join("started").display().to_string(),
    );
    SpeechConfig {
        timeout: Duration::from_millis(700),
        script: Cow::Owned(script),
        ..SpeechConfig::default()
    }
}

#[tokio::test]
async fn a_sidecar_that_hangs_is_killed_and_replaced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let recognizer = Recognizer::start(flaky(dir.path(), "time.sleep(3600)"));
    let hung = recognizer.recognize(&noise(), &menu()).await;
    assert_eq!(
        hung,
        Err(SpeechError::Timeout {
            after: Duration::from_millis(700)
        })
    );
    let next = recognizer.recognize(&noise(), &menu()).await;
    assert_eq!(next, Ok(Some("Sales".to_string())));
    assert_eq!(recognizer.engine().as_deref(), Some("flaky 1"));
}

#[tokio::test]
async fn a_sidecar_that_crashes_is_replaced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let recognizer = Recognizer::start(flaky(dir.path(), "os._exit(1)"));
    let crashed = recognizer.recognize(&noise(), &menu()).await;
    assert!(
        matches!(&crashed, Err(SpeechError::Failed { reason }) if reason.contains("exited")),
        "{crashed:?}"
    );
    let next = recognizer.recognize(&noise(), &menu()).await;
    assert_eq!(next, Ok(Some("Sales".to_string())));
}

#[tokio::test]
async fn a_sidecar_that_answers_garbage_fails_the_utterance_and_is_replaced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let garbage = "print('Traceback (most recent call last):', flush=True); continue";
    let recognizer = Recognizer::start(flaky(dir.path(), garbage));
    let bad = recognizer.recognize(&noise(), &menu()).await;
    assert!(
        matches!(&bad, Err(SpeechError::Failed { reason }) if reason.contains("Traceback")),
        "{bad:?}"
    );
    let next = recognizer.recognize(&noise(), &menu()).await;
    assert_eq!(next, Ok(Some("Sales".to_string())));
}

#[tokio::test]
async fn a_long_noisy_recording_sends_only_its_last_ten_seconds() {
    let script = "import json, sys\n\
         print(json.dumps({'ready': 'counter 1'}), flush=True)\n\
         for line in sys.stdin.buffer:\n\
         \x20   req = json.loads(line)\n\
         \x20   sys.stdin.buffer.read(req['samples'] * 2)\n\
         \x20   print(json.dumps({'text': str(req['samples'])}), flush=True)\n";
    let config = SpeechConfig {
        script: Cow::Borrowed(script),
        ..SpeechConfig::default()
    };
    let recognizer = Recognizer::start(config);
    let noisy: Vec<i16> = (0..40 * 8000)
        .map(|n| (8000.0 * (f64::from(n) * 0.3).sin()) as i16)
        .collect();
    let sent = vec!["160000".to_string()];
    let heard = recognizer.recognize(&noisy, &sent).await;
    assert_eq!(
        heard,
        Ok(Some("160000".to_string())),
        "10 s at 16 kHz, not 40"
    );
}
