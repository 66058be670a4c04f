//! Prompts: WAV decoding and band-limited resampling to 8 kHz, rejection of bad input without
//! panics, frame playback (once and looped), and the shared LRU prompt cache.

use std::cell::Cell;
use std::io::Cursor;

use sb_audio::{FRAME_SAMPLES, SAMPLE_RATE, estimate_frequency, tone_power_ratio};
use sb_media::MediaError;
use sb_media::player::{Playback, Prompt, PromptCache};

#[derive(Clone, Copy, Debug)]
enum Enc {
    Int(u16),
    Float,
}

/// A WAV file (via hound's writer) holding `secs` of a sine at `freq` Hz, amplitude `amp`
/// (0..1), on every channel.
fn tone_wav(rate: u32, channels: u16, enc: Enc, freq: f64, amp: f64, secs: f64) -> Vec<u8> {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: match enc {
            Enc::Int(bits) => bits,
            Enc::Float => 32,
        },
        sample_format: match enc {
            Enc::Int(_) => hound::SampleFormat::Int,
            Enc::Float => hound::SampleFormat::Float,
        },
    };
    let mut cursor = Cursor::new(Vec::new());
    let mut w = hound::WavWriter::new(&mut cursor, spec).expect("writer");
    let n = (f64::from(rate) * secs) as usize;
    for i in 0..n {
        let x = amp * (2.0 * std::f64::consts::PI * freq * i as f64 / f64::from(rate)).sin();
        for _ in 0..channels {
            match enc {
                Enc::Float => w.write_sample(x as f32).expect("float sample"),
                Enc::Int(bits) => {
                    let full = 2f64.powi(i32::from(bits) - 1) - 1.0;
                    w.write_sample((x * full).round() as i32)
                        .expect("int sample");
                }
            }
        }
    }
    w.finalize().expect("finalize");
    cursor.into_inner()
}

fn rms(samples: &[i16]) -> f64 {
    let sum: f64 = samples.iter().map(|&s| f64::from(s).powi(2)).sum();
    (sum / samples.len().max(1) as f64).sqrt()
}

/// The middle of a signal, away from resampler edge effects.
fn middle(samples: &[i16]) -> &[i16] {
    &samples[samples.len() / 4..samples.len() * 3 / 4]
}

fn is_bad_audio(r: Result<Prompt, MediaError>) -> bool {
    matches!(r, Err(MediaError::BadAudio { .. }))
}

#[test]
fn one_khz_at_44_1khz_comes_out_as_one_khz_at_8khz() {
    let bytes = tone_wav(44_100, 1, Enc::Int(16), 1000.0, 0.5, 1.0);
    let prompt = Prompt::from_wav_bytes("tone", &bytes).unwrap();
    let s = prompt.samples();
    assert!((7990..=8010).contains(&s.len()), "{} samples", s.len());
    assert_eq!(prompt.duration_ms() / 10, 100);
    let f = estimate_frequency(middle(s), SAMPLE_RATE).unwrap();
    assert!((f - 1000.0).abs() < 5.0, "{f} Hz");
    let expected_rms = 0.5 * 32768.0 / 2f64.sqrt();
    let got = rms(middle(s));
    assert!(
        (got / expected_rms - 1.0).abs() < 0.05,
        "rms {got}, expected {expected_rms}"
    );
}

#[test]
fn six_khz_at_48khz_is_filtered_out_not_aliased_to_two_khz() {
    let bytes = tone_wav(48_000, 1, Enc::Int(16), 6000.0, 0.5, 1.0);
    let prompt = Prompt::from_wav_bytes("hiss", &bytes).unwrap();
    let s = middle(prompt.samples());
    let input_rms = 0.5 * 32768.0 / 2f64.sqrt();
    let attenuation_db = 20.0 * (rms(s).max(1.0) / input_rms).log10();
    assert!(attenuation_db < -40.0, "only {attenuation_db:.1} dB down");
    // What is left is not a folded 2 kHz tone of any weight.
    assert!(rms(s) < 100.0, "rms {}", rms(s));
}

#[test]
fn every_common_rate_and_encoding_decodes_to_the_same_tone() {
    let rates = [8000, 11_025, 16_000, 22_050, 32_000, 44_100, 48_000];
    let encodings = [
        Enc::Int(8),
        Enc::Int(16),
        Enc::Int(24),
        Enc::Int(32),
        Enc::Float,
    ];
    for rate in rates {
        for enc in encodings {
            for channels in [1, 2] {
                let bytes = tone_wav(rate, channels, enc, 1000.0, 0.5, 0.5);
                let what = format!("{rate} Hz {enc:?} {channels} ch");
                let prompt = Prompt::from_wav_bytes(&what, &bytes).unwrap();
                let s = prompt.samples();
                assert!(
                    (3990..=4010).contains(&s.len()),
                    "{what}: {} samples",
                    s.len()
                );
                let f = estimate_frequency(middle(s), SAMPLE_RATE).unwrap();
                assert!((f - 1000.0).abs() < 5.0, "{what}: {f} Hz");
                let ratio = rms(middle(s)) / (0.5 * 32768.0 / 2f64.sqrt());
                assert!((ratio - 1.0).abs() < 0.05, "{what}: level ratio {ratio}");
            }
        }
    }
}

#[test]
fn sixteen_bit_8khz_mono_is_taken_bit_exact() {
    let samples: Vec<i16> = (0..1000)
        .map(|i| (i * 37 % 20_000 - 10_000) as i16)
        .collect();
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut cursor = Cursor::new(Vec::new());
    let mut w = hound::WavWriter::new(&mut cursor, spec).unwrap();
    for &s in &samples {
        w.write_sample(s).unwrap();
    }
    w.finalize().unwrap();
    let prompt = Prompt::from_wav_bytes("exact", &cursor.into_inner()).unwrap();
    assert_eq!(prompt.samples(), &samples[..]);
    assert_eq!(prompt.name(), "exact");
}

#[test]
fn stereo_is_downmixed_by_averaging_the_channels() {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 8000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut cursor = Cursor::new(Vec::new());
    let mut w = hound::WavWriter::new(&mut cursor, spec).unwrap();
    for (l, r) in [
        (1000i16, 3000i16),
        (-2000, 0),
        (32767, 32767),
        (-32768, -32768),
    ] {
        w.write_sample(l).unwrap();
        w.write_sample(r).unwrap();
    }
    w.finalize().unwrap();
    let prompt = Prompt::from_wav_bytes("mix", &cursor.into_inner()).unwrap();
    assert_eq!(prompt.samples(), &[2000, -1000, 32767, -32768]);
}

#[test]
fn wav_file_on_disk_loads_and_missing_file_is_a_file_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("welcome.wav");
    std::fs::write(&path, tone_wav(16_000, 1, Enc::Int(16), 500.0, 0.3, 0.25)).unwrap();
    let prompt = Prompt::from_wav_file(&path).unwrap();
    assert_eq!(prompt.samples().len(), 2000);
    assert_eq!(prompt.duration_ms(), 250);
    assert!(prompt.name().ends_with("welcome.wav"));
    let missing = Prompt::from_wav_file(&dir.path().join("nope.wav"));
    assert!(matches!(missing, Err(MediaError::File { .. })));
}

/// Overwrites the fmt field at `offset` (from the start of a canonical 44-byte header).
fn patched(mut bytes: Vec<u8>, offset: usize, value: &[u8]) -> Vec<u8> {
    bytes[offset..offset + value.len()].copy_from_slice(value);
    bytes
}

#[test]
fn malformed_headers_are_bad_audio() {
    let good = tone_wav(8000, 1, Enc::Int(16), 1000.0, 0.5, 0.1);
    assert!(Prompt::from_wav_bytes("good", &good).is_ok());
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("not riff", b"OggS\0\0\0\0WAVEfmt ".to_vec()),
        ("mp3 bytes", b"ID3\x04\0\0\0\0\0\0\xff\xfb\x90\x00".to_vec()),
        (
            "zero channels",
            patched(good.clone(), 22, &0u16.to_le_bytes()),
        ),
        (
            "absurd rate",
            patched(good.clone(), 24, &4_000_000_000u32.to_le_bytes()),
        ),
        ("rate zero", patched(good.clone(), 24, &0u32.to_le_bytes())),
        (
            "odd rate",
            patched(good.clone(), 24, &44_101u32.to_le_bytes()),
        ),
        ("12-bit", patched(good.clone(), 34, &12u16.to_le_bytes())),
        ("bits zero", patched(good.clone(), 34, &0u16.to_le_bytes())),
        (
            "block align lies",
            patched(good.clone(), 32, &7u16.to_le_bytes()),
        ),
        (
            "a-law format",
            patched(good.clone(), 20, &6u16.to_le_bytes()),
        ),
        (
            "data claims 4 GiB",
            patched(good.clone(), 40, &u32::MAX.to_le_bytes()),
        ),
        ("no data", good[..36].to_vec()),
        (
            "header only, empty data",
            patched(good[..44].to_vec(), 40, &[0; 4]),
        ),
    ];
    for (what, bytes) in cases {
        assert!(
            is_bad_audio(Prompt::from_wav_bytes(what, &bytes)),
            "{what} accepted"
        );
    }
}

#[test]
fn prompts_longer_than_thirty_minutes_are_refused() {
    // 8 kHz mono 8-bit: one byte per sample, the header written by hand.
    let minutes = |m: u32| {
        let data = m * 60 * 8000;
        let mut bytes = Vec::with_capacity(data as usize + 44);
        bytes.extend_from_slice(b"RIFF");
        bytes.extend_from_slice(&(data + 36).to_le_bytes());
        bytes.extend_from_slice(b"WAVEfmt ");
        for field in [16u32, 1 | 1 << 16, 8000, 8000, 1 | 8 << 16] {
            bytes.extend_from_slice(&field.to_le_bytes());
        }
        bytes.extend_from_slice(b"data");
        bytes.extend_from_slice(&data.to_le_bytes());
        bytes.resize(data as usize + 44, 128); // unsigned 8-bit silence
        bytes
    };
    let long = Prompt::from_wav_bytes("long", &minutes(31));
    match long {
        Err(MediaError::BadAudio { reason, .. }) => {
            assert!(reason.contains("too long"), "{reason}")
        }
        other => panic!("31 minutes accepted: {other:?}"),
    }
    assert_eq!(
        Prompt::from_wav_bytes("ok", &minutes(29))
            .unwrap()
            .duration_ms(),
        29 * 60 * 1000
    );
}

/// A small deterministic generator (xorshift64*) for the corruption loop.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn truncated_and_corrupted_files_never_panic() {
    let sources = [
        tone_wav(8000, 1, Enc::Int(16), 1000.0, 0.5, 0.05),
        tone_wav(44_100, 2, Enc::Int(24), 1000.0, 0.5, 0.02),
        tone_wav(48_000, 2, Enc::Float, 1000.0, 0.5, 0.02),
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut accepted = 0;
    for good in &sources {
        // Every truncation inside the header or the declared data is refused.
        for len in 0..good.len() {
            assert!(
                is_bad_audio(Prompt::from_wav_bytes("cut", &good[..len])),
                "cut at {len} of {} accepted",
                good.len()
            );
        }
        // Random byte corruptions: any outcome but a panic is fine; decoded prompts are sane.
        for _ in 0..3000 {
            let mut bytes = good.clone();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(64.min(bytes.len()));
                bytes[at] = rng.next() as u8;
            }
            if rng.below(4) == 0 {
                bytes.truncate(rng.below(bytes.len() + 1));
            }
            if let Ok(p) = Prompt::from_wav_bytes("fuzz", &bytes) {
                accepted += 1;
                assert!(p.duration_ms() <= 30 * 60 * 1000);
            }
        }
    }
    assert!(
        accepted > 0,
        "some corruptions (e.g. in the samples) still decode"
    );
}

#[test]
fn playback_pads_the_last_partial_frame_then_ends() {
    let samples: Vec<i16> = (1..=330).collect();
    let mut play = Playback::new(Prompt::from_samples("p", samples.clone()), false);
    let frames: Vec<_> = std::iter::from_fn(|| play.next_frame()).collect();
    assert_eq!(frames.len(), 3);
    let flat: Vec<i16> = frames.concat();
    assert_eq!(&flat[..330], &samples[..]);
    assert!(flat[330..].iter().all(|&s| s == 0), "padding is silence");
    assert!(play.is_finished());
    assert_eq!(play.next_frame(), None, "stays finished");
}

#[test]
fn looped_playback_wraps_without_a_gap_or_a_glitch() {
    // 333 samples: not a multiple of 160, so wraps fall inside frames.
    let samples: Vec<i16> = (0..333).map(|i| (i * 97 % 1000) as i16).collect();
    let mut play = Playback::new(Prompt::from_samples("moh", samples.clone()), true);
    let flat: Vec<i16> = (0..50).flat_map(|_| play.next_frame().unwrap()).collect();
    assert_eq!(flat.len(), 50 * FRAME_SAMPLES);
    for (i, &s) in flat.iter().enumerate() {
        assert_eq!(s, samples[i % samples.len()], "sample {i}");
    }
    assert!(!play.is_finished());

    // A prompt shorter than one frame loops within the frame too.
    let mut tiny = Playback::new(Prompt::from_samples("tiny", vec![1, 2, 3]), true);
    let frame = tiny.next_frame().unwrap();
    assert_eq!(&frame[..7], &[1, 2, 3, 1, 2, 3, 1]);
}

#[test]
fn looped_tone_keeps_its_frequency_across_the_wrap() {
    // A 400 Hz tone of exactly 50 periods (1 s): the loop point is phase continuous.
    let bytes = tone_wav(8000, 1, Enc::Int(16), 400.0, 0.5, 1.0);
    let mut play = Playback::new(Prompt::from_wav_bytes("moh", &bytes).unwrap(), true);
    let flat: Vec<i16> = (0..75).flat_map(|_| play.next_frame().unwrap()).collect();
    let around_wrap = &flat[7000..9000];
    let f = estimate_frequency(around_wrap, SAMPLE_RATE).unwrap();
    assert!((f - 400.0).abs() < 2.0, "{f} Hz");
    assert!(tone_power_ratio(around_wrap, 400.0, SAMPLE_RATE) > 0.9);
}

#[test]
fn empty_prompt_plays_nothing_even_looped() {
    assert_eq!(
        Playback::new(Prompt::from_samples("e", vec![]), true).next_frame(),
        None
    );
    assert_eq!(
        Playback::new(Prompt::from_samples("e", vec![]), false).next_frame(),
        None
    );
}

#[test]
fn prompt_clones_share_their_samples() {
    let p = Prompt::from_samples("shared", vec![5; 8000]);
    let q = p.clone();
    assert_eq!(p.samples().as_ptr(), q.samples().as_ptr());
    assert_eq!(q.duration_ms(), 1000);
    assert_eq!(q.byte_len(), 16_000);
}

fn prompt_of(len: usize) -> Prompt {
    Prompt::from_samples("x", vec![1; len])
}

#[test]
fn cache_loads_each_key_once() {
    let cache = PromptCache::new(1 << 20);
    let loads = Cell::new(0);
    for _ in 0..5 {
        let p = cache
            .get_or_load("welcome", || {
                loads.set(loads.get() + 1);
                Ok(prompt_of(100))
            })
            .unwrap();
        assert_eq!(p.samples().len(), 100);
    }
    assert_eq!(loads.get(), 1);
    assert_eq!(cache.len(), 1);
    assert_eq!(cache.bytes(), 200);
}

#[test]
fn cache_evicts_the_least_recently_used_when_over_its_byte_cap() {
    let cache = PromptCache::new(600); // three prompts of 100 samples (200 bytes)
    for key in ["a", "b", "c"] {
        cache.insert(key, prompt_of(100));
    }
    assert!(cache.get("a").is_some()); // "b" is now the least recently used
    cache.insert("d", prompt_of(100));
    assert!(!cache.contains("b"), "b evicted");
    assert!(cache.contains("a") && cache.contains("c") && cache.contains("d"));
    assert_eq!(cache.bytes(), 600);

    cache.insert("big", prompt_of(250)); // 500 bytes: evicts c, a, d in that order until it fits
    assert!(cache.contains("big"));
    assert_eq!(cache.len(), 1 + usize::from(cache.contains("d")));
    assert!(cache.bytes() <= 600);
}

#[test]
fn cache_returns_but_does_not_keep_a_prompt_larger_than_its_cap() {
    let cache = PromptCache::new(100);
    cache.insert("small", prompt_of(10));
    let p = cache.get_or_load("huge", || Ok(prompt_of(1000))).unwrap();
    assert_eq!(p.samples().len(), 1000);
    assert!(!cache.contains("huge"));
    assert!(
        cache.contains("small"),
        "an oversized prompt evicts nothing"
    );
}

#[test]
fn cache_does_not_keep_failed_loads() {
    let cache = PromptCache::new(1 << 20);
    let err = cache.get_or_load("broken", || Prompt::from_wav_bytes("broken", b"junk"));
    assert!(matches!(err, Err(MediaError::BadAudio { .. })));
    assert!(cache.is_empty());
}

#[test]
fn cache_reloads_a_file_replaced_on_disk_and_is_shared_across_threads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hold.wav");
    std::fs::write(&path, tone_wav(8000, 1, Enc::Int(16), 400.0, 0.3, 0.5)).unwrap();
    let cache = PromptCache::new(1 << 20);
    let first = cache.load_file(&path).unwrap();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let (cache, path) = (cache.clone(), path.clone());
            std::thread::spawn(move || cache.load_file(&path).unwrap())
        })
        .collect();
    for h in handles {
        let p = h.join().unwrap();
        assert_eq!(
            p.samples().as_ptr(),
            first.samples().as_ptr(),
            "same decoded prompt"
        );
    }
    assert_eq!(cache.len(), 1);

    std::fs::write(&path, tone_wav(8000, 1, Enc::Int(16), 400.0, 0.3, 1.0)).unwrap();
    let second = cache.load_file(&path).unwrap();
    assert_eq!(second.samples().len(), 8000, "the new content is decoded");
    assert_eq!(first.samples().len(), 4000, "the old prompt is untouched");
}
