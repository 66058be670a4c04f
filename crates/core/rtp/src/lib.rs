//! RTP/RTCP sessions, quality figures, RFC 4733 DTMF, jitter buffer
