//! The prompt library: built-in prompts, uploads (WAV, MP3) converted to 8 kHz, text spoken by
//! espeak-ng once and reused (from memory, and from disk after a restart), and the refusals
//! (unsafe names, other tenants' prompts, oversize uploads, hanging TTS).
//!
//! Tests that run espeak-ng print SKIPPED when it is missing, and fail under CI (the test script
//! installs Debian's `espeak-ng`).

use std::path::Path;
use std::time::{Duration, Instant};

use sb_engine::prompts::{
    MAX_UPLOAD_BYTES, PromptError, PromptLibrary, Source, TtsConfig, Voice, default_ids,
};
use sb_flow::Prompt as FlowPrompt;
use sb_types::TenantId;

const CACHE: usize = 16 << 20;
const ACME: TenantId = TenantId::from_u128(1);
const GLOBEX: TenantId = TenantId::from_u128(2);

fn library() -> (PromptLibrary, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    (PromptLibrary::new(dir.path().join("prompts"), CACHE), dir)
}

/// Whether espeak-ng is installed; without it a test fails under CI and is skipped elsewhere.
fn have_espeak() -> bool {
    let ok = std::process::Command::new("espeak-ng")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "espeak-ng is required under CI (apt-get install espeak-ng)"
        );
        eprintln!("SKIPPED: espeak-ng not installed (apt-get install espeak-ng)");
    }
    ok
}

/// A 16-bit PCM WAV file of a `freq` Hz sine, `secs` long, at `rate` with `channels` channels.
fn sine_wav(rate: u32, channels: u16, freq: f64, secs: f64) -> Vec<u8> {
    let frames = (f64::from(rate) * secs) as u32;
    let data = frames * u32::from(channels) * 2;
    let mut w = Vec::new();
    w.extend_from_slice(b"RIFF");
    w.extend_from_slice(&(36 + data).to_le_bytes());
    w.extend_from_slice(b"WAVEfmt ");
    w.extend_from_slice(&16u32.to_le_bytes());
    w.extend_from_slice(&1u16.to_le_bytes());
    w.extend_from_slice(&channels.to_le_bytes());
    w.extend_from_slice(&rate.to_le_bytes());
    w.extend_from_slice(&(rate * u32::from(channels) * 2).to_le_bytes());
    w.extend_from_slice(&(channels * 2).to_le_bytes());
    w.extend_from_slice(&16u16.to_le_bytes());
    w.extend_from_slice(b"data");
    w.extend_from_slice(&data.to_le_bytes());
    for i in 0..frames {
        let t = f64::from(i) / f64::from(rate);
        let s = ((t * freq * std::f64::consts::TAU).sin() * 12_000.0) as i16;
        for _ in 0..channels {
            w.extend_from_slice(&s.to_le_bytes());
        }
    }
    w
}

/// Sign changes in the samples: about twice the frequency per second for a sine.
fn zero_crossings(samples: &[i16]) -> usize {
    samples
        .windows(2)
        .filter(|w| (w[0] < 0) != (w[1] < 0))
        .count()
}

fn rms(samples: &[i16]) -> f64 {
    let sum: f64 = samples.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    (sum / samples.len().max(1) as f64).sqrt()
}

/// The rate, channels and bits of a stored WAV file's header.
fn wav_format(path: &Path) -> (u32, u16, u16) {
    let b = std::fs::read(path).expect("stored file");
    assert_eq!(&b[0..4], b"RIFF");
    (
        u32::from_le_bytes([b[24], b[25], b[26], b[27]]),
        u16::from_le_bytes([b[22], b[23]]),
        u16::from_le_bytes([b[34], b[35]]),
    )
}

#[tokio::test]
async fn every_built_in_prompt_resolves_to_8k_audio() {
    let (lib, _dir) = library();
    let ids: Vec<String> = default_ids().collect();
    for want in ["default:hold_music", "default:beep", "default:goodbye"] {
        assert!(
            ids.iter().any(|id| id == want),
            "{want} missing from {ids:?}"
        );
    }
    for id in &ids {
        let p = lib
            .resolve(ACME, &FlowPrompt::File(id.clone()), &Voice::default())
            .await
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        assert!(p.duration_ms() >= 300, "{id}: {} ms", p.duration_ms());
        assert!(rms(p.samples()) > 500.0, "{id} is near silent");
    }
    let moh = lib.recorded(ACME, "default:hold_music").await.expect("moh");
    assert!(
        (10_000..=20_000).contains(&moh.duration_ms()),
        "{}",
        moh.duration_ms()
    );
    let beep = lib.recorded(GLOBEX, "default:beep").await.expect("beep");
    assert_eq!(beep.duration_ms(), 400);
    // 1 kHz: about 2000 sign changes a second.
    let zc = zero_crossings(beep.samples());
    assert!((760..=840).contains(&zc), "{zc} zero crossings in 400 ms");
}

#[tokio::test]
async fn a_missing_prompt_is_an_error_naming_it() {
    let (lib, _dir) = library();
    for id in ["no_such_prompt", "default:no_such_default"] {
        let err = lib
            .resolve(ACME, &FlowPrompt::File(id.into()), &Voice::default())
            .await
            .expect_err("missing");
        assert!(
            matches!(&err, PromptError::UnknownPrompt { id: got } if got == id),
            "{err}"
        );
        assert!(err.to_string().contains(id), "{err}");
    }
}

#[tokio::test]
async fn a_wav_upload_at_44k_stereo_is_stored_and_played_at_8k() {
    let (lib, dir) = library();
    let wav = sine_wav(44_100, 2, 440.0, 1.0);
    let info = lib
        .store_upload(ACME, "welcome", &wav)
        .await
        .expect("upload");
    assert_eq!(info.id, "welcome");
    assert!(
        (990..=1010).contains(&info.duration_ms),
        "{}",
        info.duration_ms
    );
    let stored = dir
        .path()
        .join("prompts")
        .join(ACME.to_string())
        .join("welcome.wav");
    assert_eq!(wav_format(&stored), (8000, 1, 16));
    let p = lib
        .resolve(ACME, &FlowPrompt::File("welcome".into()), &Voice::default())
        .await
        .expect("resolves");
    assert!(
        (7_900..=8_100).contains(&p.samples().len()),
        "{}",
        p.samples().len()
    );
    let zc = zero_crossings(p.samples());
    assert!((860..=900).contains(&zc), "440 Hz kept: {zc} crossings");
    assert_eq!(lib.list(ACME).await.expect("list"), vec![info]);
}

#[tokio::test]
async fn an_mp3_upload_is_decoded_and_stored_at_8k() {
    let (lib, dir) = library();
    let mp3 = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tone-440hz-1500ms.mp3"),
    )
    .expect("fixture");
    let info = lib.store_upload(ACME, "tone", &mp3).await.expect("upload");
    // MP3 encoders pad by up to a frame or two.
    assert!(
        (1_450..=1_600).contains(&info.duration_ms),
        "{}",
        info.duration_ms
    );
    let stored = dir
        .path()
        .join("prompts")
        .join(ACME.to_string())
        .join("tone.wav");
    assert_eq!(wav_format(&stored), (8000, 1, 16));
    let p = lib.recorded(ACME, "tone").await.expect("resolves");
    let zc = zero_crossings(p.samples()) as f64 / (p.duration_ms() as f64 / 1000.0);
    assert!(
        (830.0..=930.0).contains(&zc),
        "440 Hz kept: {zc} crossings/s"
    );
}

#[tokio::test]
async fn names_that_could_leave_the_prompt_directory_are_refused() {
    let (lib, dir) = library();
    let wav = sine_wav(8000, 1, 440.0, 0.2);
    for name in [
        "../escape",
        "..",
        "a/b",
        "/etc/passwd",
        "",
        "UPPER",
        "x.wav",
        &"a".repeat(65),
    ] {
        let err = lib.store_upload(ACME, name, &wav).await.expect_err(name);
        assert!(
            matches!(err, PromptError::BadName { .. }),
            "{name:?}: {err}"
        );
        let err = lib.recorded(ACME, name).await.expect_err(name);
        assert!(
            matches!(
                err,
                PromptError::BadName { .. } | PromptError::UnknownPrompt { .. }
            ),
            "{name:?}: {err}"
        );
    }
    assert!(!dir.path().join("escape.wav").exists());
    assert!(!dir.path().join("prompts").exists(), "nothing was written");
}

#[tokio::test]
async fn a_tenant_cannot_play_list_or_delete_another_tenants_prompt() {
    let (lib, _dir) = library();
    let wav = sine_wav(16_000, 1, 440.0, 0.5);
    lib.store_upload(ACME, "secret", &wav)
        .await
        .expect("upload");
    let err = lib.recorded(GLOBEX, "secret").await.expect_err("isolated");
    assert!(matches!(err, PromptError::UnknownPrompt { .. }), "{err}");
    assert!(lib.list(GLOBEX).await.expect("list").is_empty());
    let err = lib.delete(GLOBEX, "secret").await.expect_err("isolated");
    assert!(matches!(err, PromptError::UnknownPrompt { .. }), "{err}");
    assert!(lib.recorded(ACME, "secret").await.is_ok());
    lib.delete(ACME, "secret").await.expect("owner deletes");
    assert!(lib.recorded(ACME, "secret").await.is_err());
}

#[tokio::test]
async fn oversize_overlong_and_non_audio_uploads_are_refused() {
    let (lib, _dir) = library();
    let huge = vec![0u8; MAX_UPLOAD_BYTES + 1];
    let err = lib
        .store_upload(ACME, "huge", &huge)
        .await
        .expect_err("too big");
    assert!(matches!(err, PromptError::TooLarge { .. }), "{err}");
    // 601 s at 8 kHz mono, 16-bit: 9.6 MB, under the size cap, over the duration cap.
    let long = sine_wav(8000, 1, 100.0, 601.0);
    let err = lib
        .store_upload(ACME, "long", &long)
        .await
        .expect_err("too long");
    assert!(matches!(err, PromptError::TooLong { .. }), "{err}");
    let err = lib
        .store_upload(ACME, "text", b"ID3 but not really an mp3 file at all")
        .await
        .expect_err("not audio");
    assert!(matches!(err, PromptError::BadAudio { .. }), "{err}");
    let mut truncated = sine_wav(8000, 1, 440.0, 1.0);
    truncated.truncate(100);
    let err = lib
        .store_upload(ACME, "cut", &truncated)
        .await
        .expect_err("cut");
    assert!(matches!(err, PromptError::BadAudio { .. }), "{err}");
    assert!(lib.list(ACME).await.expect("list").is_empty());
}

#[tokio::test]
async fn text_is_spoken_once_then_served_from_memory() {
    if !have_espeak() {
        return;
    }
    let (lib, _dir) = library();
    let voice = Voice::default();
    let text = FlowPrompt::Tts("Please hold the line.".into());
    let p = lib.resolve(ACME, &text, &voice).await.expect("spoken");
    // Four words at 160 words a minute: between half a second and four seconds.
    assert!(
        (500..=4_000).contains(&p.duration_ms()),
        "{} ms",
        p.duration_ms()
    );
    assert!(rms(p.samples()) > 300.0, "speech is not silence");
    assert_eq!(lib.tts_renders(), 1);
    let path = lib.tts_path(&voice, "Please hold the line.").expect("path");
    assert_eq!(wav_format(&path), (8000, 1, 16));

    let again = lib.resolve(GLOBEX, &text, &voice).await.expect("again");
    assert_eq!(again.samples(), p.samples());
    assert_eq!(lib.tts_renders(), 1, "espeak-ng ran again");
    let (_, source) = lib
        .speak(&voice, "Please hold the line.")
        .await
        .expect("speak");
    assert_eq!(source, Source::Memory);
    let (_, source) = lib
        .speak(&voice.clone(), "Something else.")
        .await
        .expect("new");
    assert_eq!(source, Source::Rendered);
    assert_eq!(lib.tts_renders(), 2);
}

#[tokio::test]
async fn a_spoken_text_survives_a_restart_without_rendering_again() {
    if !have_espeak() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let voice = Voice::new("en-us", 180).expect("voice");
    let first = PromptLibrary::new(dir.path().to_path_buf(), CACHE);
    let (spoken, source) = first
        .speak(&voice, "Thank you for calling.")
        .await
        .expect("spoken");
    assert_eq!(source, Source::Rendered);
    drop(first);

    let restarted = PromptLibrary::new(dir.path().to_path_buf(), CACHE);
    let (again, source) = restarted
        .speak(&voice, "Thank you for calling.")
        .await
        .expect("again");
    assert_eq!(source, Source::Disk);
    assert_eq!(restarted.tts_renders(), 0);
    assert_eq!(again.samples(), spoken.samples());
}

#[tokio::test]
async fn publishing_a_flow_speaks_its_fixed_texts_and_checks_its_prompts() {
    if !have_espeak() {
        return;
    }
    let (lib, _dir) = library();
    let voice = Voice::default();
    let doc = sb_flow::Document::from_json(
        r#"{
          "start": "hello",
          "blocks": [
            {"id": "hello", "type": "play", "params": {"say": {"text": "Welcome to Acme."}},
             "transitions": {"success": "menu"}},
            {"id": "menu", "type": "menu", "params": {
               "say": {"text": "For sales press 1."},
               "no_match_say": {"text": "Sorry {{ attrs.name }}."}},
             "transitions": {"1": "queue"}},
            {"id": "queue", "type": "enqueue", "params": {
               "queue": "sales", "treatment": {"music_on_hold": "default:hold_music"}}}
          ]
        }"#,
    )
    .expect("document");
    let report = lib
        .render_at_publish(ACME, &doc, &voice)
        .await
        .expect("publish");
    assert_eq!((report.rendered, report.reused), (2, 0));
    assert_eq!((report.ids, report.templates), (1, 1));
    assert_eq!(lib.tts_renders(), 2);
    // During the call: no TTS.
    let (_, source) = lib.speak(&voice, "Welcome to Acme.").await.expect("play");
    assert_eq!(source, Source::Memory);
    let report = lib
        .render_at_publish(ACME, &doc, &voice)
        .await
        .expect("again");
    assert_eq!((report.rendered, report.reused), (0, 2));

    let missing = sb_flow::Document::from_json(
        r#"{"start": "a", "blocks": [
            {"id": "a", "type": "play", "params": {"say": {"prompt": "holiday_greeting"}}}]}"#,
    )
    .expect("document");
    let err = lib
        .render_at_publish(ACME, &missing, &voice)
        .await
        .expect_err("unknown");
    assert!(err.to_string().contains("holiday_greeting"), "{err}");
}

#[tokio::test]
async fn an_unknown_voice_is_reported_as_a_tts_failure() {
    if !have_espeak() {
        return;
    }
    let (lib, _dir) = library();
    let voice = Voice::new("xx-nosuchvoice", 160).expect("well-formed name");
    let err = lib
        .speak(&voice, "Hello.")
        .await
        .expect_err("no such voice");
    assert!(matches!(err, PromptError::TtsFailed { .. }), "{err}");
    assert!(err.to_string().contains("xx-nosuchvoice"), "{err}");
}

#[tokio::test]
async fn a_missing_tts_program_is_reported_as_missing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tts = TtsConfig {
        program: dir.path().join("no-espeak-here"),
        ..TtsConfig::default()
    };
    let lib = PromptLibrary::with_tts(dir.path().to_path_buf(), CACHE, tts);
    let err = lib
        .speak(&Voice::default(), "Hello.")
        .await
        .expect_err("missing");
    assert!(matches!(err, PromptError::TtsMissing { .. }), "{err}");
}

#[tokio::test]
async fn a_hanging_tts_program_is_killed_at_the_timeout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join("slow-tts");
    let pid_file = dir.path().join("pid");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho $$ > {}\nexec sleep 30\n",
            pid_file.display()
        ),
    )
    .expect("script");
    let mut perms = std::fs::metadata(&script).expect("meta").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&script, perms).expect("chmod");
    let tts = TtsConfig {
        program: script,
        timeout: Duration::from_millis(500),
        ..TtsConfig::default()
    };
    let lib = PromptLibrary::with_tts(dir.path().join("prompts"), CACHE, tts);
    let started = Instant::now();
    let err = lib
        .speak(&Voice::default(), "Hello.")
        .await
        .expect_err("timeout");
    assert!(matches!(err, PromptError::TtsTimeout { .. }), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let pid = std::fs::read_to_string(&pid_file).expect("the script ran");
    let proc_dir = Path::new("/proc").join(pid.trim());
    assert!(!proc_dir.exists(), "process {} still there", pid.trim());
}
