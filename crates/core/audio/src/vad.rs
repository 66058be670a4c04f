//! Silence/talk detection by frame energy, with onset and hangover.

use crate::frame_dbov;

/// A change of talk state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TalkEvent {
    /// Speech started (after `onset` loud frames).
    Started,
    /// Speech stopped (after `hangover` quiet frames).
    Stopped,
}

/// Energy detector: a frame is loud when its level is at or above the threshold.
#[derive(Debug, Clone)]
pub struct TalkDetector {
    threshold_dbov: f64,
    onset: u32,
    hangover: u32,
    talking: bool,
    run: u32,
}

impl Default for TalkDetector {
    /// -45 dBov, 2 frames (40 ms) to start, 15 frames (300 ms) to stop.
    fn default() -> Self {
        Self::new(-45.0, 2, 15)
    }
}

impl TalkDetector {
    /// A detector with a threshold in dBov and onset/hangover counts in frames.
    pub fn new(threshold_dbov: f64, onset: u32, hangover: u32) -> Self {
        TalkDetector {
            threshold_dbov,
            onset: onset.max(1),
            hangover: hangover.max(1),
            talking: false,
            run: 0,
        }
    }

    /// True while talking.
    pub fn is_talking(&self) -> bool {
        self.talking
    }

    /// Feeds one frame; returns the state change it caused, if any.
    pub fn push(&mut self, frame: &[i16]) -> Option<TalkEvent> {
        let loud = frame_dbov(frame) >= self.threshold_dbov;
        // `run` counts consecutive frames that argue for leaving the current state.
        self.run = if loud != self.talking {
            self.run.saturating_add(1)
        } else {
            0
        };
        let needed = if self.talking {
            self.hangover
        } else {
            self.onset
        };
        if self.run < needed {
            return None;
        }
        self.talking = !self.talking;
        self.run = 0;
        Some(if self.talking {
            TalkEvent::Started
        } else {
            TalkEvent::Stopped
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOUD: [i16; 160] = [3000; 160];
    const QUIET: [i16; 160] = [0; 160];

    #[test]
    fn talk_starts_after_onset_and_stops_after_hangover() {
        let mut d = TalkDetector::new(-45.0, 2, 3);
        assert_eq!(d.push(&LOUD), None);
        assert_eq!(d.push(&LOUD), Some(TalkEvent::Started));
        assert_eq!(d.push(&QUIET), None);
        assert_eq!(d.push(&QUIET), None);
        assert_eq!(
            d.push(&LOUD),
            None,
            "a short pause is bridged by the hangover"
        );
        assert_eq!(d.push(&QUIET), None);
        assert_eq!(d.push(&QUIET), None);
        assert_eq!(d.push(&QUIET), Some(TalkEvent::Stopped));
        assert!(!d.is_talking());
    }

    #[test]
    fn a_single_click_does_not_start_talk() {
        let mut d = TalkDetector::default();
        assert_eq!(d.push(&LOUD), None);
        assert_eq!(d.push(&QUIET), None);
        assert_eq!(d.push(&LOUD), None);
        assert!(!d.is_talking());
    }
}
