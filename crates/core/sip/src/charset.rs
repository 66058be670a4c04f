//! Character classes of RFC 3261 § 25.1 as 256-entry tables (one load per byte instead of
//! a chain of comparisons).

/// A set of bytes.
pub(crate) struct Set([bool; 256]);

impl Set {
    /// Alphanumerics (when `alnum`) plus `extra`.
    const fn new(alnum: bool, extra: &[u8]) -> Set {
        let mut table = [false; 256];
        let mut b = 0;
        while b < 256 {
            let c = b as u8;
            table[b] = alnum && c.is_ascii_alphanumeric();
            b += 1;
        }
        let mut i = 0;
        while i < extra.len() {
            table[extra[i] as usize] = true;
            i += 1;
        }
        Set(table)
    }

    /// True when `b` is in the set.
    pub(crate) fn has(&self, b: u8) -> bool {
        self.0[usize::from(b)]
    }

    /// True when every byte of `s` is in the set and every `%` starts a `%xx` escape (one
    /// pass doing what `all` and `text::escapes_valid` do one after the other).
    pub(crate) fn all_escaped(&self, s: &str) -> bool {
        let bytes = s.as_bytes();
        bytes.iter().enumerate().all(|(i, &b)| {
            self.has(b)
                && (b != b'%'
                    || (bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                        && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit)))
        })
    }

    /// True when every byte of `s` is in the set.
    pub(crate) fn all(&self, s: &str) -> bool {
        s.bytes().all(|b| self.has(b))
    }
}

/// `token`.
pub(crate) static TOKEN: Set = Set::new(true, b"-.!%*_+`'~");
/// `user` characters (unreserved, escaped, user-unreserved).
pub(crate) static USER: Set = Set::new(true, b"-_.!~*'()%&=+$,;?/");
/// `password` characters.
pub(crate) static PASSWORD: Set = Set::new(true, b"-_.!~*'()%&=+$,");
/// `hname` / `hvalue` characters of URI headers.
pub(crate) static URI_HEADER: Set = Set::new(true, b"-_.!~*'()%[]/?:+$");
/// `paramchar` of URI parameters.
pub(crate) static PARAM: Set = Set::new(true, b"-_.!~*'()%[]/:&+$");
/// Host name characters (with `_`, seen in the wild).
pub(crate) static HOST: Set = Set::new(true, b"-._");
/// Linear white space bytes of a collected header value.
pub(crate) static LWS: Set = Set::new(false, b" \t\r\n");
