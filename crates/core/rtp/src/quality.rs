//! Per-leg quality figures, as the engine and the wallboard read them.

use crate::emodel::{CodecImpairment, mos_from_r, r_factor};

/// What one leg's media looked like, both directions.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LegQuality {
    /// RTP packets received (duplicates excluded), all remote sources together.
    pub packets_received: u64,
    /// Payload bytes received.
    pub bytes_received: u64,
    /// Packets lost since the start (expected − received, never negative).
    pub packets_lost: u64,
    /// Cumulative loss in percent of the expected packets.
    pub loss_percent: f64,
    /// Loss in the last RTCP reporting interval, in percent.
    pub interval_loss_percent: f64,
    /// Duplicated packets received.
    pub duplicates: u64,
    /// Packets that arrived out of order.
    pub reordered: u64,
    /// Interarrival jitter of the current remote source, in ms.
    pub jitter_ms: f64,
    /// RTP packets sent.
    pub packets_sent: u64,
    /// Payload bytes sent.
    pub bytes_sent: u64,
    /// Round-trip time from the last report block about us with an LSR, in ms.
    pub rtt_ms: Option<f64>,
    /// Loss of our stream as the remote reported it, in percent of its last interval.
    pub remote_loss_percent: Option<f64>,
    /// Jitter of our stream as the remote reported it, in ms.
    pub remote_jitter_ms: Option<f64>,
    /// E-model rating of the received direction.
    pub r_factor: f64,
    /// Mean opinion score estimated from `r_factor`.
    pub mos: f64,
}

impl LegQuality {
    /// Fills `r_factor` and `mos` from the loss and a one-way delay estimate of
    /// `rtt / 2 + extra_delay_ms` (packetisation and jitter buffer).
    pub fn rate(&mut self, codec: CodecImpairment, extra_delay_ms: f64) {
        let one_way = self.rtt_ms.unwrap_or(0.0) / 2.0 + extra_delay_ms;
        self.r_factor = r_factor(codec, self.loss_percent, one_way);
        self.mos = mos_from_r(self.r_factor);
    }
}
