//! Stream framing for TCP (RFC 3261 § 18.3): cuts a byte stream into messages and CRLF
//! keep-alive pings (RFC 5626 § 4.4.1), sans-IO. `sb-sip` says where each message ends.

use bytes::{Bytes, BytesMut};
use sb_sip::{Frame, ParseConfig, Response};

/// The answer to a double-CRLF ping (RFC 5626 § 4.4.1).
pub const PONG: &[u8] = b"\r\n";

/// What the next bytes of a stream hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamItem {
    /// One whole message, to parse with [`ParseConfig::parse_stream`].
    Message(Bytes),
    /// A keep-alive ping: write [`PONG`].
    Ping,
    /// The stream cannot be framed (bad Content-Length, message too large): write `reply`
    /// when there is one (400, 513) and close the connection.
    Fatal {
        /// The printed error response, if the request was readable enough to answer.
        reply: Option<Bytes>,
    },
}

/// Accumulates received bytes and yields [`StreamItem`]s.
#[derive(Debug)]
pub struct StreamDecoder {
    config: ParseConfig,
    buf: BytesMut,
    crlfs: usize,
    failed: bool,
    to_tag: String,
}

impl StreamDecoder {
    /// A decoder with these limits; `to_tag` goes into error responses.
    pub fn new(config: ParseConfig, to_tag: impl Into<String>) -> Self {
        StreamDecoder {
            config,
            buf: BytesMut::new(),
            crlfs: 0,
            failed: false,
            to_tag: to_tag.into(),
        }
    }

    /// Appends received bytes.
    pub fn push(&mut self, data: &[u8]) {
        if !self.failed {
            self.buf.extend_from_slice(data);
        }
    }

    /// Bytes held waiting for the rest of a message.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The next complete item, or `None` until more bytes arrive (always `None` after
    /// [`StreamItem::Fatal`]).
    pub fn next_item(&mut self) -> Option<StreamItem> {
        loop {
            if self.failed {
                return None;
            }
            if self.crlfs >= 2 {
                self.crlfs -= 2;
                return Some(StreamItem::Ping);
            }
            match self.config.frame(&self.buf) {
                Frame::Incomplete => return None,
                Frame::KeepAlive { len } => self.take_crlfs(len),
                Frame::Message { len } => return Some(self.take_message(len)),
                Frame::Invalid(error) => return Some(self.fail(&error)),
            }
        }
    }

    fn take_crlfs(&mut self, len: usize) {
        let run = self.buf.split_to(len.min(self.buf.len()));
        self.crlfs += run.iter().filter(|&&b| b == b'\n').count();
    }

    fn take_message(&mut self, len: usize) -> StreamItem {
        self.crlfs = 0;
        StreamItem::Message(self.buf.split_to(len.min(self.buf.len())).freeze())
    }

    fn fail(&mut self, error: &sb_sip::Error) -> StreamItem {
        self.failed = true;
        let reply = Response::for_rejected(&self.buf, error, Some(&self.to_tag));
        self.buf = BytesMut::new();
        StreamItem::Fatal {
            reply: reply.map(|r| r.to_bytes()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const OPTIONS: &str = "OPTIONS sip:x@example.com SIP/2.0\r\n\
        Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bKs1\r\nMax-Forwards: 70\r\n\
        From: <sip:a@example.com>;tag=1\r\nTo: <sip:x@example.com>\r\nCall-ID: s1\r\n\
        CSeq: 1 OPTIONS\r\nContent-Length: 4\r\n\r\nbody";

    fn decoder() -> StreamDecoder {
        StreamDecoder::new(ParseConfig::default(), "t")
    }

    fn drain(d: &mut StreamDecoder) -> Vec<StreamItem> {
        std::iter::from_fn(|| d.next_item()).collect()
    }

    #[test]
    fn two_messages_in_one_read_come_out_separately() {
        let mut d = decoder();
        d.push(format!("{OPTIONS}{OPTIONS}").as_bytes());
        let items = drain(&mut d);
        let one = StreamItem::Message(Bytes::from_static(OPTIONS.as_bytes()));
        assert_eq!(items, [one.clone(), one]);
        assert_eq!(d.buffered(), 0);
    }

    #[test]
    fn a_message_split_across_reads_waits_for_its_body() {
        let mut d = decoder();
        let (a, b) = OPTIONS.split_at(OPTIONS.len() - 2);
        d.push(a.as_bytes());
        assert_eq!(d.next_item(), None);
        d.push(b.as_bytes());
        assert!(matches!(d.next_item(), Some(StreamItem::Message(m)) if m.len() == OPTIONS.len()));
    }

    #[test]
    fn a_double_crlf_is_a_ping_even_when_split_and_a_single_crlf_is_not() {
        let mut d = decoder();
        d.push(b"\r\n");
        assert_eq!(d.next_item(), None, "a pong, or half a ping");
        d.push(b"\r\n");
        assert_eq!(drain(&mut d), [StreamItem::Ping]);
        d.push(b"\r\n\r\n\r\n\r\n");
        assert_eq!(drain(&mut d), [StreamItem::Ping, StreamItem::Ping]);
    }

    #[test]
    fn a_stray_crlf_before_a_message_is_not_answered() {
        let mut d = decoder();
        d.push(format!("\r\n{OPTIONS}").as_bytes());
        assert!(matches!(drain(&mut d).as_slice(), [StreamItem::Message(_)]));
    }

    #[test]
    fn a_missing_content_length_is_answered_400_and_closes() {
        let mut d = decoder();
        let raw = OPTIONS.replace("Content-Length: 4\r\n", "");
        d.push(raw.as_bytes());
        let Some(StreamItem::Fatal { reply: Some(reply) }) = d.next_item() else {
            panic!("expected a fatal framing error with a reply");
        };
        assert!(reply.starts_with(b"SIP/2.0 400 "), "{reply:?}");
        d.push(OPTIONS.as_bytes());
        assert_eq!(d.next_item(), None, "nothing after a fatal error");
    }

    #[test]
    fn an_endless_header_beyond_the_size_limit_is_fatal() {
        let config = ParseConfig {
            max_message_size: 1024,
            ..ParseConfig::default()
        };
        let mut d = StreamDecoder::new(config, "t");
        d.push(b"OPTIONS sip:x SIP/2.0\r\nX: ");
        d.push(&[b'a'; 2000]);
        assert!(matches!(d.next_item(), Some(StreamItem::Fatal { .. })));
    }

    proptest! {
        /// However the stream is cut into reads, the same messages come out in order.
        #[test]
        fn chunking_does_not_change_the_messages(cuts in proptest::collection::vec(1usize..64, 0..40)) {
            let stream = format!("\r\n\r\n{OPTIONS}{OPTIONS}\r\n\r\n{OPTIONS}");
            let mut d = decoder();
            let (mut rest, mut items) = (stream.as_bytes(), Vec::new());
            for cut in cuts {
                let (a, b) = rest.split_at(cut.min(rest.len()));
                d.push(a);
                items.extend(drain(&mut d));
                rest = b;
            }
            d.push(rest);
            items.extend(drain(&mut d));
            let msg = StreamItem::Message(Bytes::from_static(OPTIONS.as_bytes()));
            let want = [StreamItem::Ping, msg.clone(), msg.clone(), StreamItem::Ping, msg];
            prop_assert_eq!(items, want);
        }

        #[test]
        fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..512)) {
            let mut d = decoder();
            d.push(&data);
            let _ = drain(&mut d);
        }
    }
}
