//! G.711, mixing, tones, DTMF detection
