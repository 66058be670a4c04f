//! Hours of operation: a weekly schedule and holidays in an IANA time zone.

use jiff::civil::Date;
use jiff::tz::{TimeZone, TimeZoneDatabase};
use sb_types::Timestamp;
use std::collections::BTreeSet;
use std::sync::OnceLock;

/// Whether the contact center is open at an instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Openness {
    /// Within a weekly opening range.
    Open,
    /// Outside every range.
    Closed,
    /// On a listed holiday.
    Holiday,
}

/// A compiled schedule.
#[derive(Clone, Debug)]
pub(crate) struct Hours {
    tz: TimeZone,
    /// Per weekday (Monday first): opening ranges in minutes since midnight, `[open, close)`.
    weekly: [Vec<(u16, u16)>; 7],
    holidays: BTreeSet<Date>,
}

/// The bundled time zone database: lookups never touch the file system.
fn tzdb() -> &'static TimeZoneDatabase {
    static DB: OnceLock<TimeZoneDatabase> = OnceLock::new();
    DB.get_or_init(TimeZoneDatabase::bundled)
}

/// Looks an IANA time zone up.
pub(crate) fn time_zone(name: &str) -> Option<TimeZone> {
    tzdb().get(name).ok()
}

/// Parses `HH:MM` (00:00 to 24:00) into minutes since midnight.
pub(crate) fn parse_clock(text: &str) -> Option<u16> {
    let (h, m) = text.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    let minutes = h.checked_mul(60)?.checked_add(m)?;
    (m < 60 && minutes <= 24 * 60).then_some(minutes)
}

/// Parses `YYYY-MM-DD`.
pub(crate) fn parse_date(text: &str) -> Option<Date> {
    text.parse().ok()
}

impl Hours {
    pub(crate) fn new(
        tz: TimeZone,
        weekly: [Vec<(u16, u16)>; 7],
        holidays: BTreeSet<Date>,
    ) -> Self {
        Hours {
            tz,
            weekly,
            holidays,
        }
    }

    /// Openness at `now`; `None` if the instant is outside the calendar's range.
    pub(crate) fn at(&self, now: Timestamp) -> Option<Openness> {
        let instant = jiff::Timestamp::from_millisecond(now.as_millis()).ok()?;
        let local = self.tz.to_datetime(instant);
        if self.holidays.contains(&local.date()) {
            return Some(Openness::Holiday);
        }
        let day = usize::try_from(local.weekday().to_monday_zero_offset()).ok()?;
        let minute =
            u16::try_from(i32::from(local.hour()) * 60 + i32::from(local.minute())).ok()?;
        let ranges = self.weekly.get(day)?;
        let open = ranges
            .iter()
            .any(|&(from, to)| from <= minute && minute < to);
        Some(if open {
            Openness::Open
        } else {
            Openness::Closed
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nine_to_five_weekdays() -> Hours {
        let mut weekly: [Vec<(u16, u16)>; 7] = Default::default();
        for day in weekly.iter_mut().take(5) {
            day.push((9 * 60, 17 * 60));
        }
        let holidays = BTreeSet::from([parse_date("2026-12-25").unwrap()]);
        Hours::new(time_zone("Europe/Paris").unwrap(), weekly, holidays)
    }

    fn at(rfc3339: &str) -> Timestamp {
        let t: jiff::Timestamp = rfc3339.parse().unwrap();
        Timestamp::from_millis(t.as_millisecond())
    }

    #[test]
    fn schedule_is_read_in_the_local_time_zone() {
        let h = nine_to_five_weekdays();
        // Monday 23 November 2026, 08:30 UTC is 09:30 in Paris.
        assert_eq!(h.at(at("2026-11-23T08:30:00Z")), Some(Openness::Open));
        assert_eq!(h.at(at("2026-11-23T07:59:00Z")), Some(Openness::Closed));
        assert_eq!(h.at(at("2026-11-23T16:00:00Z")), Some(Openness::Closed));
        // Saturday.
        assert_eq!(h.at(at("2026-11-28T10:00:00Z")), Some(Openness::Closed));
    }

    #[test]
    fn holidays_win_over_the_weekly_schedule() {
        let h = nine_to_five_weekdays();
        assert_eq!(h.at(at("2026-12-25T10:00:00Z")), Some(Openness::Holiday));
    }

    #[test]
    fn clock_text_is_strict() {
        assert_eq!(parse_clock("09:30"), Some(570));
        assert_eq!(parse_clock("24:00"), Some(1440));
        for bad in ["9:30", "24:01", "12:60", "ab:cd", "", "0930"] {
            assert_eq!(parse_clock(bad), None, "{bad}");
        }
        assert!(time_zone("Mars/Olympus").is_none());
    }
}
