//! Opus payloads from the network into libopus (sb-audio, feature `opus`): never a panic,
//! never more than 120 ms of samples, and a refused payload leaves the decoder usable — the
//! next good packet decodes to one 20 ms frame.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sb_audio::{FRAME_SAMPLES, OPUS_MAX_SAMPLES, OpusDecoder, OpusEncoder};

fuzz_target!(|data: &[u8]| {
    let mut decoder = OpusDecoder::new().expect("decoder");
    let mut pcm = [0i16; OPUS_MAX_SAMPLES];
    if let Ok(n) = decoder.decode(data, &mut pcm) {
        assert!(n <= OPUS_MAX_SAMPLES);
    }
    let mut encoder = OpusEncoder::new().expect("encoder");
    let mut good = Vec::new();
    encoder.encode(&[0i16; FRAME_SAMPLES], &mut good).expect("encoded");
    assert_eq!(decoder.decode(&good, &mut pcm), Ok(FRAME_SAMPLES));
});
