//! Call quality by the ITU-T G.107 E-model, simplified for a G.711 leg.
//!
//! `R = Ro − Is − Id − Ie,eff + A` with the G.107 defaults folded into `Ro − Is = 93.2`,
//! `A = 0`, and:
//! - `Ie,eff = Ie + (95 − Ie) · Ppl / (Ppl / BurstR + Bpl)` (G.107 § 3.5), `Ppl` in percent,
//!   `BurstR = 1` (random loss); G.711 has `Ie = 0` and `Bpl = 4.3` without packet-loss
//!   concealment, `25.1` with it (G.113 Appendix I).
//! - `Id = Idd(Ta)` for the one-way delay `Ta` (ms): zero up to 100 ms, then
//!   `25 · ((1 + X⁶)^(1/6) − 3 · (1 + (X/3)⁶)^(1/6) + 2)` with `X = log2(Ta / 100)`.
//!   The echo terms Idte and Idle are left out (echo is cancelled at the endpoints).
//! - `MOS = 1 + 0.035 R + R (R − 60)(100 − R) · 7·10⁻⁶` for 0 < R < 100 (G.107 Annex B).

/// The default `Ro − Is` of G.107 (all parameters at their default values).
const R_DEFAULT: f64 = 93.2;

/// A codec's impairment parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CodecImpairment {
    /// Equipment impairment factor `Ie`.
    pub ie: f64,
    /// Packet-loss robustness factor `Bpl`.
    pub bpl: f64,
}

impl CodecImpairment {
    /// G.711 without packet-loss concealment.
    pub const G711: CodecImpairment = CodecImpairment { ie: 0.0, bpl: 4.3 };
    /// G.711 with packet-loss concealment (G.711 Appendix I).
    pub const G711_PLC: CodecImpairment = CodecImpairment { ie: 0.0, bpl: 25.1 };
}

/// The effective equipment impairment for `loss_percent` random packet loss.
pub fn ie_eff(codec: CodecImpairment, loss_percent: f64) -> f64 {
    let ppl = loss_percent.clamp(0.0, 100.0);
    codec.ie + (95.0 - codec.ie) * ppl / (ppl + codec.bpl)
}

/// The pure-delay impairment `Idd` for a one-way (mouth-to-ear) delay in ms.
pub fn delay_impairment(one_way_ms: f64) -> f64 {
    if one_way_ms.is_nan() || one_way_ms <= 100.0 {
        return 0.0;
    }
    let x = (one_way_ms / 100.0).log2();
    25.0 * ((1.0 + x.powi(6)).powf(1.0 / 6.0) - 3.0 * (1.0 + (x / 3.0).powi(6)).powf(1.0 / 6.0)
        + 2.0)
}

/// The transmission rating `R`, clamped to 0..=100.
pub fn r_factor(codec: CodecImpairment, loss_percent: f64, one_way_ms: f64) -> f64 {
    let r = R_DEFAULT - delay_impairment(one_way_ms) - ie_eff(codec, loss_percent);
    r.clamp(0.0, 100.0)
}

/// The estimated mean opinion score (1.0..=4.5) for a rating `R`.
pub fn mos_from_r(r: f64) -> f64 {
    if r.is_nan() || r <= 0.0 {
        return 1.0;
    }
    if r >= 100.0 {
        return 4.5;
    }
    // Below R ≈ 6.5 the polynomial dips under 1; the scale starts at 1.
    (1.0 + 0.035 * r + r * (r - 60.0) * (100.0 - r) * 7.0e-6).max(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 0.01
    }

    #[test]
    fn a_perfect_g711_leg_scores_r_93_2_and_mos_4_41() {
        // MOS = 1 + 0.035·93.2 + 93.2·33.2·6.8·7e-6 = 1 + 3.262 + 0.14729 = 4.4093.
        let r = r_factor(CodecImpairment::G711, 0.0, 20.0);
        assert!(close(r, 93.2));
        assert!(close(mos_from_r(r), 4.4093), "{}", mos_from_r(r));
    }

    #[test]
    fn one_percent_loss_without_plc_costs_about_17_points() {
        // Ie,eff = 95 · 1 / (1 + 4.3) = 17.925; R = 93.2 − 17.925 = 75.275.
        let r = r_factor(CodecImpairment::G711, 1.0, 0.0);
        assert!(close(r, 75.275), "{r}");
        // MOS = 1 + 2.6346 + 75.275·15.275·24.725·7e-6 = 3.6346 + 0.19901 = 3.8336.
        assert!(close(mos_from_r(r), 3.8336), "{}", mos_from_r(r));
        // With PLC: 95 · 1 / 26.1 = 3.640; R = 89.56.
        assert!(close(r_factor(CodecImpairment::G711_PLC, 1.0, 0.0), 89.560));
    }

    #[test]
    fn delay_impairs_only_beyond_100_ms() {
        assert_eq!(delay_impairment(100.0), 0.0);
        // Ta = 200: X = 1; (2)^(1/6) = 1.122462; (1 + 1/729)^(1/6) = 1.000229;
        // Idd = 25 · (1.122462 − 3.000686 + 2) = 25 · 0.121776 = 3.0444.
        assert!(
            close(delay_impairment(200.0), 3.0444),
            "{}",
            delay_impairment(200.0)
        );
        // Ta = 400: X = 2; 65^(1/6) = 2.005175; (1 + 64/729)^(1/6) = 1.014119;
        // Idd = 25 · (2.005175 − 3.042357 + 2) = 24.0705.
        assert!(
            close(delay_impairment(400.0), 24.0705),
            "{}",
            delay_impairment(400.0)
        );
    }

    #[test]
    fn mos_is_bounded_and_monotonic_in_r() {
        assert_eq!(mos_from_r(-5.0), 1.0);
        assert_eq!(mos_from_r(120.0), 4.5);
        let mut last = 1.0;
        for r in 1..100 {
            let m = mos_from_r(f64::from(r));
            assert!(m >= last, "at R = {r}");
            last = m;
        }
    }
}
