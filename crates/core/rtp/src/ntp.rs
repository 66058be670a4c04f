//! NTP time (RFC 3550 § 4) from the wall clock the host passes in.

use sb_types::Timestamp;

/// Seconds from 1900-01-01 (NTP era 0) to 1970-01-01 (Unix epoch).
const NTP_UNIX_OFFSET: i64 = 2_208_988_800;

/// 64-bit NTP timestamp (32.32 fixed point seconds since 1900) of `now`.
pub fn ntp_time(now: Timestamp) -> u64 {
    let ms = now.as_millis();
    let secs = ms.div_euclid(1000).saturating_add(NTP_UNIX_OFFSET) as u64;
    let frac = ((ms.rem_euclid(1000) as u64) << 32) / 1000;
    secs << 32 | frac
}

/// The middle 32 bits of an NTP timestamp (16.16 fixed point), as used by LSR and DLSR.
pub fn compact(ntp: u64) -> u32 {
    (ntp >> 16) as u32
}

/// Milliseconds in a compact (1/65536 s) duration.
pub fn compact_to_ms(units: u32) -> f64 {
    f64::from(units) * 1000.0 / 65536.0
}

/// Compact units in `ms` milliseconds (saturating).
pub fn ms_to_compact(ms: i64) -> u32 {
    let units = ms.max(0).saturating_mul(65536) / 1000;
    u32::try_from(units).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_epoch_is_ntp_second_2208988800() {
        assert_eq!(ntp_time(Timestamp::EPOCH), 2_208_988_800u64 << 32);
        // Half a second is half of 2^32 in the fraction.
        assert_eq!(ntp_time(Timestamp::from_millis(500)) & 0xFFFF_FFFF, 1 << 31);
    }

    #[test]
    fn compact_time_counts_1_over_65536_seconds() {
        let a = compact(ntp_time(Timestamp::from_millis(1_000)));
        let b = compact(ntp_time(Timestamp::from_millis(1_250)));
        assert_eq!(b.wrapping_sub(a), 16384);
        assert_eq!(compact_to_ms(16384), 250.0);
        assert_eq!(ms_to_compact(250), 16384);
        assert_eq!(ms_to_compact(-5), 0);
    }
}
