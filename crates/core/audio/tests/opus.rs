//! Opus through libopus: a tone survives the round trip at 8 kHz, and hostile packets are
//! refused (lost), never a panic.
#![cfg(feature = "opus")]
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use proptest::prelude::*;
use sb_audio::{
    AudioError, FRAME_SAMPLES, OPUS_MAX_SAMPLES, OpusDecoder, OpusEncoder, OpusOperation,
    estimate_frequency, tone_power_ratio,
};

fn tone(freq: f64, samples: usize) -> Vec<i16> {
    (0..samples)
        .map(|n| (8000.0 * (2.0 * std::f64::consts::PI * freq * n as f64 / 8000.0).sin()) as i16)
        .collect()
}

fn round_trip(pcm: &[i16]) -> Vec<i16> {
    let (mut enc, mut dec) = (OpusEncoder::new().unwrap(), OpusDecoder::new().unwrap());
    let mut out = Vec::new();
    for frame in pcm.chunks_exact(FRAME_SAMPLES) {
        let mut packet = Vec::new();
        let len = enc.encode(frame, &mut packet).unwrap();
        assert_eq!(len, packet.len());
        assert!(
            len > 0 && len < 200,
            "a 20 ms narrowband packet of {len} bytes"
        );
        let mut buf = [0i16; OPUS_MAX_SAMPLES];
        let n = dec.decode(&packet, &mut buf).unwrap();
        assert_eq!(n, FRAME_SAMPLES);
        out.extend_from_slice(&buf[..n]);
    }
    out
}

#[test]
fn a_1khz_tone_survives_encoding_and_decoding_at_8khz() {
    let decoded = round_trip(&tone(1000.0, 50 * FRAME_SAMPLES));
    let settled = &decoded[10 * FRAME_SAMPLES..]; // past the codec's start-up
    let f = estimate_frequency(settled, 8000).unwrap();
    assert!((f - 1000.0).abs() < 20.0, "measured {f:.1} Hz");
    let ratio = tone_power_ratio(settled, 1000.0, 8000);
    assert!(ratio > 0.8, "only {ratio:.2} of the power at 1 kHz");
}

#[test]
fn a_440hz_tone_is_not_heard_as_1khz() {
    let decoded = round_trip(&tone(440.0, 50 * FRAME_SAMPLES));
    let f = estimate_frequency(&decoded[10 * FRAME_SAMPLES..], 8000).unwrap();
    assert!((f - 440.0).abs() < 10.0, "measured {f:.1} Hz");
}

#[test]
fn a_length_that_is_no_opus_frame_is_refused() {
    let mut enc = OpusEncoder::new().unwrap();
    let mut out = vec![7u8];
    let e = enc.encode(&[0i16; 100], &mut out).unwrap_err();
    assert!(
        matches!(
            e,
            AudioError::Opus {
                operation: OpusOperation::Encode,
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(out, [7], "nothing appended on failure");
}

#[test]
fn empty_and_malformed_packets_are_decode_errors() {
    let mut dec = OpusDecoder::new().unwrap();
    let mut buf = [0i16; OPUS_MAX_SAMPLES];
    // Empty; code 3 (arbitrary frame count) announcing zero frames; code 1 (two equal
    // frames) whose odd remainder cannot be split.
    for bad in [&[][..], &[0x03, 0x00], &[0x01, 1, 2, 3]] {
        let decoded = dec.decode(bad, &mut buf);
        let e = decoded
            .map(|n| format!("{bad:?}: {n} samples"))
            .unwrap_err();
        assert!(
            matches!(
                e,
                AudioError::Opus {
                    operation: OpusOperation::Decode,
                    ..
                }
            ),
            "{bad:?}: {e}"
        );
    }
}

#[test]
fn a_packet_longer_than_the_buffer_is_refused() {
    let mut enc = OpusEncoder::new().unwrap();
    let mut packet = Vec::new();
    enc.encode(&tone(1000.0, 480), &mut packet).unwrap(); // 60 ms
    let mut dec = OpusDecoder::new().unwrap();
    let mut small = [0i16; FRAME_SAMPLES];
    assert!(dec.decode(&packet, &mut small).is_err());
    let mut buf = [0i16; OPUS_MAX_SAMPLES];
    assert_eq!(dec.decode(&packet, &mut buf).unwrap(), 480);
}

#[test]
fn a_lost_packet_is_concealed_with_one_frame() {
    let mut enc = OpusEncoder::new().unwrap();
    let mut dec = OpusDecoder::new().unwrap();
    let mut packet = Vec::new();
    enc.encode(&tone(1000.0, FRAME_SAMPLES), &mut packet)
        .unwrap();
    let mut buf = [0i16; FRAME_SAMPLES];
    dec.decode(&packet, &mut buf).unwrap();
    assert_eq!(dec.conceal(&mut buf).unwrap(), FRAME_SAMPLES);
}

proptest! {
    #[test]
    fn arbitrary_bytes_decode_to_at_most_120_ms_or_are_refused(
        bytes in proptest::collection::vec(any::<u8>(), 0..400)
    ) {
        let mut dec = OpusDecoder::new().unwrap();
        let mut buf = [0i16; OPUS_MAX_SAMPLES];
        match dec.decode(&bytes, &mut buf) {
            Ok(n) => prop_assert!(n <= OPUS_MAX_SAMPLES),
            Err(e) => prop_assert!(
                matches!(e, AudioError::Opus { operation: OpusOperation::Decode, .. }),
                "{e}"
            ),
        }
    }
}
