//! Reception statistics for one remote source (RFC 3550 A.1, A.3, A.8).
//!
//! Sequence numbers are extended to 32 bits by counting wraps. Unlike A.1, duplicates are
//! recognised (within a window of 128 sequence numbers) and not counted as received, so
//! duplication cannot hide loss. A jump of more than `MAX_DROPOUT` ahead or `MAX_MISORDER`
//! behind is taken as a restart of the sender only when the next packet confirms it.

use sb_types::Timestamp;

const MAX_DROPOUT: u16 = 3000;
const MAX_MISORDER: u16 = 100;
const WINDOW: u64 = 128;

/// How a received sequence number relates to the stream so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// The newest packet so far.
    InOrder,
    /// Older than the newest, not seen before (reordered).
    Reordered,
    /// Already received.
    Duplicate,
    /// A large jump not (yet) confirmed; the packet is not counted.
    Discarded,
}

/// Counters and estimators for one source.
#[derive(Debug, Clone)]
pub struct Reception {
    clock_rate: u32,
    base: u64,
    max: u64,
    seen: u128,
    bad_seq: Option<u16>,
    /// Packets received (duplicates excluded).
    pub received: u64,
    /// Payload bytes received (duplicates excluded).
    pub bytes: u64,
    /// Duplicates seen.
    pub duplicates: u64,
    /// Packets that arrived older than the newest.
    pub reordered: u64,
    expected_prior: u64,
    received_prior: u64,
    transit: Option<i64>,
    jitter: f64,
}

impl Reception {
    /// Starts from the first packet's sequence number.
    pub fn new(first_seq: u16, clock_rate: u32) -> Self {
        let base = u64::from(first_seq) + (1 << 16);
        Reception {
            clock_rate: clock_rate.max(1),
            base,
            max: base - 1,
            seen: 0,
            bad_seq: None,
            received: 0,
            bytes: 0,
            duplicates: 0,
            reordered: 0,
            expected_prior: 0,
            received_prior: 0,
            transit: None,
            jitter: 0.0,
        }
    }

    /// Records a packet's sequence number and payload size.
    pub fn record(&mut self, seq: u16, payload_len: usize) -> Arrival {
        let arrival = self.classify(seq);
        if matches!(arrival, Arrival::InOrder | Arrival::Reordered) {
            self.received += 1;
            self.bytes += payload_len as u64;
        }
        match arrival {
            Arrival::Duplicate => self.duplicates += 1,
            Arrival::Reordered => self.reordered += 1,
            _ => {}
        }
        arrival
    }

    fn classify(&mut self, seq: u16) -> Arrival {
        let max16 = self.max as u16;
        let ahead = seq.wrapping_sub(max16);
        if ahead != 0 && ahead < MAX_DROPOUT {
            self.advance(self.max + u64::from(ahead));
            return Arrival::InOrder;
        }
        let behind = max16.wrapping_sub(seq);
        if behind <= MAX_MISORDER {
            return self.mark_old(self.max - u64::from(behind));
        }
        self.large_jump(seq)
    }

    fn advance(&mut self, new_max: u64) {
        let shift = new_max - self.max;
        self.seen = if shift >= WINDOW {
            0
        } else {
            self.seen << shift
        };
        self.seen |= 1;
        self.max = new_max;
        self.bad_seq = None;
    }

    fn mark_old(&mut self, ext: u64) -> Arrival {
        // Before the first packet: a late straggler extends the expected range.
        self.base = self.base.min(ext);
        let age = self.max - ext;
        if age >= WINDOW {
            return Arrival::Reordered;
        }
        let bit = 1u128 << age;
        if self.seen & bit != 0 {
            return Arrival::Duplicate;
        }
        self.seen |= bit;
        Arrival::Reordered
    }

    /// A.1: remember the jump; if the next packet follows it, the sender restarted.
    fn large_jump(&mut self, seq: u16) -> Arrival {
        if self.bad_seq != Some(seq) {
            self.bad_seq = Some(seq.wrapping_add(1));
            return Arrival::Discarded;
        }
        let prev = seq.wrapping_sub(1);
        let cycles = self.max & !0xFFFF;
        self.restart(cycles + (1 << 16) + u64::from(prev));
        self.received += 1; // the packet that announced the jump
        self.classify(seq)
    }

    fn restart(&mut self, ext_prev: u64) {
        self.expected_prior = 0;
        self.received_prior = 0;
        self.received = 0;
        self.base = ext_prev;
        self.max = ext_prev.saturating_sub(1);
        self.advance(ext_prev);
        self.transit = None;
    }

    /// A.8: updates the interarrival jitter with a packet's RTP timestamp and arrival time.
    pub fn record_timing(&mut self, rtp_timestamp: u32, arrival: Timestamp) {
        let arrival_units = arrival
            .as_millis()
            .saturating_mul(i64::from(self.clock_rate))
            / 1000;
        let transit = arrival_units.wrapping_sub(i64::from(rtp_timestamp));
        if let Some(prev) = self.transit {
            // Differences are taken modulo 2^32 like the timestamps themselves.
            let d = f64::from((transit.wrapping_sub(prev) as i32).unsigned_abs());
            self.jitter += (d - self.jitter) / 16.0;
        }
        self.transit = Some(transit);
    }

    /// Highest extended sequence number received (RFC 3550 numbering: cycles × 65536 + seq).
    pub fn extended_max(&self) -> u32 {
        (self.max - (1 << 16)) as u32
    }

    /// Packets expected: highest − first + 1.
    pub fn expected(&self) -> u64 {
        (self.max + 1).saturating_sub(self.base)
    }

    /// Packets lost since the start (A.3); negative only if a restart miscounted.
    pub fn lost(&self) -> i64 {
        self.expected() as i64 - self.received as i64
    }

    /// Interarrival jitter in timestamp units.
    pub fn jitter(&self) -> f64 {
        self.jitter
    }

    /// Interarrival jitter in milliseconds.
    pub fn jitter_ms(&self) -> f64 {
        self.jitter * 1000.0 / f64::from(self.clock_rate)
    }

    /// Loss fraction since the previous call, in 1/256 (A.3), and resets the interval.
    pub fn take_interval_fraction(&mut self) -> u8 {
        let expected = self.expected().saturating_sub(self.expected_prior);
        let received = self.received.saturating_sub(self.received_prior);
        self.expected_prior = self.expected();
        self.received_prior = self.received;
        let lost = expected.saturating_sub(received);
        if expected == 0 || lost == 0 {
            return 0;
        }
        ((lost << 8) / expected).min(255) as u8
    }
}
