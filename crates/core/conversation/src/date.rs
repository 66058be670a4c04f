//! Unix seconds to calendar dates (UTC), without a clock or a date library.

/// A UTC calendar date and time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    /// 0 = Sunday … 6 = Saturday.
    pub weekday: u32,
}

/// The instants a Date header we build may carry: 1970-01-01 to 3000-12-31, the years the
/// parser accepts back.
pub(crate) const DATE_RANGE: std::ops::RangeInclusive<i64> = 0..=32_535_215_999;

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Splits Unix seconds into a UTC date (proleptic Gregorian; any `i64` works).
pub(crate) fn civil(unix: i64) -> Civil {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    // Days to civil date, counting 400-year eras from 0000-03-01.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    Civil {
        year,
        month: small(month),
        day: small(day),
        hour: small(secs / 3_600),
        minute: small(secs / 60 % 60),
        second: small(secs % 60),
        weekday: small((days + 4).rem_euclid(7)),
    }
}

/// The values above are bounded (month, day, time of day, weekday), so this never saturates.
fn small(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

/// RFC 5322 date: `Mon, 7 Dec 2026 10:00:00 +0000`.
pub(crate) fn rfc5322(unix: i64) -> String {
    let c = civil(unix);
    let weekday = WEEKDAYS.get(c.weekday as usize).copied().unwrap_or("Sun");
    let month = MONTHS
        .get(c.month.saturating_sub(1) as usize)
        .copied()
        .unwrap_or("Jan");
    format!(
        "{weekday}, {} {month} {:04} {:02}:{:02}:{:02} +0000",
        c.day, c.year, c.hour, c.minute, c.second
    )
}

/// Short human form for quote headers: `2026-12-07 10:00 UTC`.
pub(crate) fn short_utc(unix: i64) -> String {
    let c = civil(unix);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        c.year, c.month, c.day, c.hour, c.minute
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_is_a_thursday() {
        assert_eq!(rfc5322(0), "Thu, 1 Jan 1970 00:00:00 +0000");
    }

    #[test]
    fn known_dates_format() {
        // 2026-12-07 10:00:00 UTC
        assert_eq!(rfc5322(1_796_637_600), "Mon, 7 Dec 2026 10:00:00 +0000");
        assert_eq!(short_utc(1_796_637_600), "2026-12-07 10:00 UTC");
        // Leap day.
        assert_eq!(short_utc(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(rfc5322(253_402_300_799), "Fri, 31 Dec 9999 23:59:59 +0000");
        assert_eq!(
            rfc5322(*DATE_RANGE.end()),
            "Wed, 31 Dec 3000 23:59:59 +0000"
        );
    }

    #[test]
    fn extreme_values_do_not_panic() {
        for v in [i64::MIN, i64::MIN + 1, -1, i64::MAX] {
            let _ = rfc5322(v);
            let _ = short_utc(v);
        }
    }
}
