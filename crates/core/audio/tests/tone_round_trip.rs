//! Generated tones survive G.711 and are recognised on the far side.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use proptest::prelude::*;
use sb_audio::g711::Law;
use sb_audio::{DtmfDetector, ToneGenerator, ToneSpec, estimate_frequency};

fn through_g711(law: Law, pcm: &[i16]) -> Vec<i16> {
    let mut codes = vec![0u8; pcm.len()];
    let mut back = vec![0i16; pcm.len()];
    law.encode_frame(pcm, &mut codes);
    law.decode_frame(&codes, &mut back);
    back
}

#[test]
fn generated_dtmf_through_g711_is_detected_in_order() {
    for law in [Law::Mu, Law::A] {
        let mut det = DtmfDetector::default();
        let mut found = String::new();
        for d in "0123456789*#ABCD".chars() {
            let spec = ToneSpec::dtmf(d, 70, 70, -12.0).unwrap();
            let mut g = ToneGenerator::new(spec).unwrap();
            let mut pcm = vec![0i16; 1120];
            g.fill(&mut pcm);
            det.push(&through_g711(law, &pcm));
            while let Some(e) = det.poll_event() {
                found.push(e.digit);
            }
        }
        assert_eq!(found, "0123456789*#ABCD", "{law:?}");
    }
}

#[test]
fn a_one_kilohertz_beep_arrives_as_one_kilohertz_after_g711() {
    let mut g = ToneGenerator::new(ToneSpec::beep(1000.0, 500)).unwrap();
    let mut pcm = vec![0i16; 4000];
    g.fill(&mut pcm);
    let f = estimate_frequency(&through_g711(Law::Mu, &pcm), 8000).unwrap();
    assert!((f - 1000.0).abs() < 1.0, "{f}");
}

proptest! {
    #[test]
    fn decode_is_monotonic_in_encode(a in any::<i16>(), b in any::<i16>()) {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        for law in [Law::Mu, Law::A] {
            prop_assert!(law.decode(law.encode(lo)) <= law.decode(law.encode(hi)));
        }
    }

    #[test]
    fn re_encoding_a_decoded_sample_is_stable(s in any::<i16>()) {
        for law in [Law::Mu, Law::A] {
            let once = law.decode(law.encode(s));
            prop_assert_eq!(law.decode(law.encode(once)), once);
        }
    }
}
