//! The outgoing stream of a leg: one SSRC, continuous sequence numbers and timestamps, whatever
//! feeds it (relayed upstream sources that change on transfer, local media, DTMF events).
//!
//! Each upstream source is mapped by two offsets fixed when it first appears: the first packet
//! takes the next sequence number, and a timestamp projected from the previous one by the wall
//! clock time elapsed, so the far end sees one stream with a marked discontinuity and no jump
//! in either sequence or (beyond real time) timestamp.

use sb_types::Timestamp;

/// Largest forward jump (or backward step) of an upstream sequence accepted without
/// re-anchoring.
const MAX_UPSTREAM_JUMP: u16 = 3000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Feed {
    Upstream(u32),
    Local,
}

/// Sequence number, timestamp and marker for one outgoing packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutHeader {
    /// Outgoing sequence number.
    pub sequence: u16,
    /// Outgoing timestamp.
    pub timestamp: u32,
    /// Marker bit: set on the first packet after a change of feed.
    pub marker: bool,
}

/// The rewriting state of an outgoing stream.
#[derive(Debug, Clone)]
pub struct Outgoing {
    clock_rate: u32,
    next_seq: u16,
    last_ts: u32,
    last_time: Option<Timestamp>,
    feed: Option<Feed>,
    seq_offset: u16,
    ts_offset: u32,
    last_in_seq: u16,
}

impl Outgoing {
    /// A stream starting at `first_seq` and `first_ts` (random per RFC 3550, chosen by the host).
    pub fn new(clock_rate: u32, first_seq: u16, first_ts: u32) -> Self {
        Outgoing {
            clock_rate: clock_rate.max(1),
            next_seq: first_seq,
            last_ts: first_ts,
            last_time: None,
            feed: None,
            seq_offset: 0,
            ts_offset: 0,
            last_in_seq: 0,
        }
    }

    /// The header for a relayed packet from upstream source `ssrc`.
    pub fn relay(&mut self, now: Timestamp, ssrc: u32, seq: u16, ts: u32) -> OutHeader {
        let fresh = self.feed != Some(Feed::Upstream(ssrc)) || self.jumped(seq);
        if fresh {
            let ts_out = self.projected_ts(now);
            self.seq_offset = self.next_seq.wrapping_sub(seq);
            self.ts_offset = ts_out.wrapping_sub(ts);
            self.feed = Some(Feed::Upstream(ssrc));
        }
        self.last_in_seq = seq;
        let sequence = seq.wrapping_add(self.seq_offset);
        let timestamp = ts.wrapping_add(self.ts_offset);
        self.note_sent(now, sequence, timestamp);
        OutHeader {
            sequence,
            timestamp,
            marker: fresh,
        }
    }

    /// The header for a locally generated packet carrying `samples` of media after the
    /// previous local packet (the mixer, a prompt, a tone).
    pub fn local(&mut self, now: Timestamp, samples: u32) -> OutHeader {
        // A gap longer than three packets (DTMF, hold, a pause of the prompt) re-anchors to
        // the wall clock so timestamps keep pace with real time.
        let gap = self.elapsed_units(now) > samples.saturating_mul(3);
        let fresh = self.feed != Some(Feed::Local) || gap;
        let timestamp = if fresh {
            self.projected_ts(now)
        } else {
            self.last_ts.wrapping_add(samples)
        };
        self.feed = Some(Feed::Local);
        let sequence = self.take_seq();
        self.note_sent(now, sequence, timestamp);
        OutHeader {
            sequence,
            timestamp,
            marker: fresh,
        }
    }

    /// A sequence number for an injected packet (a DTMF event, whose timestamp is the event
    /// start). Later relayed packets shift by one so that numbers never repeat.
    pub fn inject(&mut self) -> u16 {
        self.seq_offset = self.seq_offset.wrapping_add(1);
        self.take_seq()
    }

    /// The timestamp the stream would carry at `now` had media flowed since the last packet.
    pub fn timestamp_at(&self, now: Timestamp) -> u32 {
        self.last_ts.wrapping_add(self.elapsed_units(now))
    }

    /// Like [`Outgoing::timestamp_at`] but at least one unit after the last packet, for the
    /// first packet of a new feed.
    fn projected_ts(&self, now: Timestamp) -> u32 {
        match self.last_time {
            None => self.last_ts,
            Some(_) => self.last_ts.wrapping_add(self.elapsed_units(now).max(1)),
        }
    }

    fn elapsed_units(&self, now: Timestamp) -> u32 {
        let Some(last) = self.last_time else { return 0 };
        let elapsed_ms = now.saturating_since(last).as_millis();
        (elapsed_ms.saturating_mul(u128::from(self.clock_rate)) / 1000) as u32
    }

    fn take_seq(&mut self) -> u16 {
        let s = self.next_seq;
        self.next_seq = s.wrapping_add(1);
        s
    }

    fn jumped(&self, seq: u16) -> bool {
        let ahead = seq.wrapping_sub(self.last_in_seq);
        let behind = self.last_in_seq.wrapping_sub(seq);
        ahead > MAX_UPSTREAM_JUMP && behind > MAX_UPSTREAM_JUMP
    }

    fn note_sent(&mut self, now: Timestamp, sequence: u16, timestamp: u32) {
        if (sequence.wrapping_sub(self.next_seq) as i16) >= 0 {
            self.next_seq = sequence.wrapping_add(1);
        }
        if (timestamp.wrapping_sub(self.last_ts) as i32) >= 0 || self.last_time.is_none() {
            self.last_ts = timestamp;
            self.last_time = Some(now);
        }
    }
}
