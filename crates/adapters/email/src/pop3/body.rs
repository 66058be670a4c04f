//! The multi-line body decoder: dot-unstuffing, CRLF or bare LF, a size cap.
//!
//! It works byte by byte across reads (a read may end anywhere, even inside the terminating
//! `.CRLF`), keeps at most `cap` bytes and counts the rest, so an oversized message costs no
//! memory beyond the cap and is still consumed up to its end.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineState {
    /// At the start of a line.
    Start,
    /// Inside a line.
    Mid,
    /// A line began with `.`.
    Dot,
    /// A line began with `.` then CR.
    DotCr,
}

/// One multi-line body being received.
#[derive(Debug)]
pub(crate) struct Body {
    state: LineState,
    data: Vec<u8>,
    cap: usize,
    octets: u64,
}

impl Body {
    pub(crate) fn new(cap: usize) -> Self {
        Self {
            state: LineState::Start,
            data: Vec::new(),
            cap,
            octets: 0,
        }
    }

    /// Consumes from `input`; returns how many bytes were used and whether the terminating
    /// line was seen (bytes after it belong to the next response).
    pub(crate) fn feed(&mut self, input: &[u8]) -> (usize, bool) {
        let mut i = 0;
        while i < input.len() {
            if self.state == LineState::Mid {
                match memchr::memchr(b'\n', &input[i..]) {
                    Some(p) => {
                        self.push(&input[i..=i + p]);
                        i += p + 1;
                        self.state = LineState::Start;
                    }
                    None => {
                        self.push(&input[i..]);
                        i = input.len();
                    }
                }
                continue;
            }
            let byte = input[i];
            i += 1;
            if self.step(byte) {
                return (i, true);
            }
        }
        (i, false)
    }

    /// One byte outside the middle of a line; true at the end of the body.
    fn step(&mut self, byte: u8) -> bool {
        match (self.state, byte) {
            (LineState::Start, b'.') => self.state = LineState::Dot,
            (LineState::Dot, b'\r') => self.state = LineState::DotCr,
            (LineState::Dot | LineState::DotCr, b'\n') => return true,
            (LineState::DotCr, _) => {
                // ".\r" not followed by LF: the dot was stuffing, the CR is data.
                self.push(b"\r");
                self.push_one(byte);
            }
            _ => self.push_one(byte),
        }
        false
    }

    fn push_one(&mut self, byte: u8) {
        self.push(&[byte]);
        self.state = if byte == b'\n' {
            LineState::Start
        } else {
            LineState::Mid
        };
    }

    fn push(&mut self, bytes: &[u8]) {
        self.octets = self.octets.saturating_add(bytes.len() as u64);
        let room = self.cap.saturating_sub(self.data.len());
        self.data.extend_from_slice(&bytes[..bytes.len().min(room)]);
    }

    /// The body: (kept bytes, whether some were dropped, total octets).
    pub(crate) fn finish(self) -> (Vec<u8>, bool, u64) {
        let truncated = self.octets > self.data.len() as u64;
        (self.data, truncated, self.octets)
    }
}
