//! RFC 4733 telephone-events: the payload, a receiver that reports each digit once, and the
//! packet plan of a sender.

use crate::error::{RtpError, need};

/// One telephone-event payload (RFC 4733 § 2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TelephoneEvent {
    /// Event code: 0-9 digits, 10 `*`, 11 `#`, 12-15 `A`-`D`.
    pub event: u8,
    /// End bit: the event is over.
    pub end: bool,
    /// Power level in −dBm0 (0..=63).
    pub volume: u8,
    /// Duration so far, in timestamp units.
    pub duration: u16,
}

impl TelephoneEvent {
    /// Parses the first 4 bytes of a payload.
    pub fn parse(payload: &[u8]) -> Result<Self, RtpError> {
        need("telephone-event", payload, 4)?;
        Ok(TelephoneEvent {
            event: payload[0],
            end: payload[1] & 0x80 != 0,
            volume: payload[1] & 0x3F,
            duration: u16::from_be_bytes([payload[2], payload[3]]),
        })
    }

    /// The 4-byte payload.
    pub fn to_bytes(self) -> [u8; 4] {
        let d = self.duration.to_be_bytes();
        [
            self.event,
            u8::from(self.end) << 7 | (self.volume & 0x3F),
            d[0],
            d[1],
        ]
    }
}

const CHARS: &[u8; 16] = b"0123456789*#ABCD";

/// The DTMF character of an event code, `None` for non-DTMF events.
pub fn event_to_char(event: u8) -> Option<char> {
    CHARS.get(usize::from(event)).map(|&c| char::from(c))
}

/// The event code of a DTMF character.
pub fn char_to_event(digit: char) -> Option<u8> {
    let upper = digit.to_ascii_uppercase();
    CHARS
        .iter()
        .position(|&c| char::from(c) == upper)
        .map(|i| i as u8)
}

/// A completed (or presumed completed) digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DtmfDigit {
    /// Event code.
    pub event: u8,
    /// Duration in timestamp units (the longest seen).
    pub duration: u16,
    /// RTP timestamp of the event start (identifies the event).
    pub timestamp: u32,
}

#[derive(Debug, Clone, Copy)]
struct Current {
    timestamp: u32,
    event: u8,
    duration: u16,
    reported: bool,
}

/// Receiver side: one report per event, whatever the retransmissions and losses.
///
/// An event is identified by its RTP timestamp. It is reported on its first end packet; if
/// every end packet is lost it is reported when the next event starts, or on [`flush`].
/// Packets of an event older than the current one are ignored.
///
/// [`flush`]: DtmfReceiver::flush
#[derive(Debug, Clone, Default)]
pub struct DtmfReceiver {
    current: Option<Current>,
}

impl DtmfReceiver {
    /// A receiver with no event in progress.
    pub fn new() -> Self {
        Self::default()
    }

    /// Handles one telephone-event packet; returns up to two digits (a previous event whose end
    /// was lost, and this one if it just ended).
    pub fn handle(&mut self, timestamp: u32, ev: TelephoneEvent) -> [Option<DtmfDigit>; 2] {
        let mut out = [None, None];
        match self.current {
            Some(c) if c.timestamp == timestamp => {}
            Some(c) if (timestamp.wrapping_sub(c.timestamp) as i32) < 0 => return out,
            _ => {
                out[0] = self.flush();
                let new = Current {
                    timestamp,
                    event: ev.event,
                    duration: 0,
                    reported: false,
                };
                self.current = Some(new);
            }
        }
        out[1] = self.update(ev);
        out
    }

    fn update(&mut self, ev: TelephoneEvent) -> Option<DtmfDigit> {
        let c = self.current.as_mut()?;
        c.duration = c.duration.max(ev.duration);
        if !ev.end || c.reported {
            return None;
        }
        c.reported = true;
        Some(DtmfDigit {
            event: c.event,
            duration: c.duration,
            timestamp: c.timestamp,
        })
    }

    /// True while an event has started and was not reported yet.
    pub fn is_pending(&self) -> bool {
        self.current.is_some_and(|c| !c.reported)
    }

    /// Reports the event in progress if it was not reported yet (its end packets were lost).
    pub fn flush(&mut self) -> Option<DtmfDigit> {
        let c = self.current.as_mut().filter(|c| !c.reported)?;
        c.reported = true;
        Some(DtmfDigit {
            event: c.event,
            duration: c.duration,
            timestamp: c.timestamp,
        })
    }
}

/// One packet of a sender's plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedEvent {
    /// When to send it, in ms after the event start.
    pub offset_ms: u32,
    /// Marker bit (first packet of the event only).
    pub marker: bool,
    /// The payload.
    pub payload: TelephoneEvent,
}

/// The packets that send one digit (RFC 4733 § 2.5.1): one every `interval_ms` with the
/// duration so far (the first with the marker bit), then the end packet three times.
/// All share the event's RTP timestamp; each gets its own sequence number when sent.
pub fn plan_event(
    event: u8,
    duration_ms: u32,
    interval_ms: u32,
    volume: u8,
    clock_rate: u32,
) -> Vec<PlannedEvent> {
    let interval = interval_ms.max(1);
    let units =
        |ms: u32| u16::try_from(u64::from(ms) * u64::from(clock_rate) / 1000).unwrap_or(u16::MAX);
    let total = duration_ms.max(interval);
    let mut plan: Vec<PlannedEvent> = (0..)
        .map(|i| i * interval)
        .take_while(|&t| t + interval < total)
        .map(|t| PlannedEvent {
            offset_ms: t,
            marker: t == 0,
            payload: TelephoneEvent {
                event,
                end: false,
                volume,
                duration: units(t + interval),
            },
        })
        .collect();
    let last_offset = plan.last().map_or(0, |p| p.offset_ms + interval);
    for k in 0..3 {
        let payload = TelephoneEvent {
            event,
            end: true,
            volume,
            duration: units(total),
        };
        let offset_ms = last_offset + k * interval;
        plan.push(PlannedEvent {
            offset_ms,
            marker: plan.is_empty(),
            payload,
        });
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(event: u8, end: bool, duration: u16) -> TelephoneEvent {
        TelephoneEvent {
            event,
            end,
            volume: 10,
            duration,
        }
    }

    #[test]
    fn the_payload_round_trips_and_reads_the_rfc_layout() {
        let e = TelephoneEvent {
            event: 11,
            end: true,
            volume: 63,
            duration: 1600,
        };
        assert_eq!(e.to_bytes(), [11, 0x80 | 63, 0x06, 0x40]);
        assert_eq!(TelephoneEvent::parse(&e.to_bytes()).unwrap(), e);
        assert!(TelephoneEvent::parse(&[1, 2, 3]).is_err());
    }

    #[test]
    fn digits_map_to_event_codes() {
        assert_eq!(char_to_event('5'), Some(5));
        assert_eq!(char_to_event('*'), Some(10));
        assert_eq!(char_to_event('#'), Some(11));
        assert_eq!(char_to_event('d'), Some(15));
        assert_eq!(event_to_char(12), Some('A'));
        assert_eq!(event_to_char(16), None);
        assert_eq!(char_to_event('x'), None);
    }

    #[test]
    fn retransmitted_end_packets_report_the_digit_once() {
        let mut r = DtmfReceiver::new();
        assert_eq!(r.handle(1000, ev(5, false, 160)), [None, None]);
        assert_eq!(r.handle(1000, ev(5, false, 320)), [None, None]);
        let done = Some(DtmfDigit {
            event: 5,
            duration: 800,
            timestamp: 1000,
        });
        assert_eq!(r.handle(1000, ev(5, true, 800)), [None, done]);
        assert_eq!(r.handle(1000, ev(5, true, 800)), [None, None]);
        assert_eq!(r.handle(1000, ev(5, true, 800)), [None, None]);
        assert_eq!(r.flush(), None);
    }

    #[test]
    fn a_digit_whose_end_packets_were_lost_is_reported_when_the_next_starts() {
        let mut r = DtmfReceiver::new();
        r.handle(1000, ev(1, false, 480));
        let [lost_end, now] = r.handle(3000, ev(2, false, 160));
        assert_eq!(
            lost_end,
            Some(DtmfDigit {
                event: 1,
                duration: 480,
                timestamp: 1000
            })
        );
        assert_eq!(now, None);
        assert_eq!(r.flush().map(|d| d.event), Some(2));
    }

    #[test]
    fn a_late_packet_of_an_older_event_is_ignored() {
        let mut r = DtmfReceiver::new();
        r.handle(5000, ev(3, true, 800));
        assert_eq!(r.handle(4000, ev(9, true, 800)), [None, None]);
        // Timestamps compare modulo 2^32.
        let mut r = DtmfReceiver::new();
        r.handle(10, ev(3, true, 800));
        assert_eq!(r.handle(u32::MAX - 100, ev(9, true, 800)), [None, None]);
    }

    #[test]
    fn a_100_ms_digit_every_20_ms_is_four_updates_and_three_ends() {
        let plan = plan_event(7, 100, 20, 10, 8000);
        let offsets: Vec<u32> = plan.iter().map(|p| p.offset_ms).collect();
        assert_eq!(offsets, [0, 20, 40, 60, 80, 100, 120]);
        let durations: Vec<u16> = plan.iter().map(|p| p.payload.duration).collect();
        assert_eq!(durations, [160, 320, 480, 640, 800, 800, 800]);
        assert!(plan[0].marker && plan[1..].iter().all(|p| !p.marker));
        assert_eq!(plan.iter().filter(|p| p.payload.end).count(), 3);
    }
}
