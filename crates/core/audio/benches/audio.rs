//! Per-frame costs of the audio paths (20 ms frames of 160 samples at 8 kHz).
//!
//! Run: `cargo bench -p sb-audio --bench audio -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use sb_audio::g711::Law;
use sb_audio::{DtmfDetector, FRAME_SAMPLES, MixMode, Mixer, PartyId, ToneGenerator, ToneSpec};

fn speechy_frame(seed: i32) -> [i16; FRAME_SAMPLES] {
    let mut f = [0i16; FRAME_SAMPLES];
    for (i, s) in f.iter_mut().enumerate() {
        let t = i as f64 / 8000.0;
        let v = (t * 2.0 * std::f64::consts::PI * f64::from(200 + seed * 37)).sin() * 6000.0;
        *s = v as i16;
    }
    f
}

fn mixer_three_party(c: &mut Criterion) {
    let mut mixer = Mixer::new();
    let frames: Vec<_> = (0..3).map(speechy_frame).collect();
    for i in 0..3 {
        mixer.add(PartyId(i), MixMode::Full).expect("fresh id");
    }
    c.bench_function("mixer_3_party_frame", |b| {
        b.iter(|| {
            for (i, f) in frames.iter().enumerate() {
                mixer.push(PartyId(i as u32), f).expect("known party");
            }
            mixer.mix();
            black_box(mixer.output(PartyId(0)).map(|f| f[0]));
        })
    });
}

fn g711_frames(c: &mut Criterion) {
    let pcm = speechy_frame(1);
    let mut codes = [0u8; FRAME_SAMPLES];
    let mut back = [0i16; FRAME_SAMPLES];
    c.bench_function("g711_ulaw_encode_frame", |b| {
        b.iter(|| Law::Mu.encode_frame(black_box(&pcm), &mut codes))
    });
    c.bench_function("g711_ulaw_decode_frame", |b| {
        b.iter(|| Law::Mu.decode_frame(black_box(&codes), &mut back))
    });
    c.bench_function("g711_alaw_encode_frame", |b| {
        b.iter(|| Law::A.encode_frame(black_box(&pcm), &mut codes))
    });
}

fn dtmf_detector_frame(c: &mut Criterion) {
    let mut tone =
        ToneGenerator::new(ToneSpec::dtmf('5', 100, 100, -10.0).expect("key")).expect("non-empty");
    let mut signal = vec![0i16; 1600];
    tone.fill(&mut signal);
    let mut det = DtmfDetector::default();
    let mut at = 0;
    c.bench_function("dtmf_detector_frame", |b| {
        b.iter(|| {
            det.push(black_box(&signal[at..at + FRAME_SAMPLES]));
            at = (at + FRAME_SAMPLES) % signal.len();
            black_box(det.poll_event());
        })
    });
}

criterion_group!(benches, mixer_three_party, g711_frames, dtmf_detector_frame);
criterion_main!(benches);
