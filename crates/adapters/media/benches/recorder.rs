//! What a recording costs per call: CPU per 20 ms frame written by [`Recorder`] (stereo, as
//! calls are recorded; mono, as messages are), the once-a-second header rewrite and `fsync`
//! included, on the disk under the temporary directory.
//!
//! Run: `cargo bench -p sb-media --bench recorder -- --warm-up-time 1 --measurement-time 5`

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use sb_audio::FRAME_SAMPLES;
use sb_media::recorder::{Layout, Recorder};

/// Frames per file before a new one is started (one minute of audio), so files stay small.
const FILE_FRAMES: u64 = 3000;

fn frame(seed: i32) -> [i16; FRAME_SAMPLES] {
    let mut f = [0i16; FRAME_SAMPLES];
    for (i, s) in f.iter_mut().enumerate() {
        let t = i as f64 / 8000.0;
        *s = ((t * 2.0 * std::f64::consts::PI * f64::from(300 + seed)).sin() * 6000.0) as i16;
    }
    f
}

/// Writes `iters` frames into files of [`FILE_FRAMES`], timing the writes only.
fn write_frames(layout: Layout, iters: u64) -> Duration {
    let dir = tempfile::tempdir().expect("tempdir");
    let (left, right) = (frame(1), frame(2));
    let mut spent = Duration::ZERO;
    let mut done = 0;
    let mut file = 0;
    while done < iters {
        file += 1;
        let path = dir.path().join(format!("r{file}.wav"));
        let mut recorder = Recorder::create_with(&path, layout).expect("recorder");
        let n = FILE_FRAMES.min(iters - done);
        let start = Instant::now();
        for _ in 0..n {
            recorder.write_frame(&left, &right).expect("frame");
        }
        spent += start.elapsed();
        black_box(recorder.finish().expect("finish"));
        let _ = std::fs::remove_file(&path);
        done += n;
    }
    spent
}

fn recorder_frames(c: &mut Criterion) {
    c.bench_function("recorder_stereo_frame", |b| {
        b.iter_custom(|iters| write_frames(Layout::Stereo, iters))
    });
    c.bench_function("recorder_mono_frame", |b| {
        b.iter_custom(|iters| write_frames(Layout::Mono, iters))
    });
}

criterion_group!(benches, recorder_frames);
criterion_main!(benches);
