//! Recorder: stereo layout, paused spans, header sizes, and crash safety (a child process
//! killed with SIGKILL mid-recording leaves a playable WAV up to its last second).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use sb_audio::{FRAME_SAMPLES, Frame, SAMPLE_RATE, estimate_frequency};
use sb_media::MediaError;
use sb_media::recorder::{Layout, PausedSpan, Recorder, trim};

/// Env var that turns `crash_helper_records_then_waits_to_be_killed` into the child's body.
const CHILD_ENV: &str = "SB_MEDIA_RECORDER_CHILD_PATH";

/// Frame `n` (0-based) of a continuous sine at `freq` Hz.
fn tone_frame(freq: f64, n: u64) -> Frame {
    let mut frame = [0i16; FRAME_SAMPLES];
    for (i, s) in frame.iter_mut().enumerate() {
        let t = (n * FRAME_SAMPLES as u64 + i as u64) as f64 / f64::from(SAMPLE_RATE);
        *s = (8000.0 * (2.0 * std::f64::consts::PI * freq * t).sin()) as i16;
    }
    frame
}

/// Reads a stereo WAV back with hound: (left, right).
fn read_channels(path: &Path) -> (Vec<i16>, Vec<i16>) {
    let reader = hound::WavReader::open(path).expect("hound opens the recording");
    let spec = reader.spec();
    assert_eq!(spec.channels, 2);
    assert_eq!(spec.sample_rate, 8000);
    assert_eq!(spec.bits_per_sample, 16);
    assert_eq!(spec.sample_format, hound::SampleFormat::Int);
    let all: Vec<i16> = reader
        .into_samples::<i16>()
        .collect::<Result<_, _>>()
        .expect("all samples declared by the header are readable");
    let left = all.iter().step_by(2).copied().collect();
    let right = all.iter().skip(1).step_by(2).copied().collect();
    (left, right)
}

fn assert_near(measured: Option<f64>, expected: f64) {
    let f = measured.expect("a tone is present");
    assert!(
        (f - expected).abs() < expected * 0.02,
        "{f} Hz, expected {expected} Hz"
    );
}

#[test]
fn recording_puts_caller_left_and_agent_right_at_8khz_16bit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("call.wav");
    let mut rec = Recorder::create(&path).unwrap();
    for n in 0..120 {
        rec.write_frame(&tone_frame(1000.0, n), &tone_frame(400.0, n))
            .unwrap();
    }
    let info = rec.finish().unwrap();
    assert_eq!(info.frames, 120);
    assert_eq!(info.duration_ms, 2400);
    assert!(info.paused.is_empty());
    assert_eq!(info.bytes, std::fs::metadata(&path).unwrap().len());
    assert_eq!(info.bytes, 44 + 120 * 640);
    let (left, right) = read_channels(&path);
    assert_eq!(left.len(), 120 * FRAME_SAMPLES);
    assert_near(estimate_frequency(&left, SAMPLE_RATE), 1000.0);
    assert_near(estimate_frequency(&right, SAMPLE_RATE), 400.0);
    let expected: Vec<i16> = (0..120).flat_map(|n| tone_frame(1000.0, n)).collect();
    assert_eq!(left, expected, "samples are stored bit-exact");
}

#[test]
fn paused_frames_are_silence_and_the_span_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pci.wav");
    let mut rec = Recorder::create(&path).unwrap();
    let tone = |n| tone_frame(1000.0, n);
    for n in 0..10 {
        rec.write_frame(&tone(n), &tone(n)).unwrap();
    }
    rec.pause();
    rec.pause(); // a second pause changes nothing
    for n in 10..25 {
        rec.write_frame(&tone(n), &tone(n)).unwrap();
    }
    rec.resume();
    rec.resume(); // nor a second resume
    for n in 25..30 {
        rec.write_frame(&tone(n), &tone(n)).unwrap();
    }
    rec.pause(); // still paused when finished: the span ends at the end of the recording
    for n in 30..35 {
        rec.write_frame(&tone(n), &tone(n)).unwrap();
    }
    let info = rec.finish().unwrap();
    assert_eq!(
        info.paused,
        vec![
            PausedSpan {
                start_ms: 200,
                end_ms: 500
            },
            PausedSpan {
                start_ms: 600,
                end_ms: 700
            }
        ]
    );
    assert_eq!(
        info.duration_ms, 700,
        "the timeline includes the paused spans"
    );
    let (left, right) = read_channels(&path);
    assert_eq!(left.len(), 35 * FRAME_SAMPLES);
    let frame = |ch: &[i16], n: usize| ch[n * FRAME_SAMPLES..(n + 1) * FRAME_SAMPLES].to_vec();
    for n in 0..35 {
        let paused = (10..25).contains(&n) || n >= 30;
        for ch in [&left, &right] {
            if paused {
                assert!(frame(ch, n).iter().all(|&s| s == 0), "frame {n} silent");
            } else {
                assert_eq!(frame(ch, n), tone(n as u64).to_vec(), "frame {n} kept");
            }
        }
    }
}

#[test]
fn header_is_current_after_each_second_without_finish() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.wav");
    let mut rec = Recorder::create(&path).unwrap();
    let silence = [0i16; FRAME_SAMPLES];
    assert_eq!(
        read_channels(&path).0.len(),
        0,
        "a fresh file is an empty WAV"
    );
    for _ in 0..49 {
        rec.write_frame(&silence, &silence).unwrap();
    }
    assert_eq!(read_channels(&path).0.len(), 0, "no sync before one second");
    rec.write_frame(&silence, &silence).unwrap();
    assert_eq!(read_channels(&path).0.len(), 50 * FRAME_SAMPLES);
    for _ in 0..75 {
        rec.write_frame(&silence, &silence).unwrap();
    }
    assert_eq!(read_channels(&path).0.len(), 100 * FRAME_SAMPLES);
    drop(rec);
    assert_eq!(
        read_channels(&path).0.len(),
        125 * FRAME_SAMPLES,
        "dropping without finish still fixes the header"
    );
}

#[test]
fn create_refuses_to_overwrite_an_existing_recording() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("taken.wav");
    std::fs::write(&path, b"keep me").unwrap();
    let err = Recorder::create(&path).unwrap_err();
    assert!(matches!(err, MediaError::File { .. }), "{err:?}");
    assert_eq!(std::fs::read(&path).unwrap(), b"keep me");
}

#[test]
fn a_finished_mono_message_is_trimmed_to_its_first_milliseconds() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("message.wav");
    let mut rec = Recorder::create_with(&path, Layout::Mono).unwrap();
    for n in 0..100 {
        rec.write_frame(&tone_frame(1000.0, n), &tone_frame(400.0, n))
            .unwrap();
    }
    rec.finish().unwrap();
    assert_eq!(
        trim(&path, 1234).unwrap(),
        (1220, 44 + 61 * 320),
        "whole frames"
    );
    let mut reader = hound::WavReader::open(&path).unwrap();
    assert_eq!(reader.spec().channels, 1);
    assert_eq!(reader.samples::<i16>().count(), 61 * FRAME_SAMPLES);
    assert_eq!(
        trim(&path, 60_000).unwrap(),
        (1220, 44 + 61 * 320),
        "a shorter recording stays as it is"
    );
    std::fs::write(dir.path().join("other.wav"), [0u8; 44]).unwrap();
    assert!(trim(&dir.path().join("other.wav"), 10).is_err(), "not ours");
}

#[test]
fn create_in_a_missing_directory_is_a_file_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = Recorder::create(&dir.path().join("no/such/dir.wav")).unwrap_err();
    assert!(matches!(err, MediaError::File { .. }), "{err:?}");
}

/// The child's body: records 3.5 s (175 frames) of 1 kHz left / 400 Hz right, announces it on
/// stdout, then waits to be killed. Without the env var (ordinary runs) it is ignored.
#[test]
#[ignore = "helper run by recording_cut_by_sigkill_is_playable_up_to_its_last_second"]
fn crash_helper_records_then_waits_to_be_killed() {
    let Some(path) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let mut rec = Recorder::create(Path::new(&path)).unwrap();
    for n in 0..175 {
        rec.write_frame(&tone_frame(1000.0, n), &tone_frame(400.0, n))
            .unwrap();
    }
    println!("RECORDED");
    std::thread::sleep(std::time::Duration::from_secs(60));
    // Never reached in the crash test: the parent kills us first.
    std::mem::forget(rec);
}

#[test]
fn recording_cut_by_sigkill_is_playable_up_to_its_last_second() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crashed.wav");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "crash_helper_records_then_waits_to_be_killed",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let recorded = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .any(|line| line.contains("RECORDED"));
    child.kill().unwrap(); // SIGKILL: no destructor, no finish, no flush
    let status = child.wait().unwrap();
    assert!(recorded, "child never finished recording (status {status})");
    assert!(!status.success(), "child was killed, not finished");

    let (left, right) = read_channels(&path);
    assert!(
        left.len() >= 3 * SAMPLE_RATE as usize,
        "only {} samples survived",
        left.len()
    );
    assert_eq!(
        left.len(),
        150 * FRAME_SAMPLES,
        "exactly the last synced second"
    );
    assert_near(estimate_frequency(&left, SAMPLE_RATE), 1000.0);
    assert_near(estimate_frequency(&right, SAMPLE_RATE), 400.0);
    let expected: Vec<i16> = (0..150).flat_map(|n| tone_frame(400.0, n)).collect();
    assert_eq!(right, expected);
}
