//! ITU-T G.711 companding: µ-law (PCMU, payload type 0) and A-law (PCMA, payload type 8).
//!
//! Linear samples are 16-bit. µ-law works on a 14-bit magnitude with a bias of 33 (132 at
//! 16-bit scale) and eight segments; A-law on a 13-bit magnitude with eight segments, the first
//! two linear. Every code decodes to the midpoint of its quantisation interval, so
//! `encode(decode(c)) == c` for every code except µ-law's negative zero (0x7F), which re-encodes
//! as positive zero (0xFF).

/// µ-law bias at 16-bit scale.
const ULAW_BIAS: i32 = 0x84;
/// Largest magnitude µ-law can represent before the bias is added.
const ULAW_CLIP: i32 = 32635;

/// The two G.711 laws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Law {
    /// µ-law (North America, Japan): RTP payload type 0, `PCMU`.
    Mu,
    /// A-law (elsewhere): RTP payload type 8, `PCMA`.
    A,
}

impl Law {
    /// Encodes one sample.
    pub fn encode(self, sample: i16) -> u8 {
        match self {
            Law::Mu => ulaw_encode(sample),
            Law::A => alaw_encode(sample),
        }
    }

    /// Decodes one code.
    pub fn decode(self, code: u8) -> i16 {
        match self {
            Law::Mu => ulaw_decode(code),
            Law::A => alaw_decode(code),
        }
    }

    /// Encodes `pcm` into `out` (zipped: the shorter length wins).
    pub fn encode_frame(self, pcm: &[i16], out: &mut [u8]) {
        for (o, s) in out.iter_mut().zip(pcm) {
            *o = self.encode(*s);
        }
    }

    /// Decodes `codes` into `out` (zipped: the shorter length wins).
    pub fn decode_frame(self, codes: &[u8], out: &mut [i16]) {
        for (o, c) in out.iter_mut().zip(codes) {
            *o = self.decode(*c);
        }
    }
}

/// Index of the highest set bit of a positive value (0 for 1).
fn top_bit(v: i32) -> i32 {
    31 - v.leading_zeros() as i32
}

/// Encodes one linear sample as µ-law.
pub fn ulaw_encode(sample: i16) -> u8 {
    let s = i32::from(sample);
    let sign = if s < 0 { 0x80 } else { 0 };
    let magnitude = s.abs().min(ULAW_CLIP) + ULAW_BIAS;
    let exponent = (top_bit(magnitude) - 7).clamp(0, 7);
    let mantissa = (magnitude >> (exponent + 3)) & 0x0F;
    !(sign | (exponent << 4) | mantissa) as u8
}

/// Decodes one µ-law code to a linear sample.
pub fn ulaw_decode(code: u8) -> i16 {
    let c = i32::from(!code);
    let exponent = (c >> 4) & 0x07;
    let magnitude = (((c & 0x0F) << 3) + ULAW_BIAS) << exponent;
    let value = if c & 0x80 != 0 {
        ULAW_BIAS - magnitude
    } else {
        magnitude - ULAW_BIAS
    };
    value as i16
}

/// Encodes one linear sample as A-law.
pub fn alaw_encode(sample: i16) -> u8 {
    let s = i32::from(sample) >> 3;
    let (mask, magnitude) = if s >= 0 { (0xD5, s) } else { (0x55, -s - 1) };
    let segment = (top_bit(magnitude.max(1)) - 4).max(0);
    if segment > 7 {
        return (0x7F ^ mask) as u8;
    }
    let shift = if segment < 2 { 1 } else { segment };
    let code = (segment << 4) | ((magnitude >> shift) & 0x0F);
    (code ^ mask) as u8
}

/// Decodes one A-law code to a linear sample.
pub fn alaw_decode(code: u8) -> i16 {
    let c = i32::from(code ^ 0x55);
    let segment = (c >> 4) & 0x07;
    let step = (c & 0x0F) << 4;
    let magnitude = match segment {
        0 => step + 8,
        s => (step + 0x108) << (s - 1),
    };
    let value = if c & 0x80 != 0 { magnitude } else { -magnitude };
    value as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ulaw_decodes_to_the_itu_table_values() {
        // G.711 Table 2a end points at 16-bit scale (14-bit values times 4).
        assert_eq!(ulaw_decode(0x00), -32124);
        assert_eq!(ulaw_decode(0x80), 32124);
        assert_eq!(ulaw_decode(0xFF), 0);
        assert_eq!(ulaw_decode(0x7F), 0);
        assert_eq!(ulaw_decode(0xFE), 8);
        // 0xEF: segment 1, step 0 -> 14-bit 33 -> 132.
        assert_eq!(ulaw_decode(0xEF), 132);
        // 0x70: negative, segment 0, step 15 -> 14-bit -30 -> -120.
        assert_eq!(ulaw_decode(0x70), -120);
    }

    #[test]
    fn alaw_decodes_to_the_itu_table_values() {
        // G.711 Table 1a: 13-bit decision values times 8.
        assert_eq!(alaw_decode(0xD5), 8);
        assert_eq!(alaw_decode(0x55), -8);
        assert_eq!(alaw_decode(0xAA), 32256);
        assert_eq!(alaw_decode(0x2A), -32256);
        assert_eq!(alaw_decode(0xD4), 24);
    }

    #[test]
    fn every_ulaw_code_round_trips_except_negative_zero() {
        for code in 0..=255u8 {
            let back = ulaw_encode(ulaw_decode(code));
            let expected = if code == 0x7F { 0xFF } else { code };
            assert_eq!(back, expected, "code {code:#04x}");
        }
    }

    #[test]
    fn every_alaw_code_round_trips() {
        for code in 0..=255u8 {
            assert_eq!(alaw_encode(alaw_decode(code)), code, "code {code:#04x}");
        }
    }

    #[test]
    fn extremes_saturate_to_the_largest_codes() {
        assert_eq!(ulaw_decode(ulaw_encode(i16::MAX)), 32124);
        assert_eq!(ulaw_decode(ulaw_encode(i16::MIN)), -32124);
        assert_eq!(alaw_decode(alaw_encode(i16::MAX)), 32256);
        assert_eq!(alaw_decode(alaw_encode(i16::MIN)), -32256);
    }

    #[test]
    fn quantisation_error_stays_within_half_a_step() {
        for s in (i16::MIN..=i16::MAX).step_by(7) {
            for law in [Law::Mu, Law::A] {
                let back = i32::from(law.decode(law.encode(s)));
                let err = (back - i32::from(s)).abs();
                // Codes decode to the middle of their interval: the error is at most half a
                // step, and a step is at most 1/16 of the interval's lower edge (+ clipping).
                let bound = i32::from(s).abs() / 32 + 8;
                assert!(err <= bound, "{law:?} {s} -> {back}");
            }
        }
    }

    #[test]
    fn frames_encode_and_decode_element_by_element() {
        let pcm: Vec<i16> = (0..160).map(|i| (i * 200 - 16000) as i16).collect();
        let mut codes = [0u8; 160];
        let mut back = [0i16; 160];
        Law::A.encode_frame(&pcm, &mut codes);
        Law::A.decode_frame(&codes, &mut back);
        for i in 0..160 {
            assert_eq!(back[i], alaw_decode(alaw_encode(pcm[i])));
        }
    }
}
