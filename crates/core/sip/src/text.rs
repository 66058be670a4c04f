//! Lexical helpers shared by the parsers (RFC 3261 § 25.1 basic rules).
//!
//! Every function works on `&str` slices of one validated source and never indexes out of
//! bounds: positions come from `find`/`char_indices` on the same slice.

use bytestring::ByteString;

use crate::Error;

/// `token` characters of RFC 3261 § 25.1.
#[inline]
pub(crate) fn is_token_byte(b: u8) -> bool {
    crate::charset::TOKEN.has(b)
}

/// True when `s` is a non-empty `token`.
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty() && crate::charset::TOKEN.all(s)
}

/// Linear white space as it survives in a collected header value: SP, HTAB and the CR/LF of
/// a folded line (a fold is always followed by SP or HTAB, so treating CR and LF as space is
/// equivalent to unfolding first).
#[inline]
pub(crate) fn is_lws(b: u8) -> bool {
    crate::charset::LWS.has(b)
}

/// `s` without leading and trailing LWS.
pub(crate) fn trim(s: &str) -> &str {
    let bytes = s.as_bytes();
    let mut start = 0;
    while bytes.get(start).is_some_and(|&b| is_lws(b)) {
        start += 1;
    }
    let mut end = bytes.len();
    while end > start && bytes.get(end - 1).is_some_and(|&b| is_lws(b)) {
        end -= 1;
    }
    s.get(start..end).unwrap_or("")
}

/// `s` without leading LWS.
pub(crate) fn trim_start(s: &str) -> &str {
    let start = s.bytes().position(|b| !is_lws(b)).unwrap_or(s.len());
    s.get(start..).unwrap_or("")
}

/// A `ByteString` sharing `part`'s bytes when `part` lies inside `src`, else a copy.
///
/// An empty `src` means a dry run (grammar check only, see `Headers::check_grammar`):
/// nothing is kept and the result is empty.
pub(crate) fn share(src: &ByteString, part: &str) -> ByteString {
    if src.is_empty() {
        return ByteString::new();
    }
    let base = src.as_ptr() as usize;
    let start = part.as_ptr() as usize;
    let inside = start >= base && start + part.len() <= base + src.len();
    if inside && !part.is_empty() {
        src.slice_ref(part)
    } else {
        ByteString::from(part)
    }
}

/// Byte offset of `part` inside `whole` (0 when `part` is not inside it).
pub(crate) fn offset_in(whole: &str, part: &str) -> usize {
    let base = whole.as_ptr() as usize;
    let start = part.as_ptr() as usize;
    if start >= base && start <= base + whole.len() {
        start - base
    } else {
        0
    }
}

/// Length of the quoted string that starts at `s[0] == '"'`, closing quote included.
pub(crate) fn quoted_len(s: &str) -> Result<usize, Error> {
    let bytes = s.as_bytes();
    let mut i = 1;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' => i += 2,
            b'"' => return Ok(i + 1),
            _ => i += 1,
        }
    }
    Err(Error::UnterminatedQuote { offset: 0 })
}

/// The content of a quoted string with its quoted-pairs resolved (`"a\"b"` → `a"b`).
/// Text that is not quoted is returned unchanged.
pub fn unquote(s: &str) -> std::borrow::Cow<'_, str> {
    let Some(inner) = s.strip_prefix('"').and_then(|r| r.strip_suffix('"')) else {
        return s.into();
    };
    if !inner.contains('\\') {
        return inner.into();
    }
    let mut out = String::with_capacity(inner.len());
    let mut escaped = false;
    for c in inner.chars() {
        if escaped || c != '\\' {
            out.push(c);
            escaped = false;
        } else {
            escaped = true;
        }
    }
    out.into()
}

/// `s` as a quoted string, escaping `"` and `\`.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Splits `s` at the first `sep` that is outside quoted strings and `<…>`.
/// Returns `(before, Some(after))`, or `(s, None)` when there is no such separator.
pub(crate) fn split_once_top(s: &str, sep: u8) -> Result<(&str, Option<&str>), Error> {
    let bytes = s.as_bytes();
    let mut i = 0;
    while let Some(found) = bytes
        .get(i..)
        .and_then(|rest| memchr::memchr3(b'"', b'<', sep, rest))
    {
        i += found;
        match bytes.get(i) {
            Some(b'"') => {
                let rest = s.get(i..).unwrap_or("");
                i += quoted_len(rest).map_err(|_| Error::UnterminatedQuote { offset: i })?;
            }
            Some(b'<') => {
                let close = bytes.get(i..).and_then(|rest| memchr::memchr(b'>', rest));
                i += close.unwrap_or(bytes.len() - i);
            }
            _ => {
                let before = s.get(..i).unwrap_or("");
                let after = s.get(i + 1..).unwrap_or("");
                return Ok((before, Some(after)));
            }
        }
    }
    Ok((s, None))
}

/// The elements of a comma-separated header value, trimmed; empty ones are yielded so the
/// caller can decide whether `a,,b` is an error.
pub(crate) fn comma_items(s: &str) -> impl Iterator<Item = Result<&str, Error>> {
    let mut rest = Some(s);
    std::iter::from_fn(move || {
        let current = rest?;
        match split_once_top(current, b',') {
            Ok((item, next)) => {
                rest = next;
                Some(Ok(trim(item)))
            }
            Err(e) => {
                rest = None;
                Some(Err(e))
            }
        }
    })
}

/// [`comma_items`] collected.
pub(crate) fn split_commas(s: &str) -> Result<Vec<&str>, Error> {
    comma_items(s).collect()
}

/// Decodes `%xx` escapes. Returns `None` when an escape is malformed. The result is bytes
/// because `%00` or a lone `%FF` is legal in a URI (RFC 4475 § 3.1.1.4).
pub fn percent_decode(s: &str) -> Option<Vec<u8>> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hi = hex_value(*bytes.get(i + 1)?)?;
            let lo = hex_value(*bytes.get(i + 2)?)?;
            out.push(hi * 16 + lo);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    Some(out)
}

fn hex_value(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// True when every `%` in `s` starts a valid `%xx` escape.
pub(crate) fn escapes_valid(s: &str) -> bool {
    let bytes = s.as_bytes();
    if find_byte(s, b'%').is_none() {
        return true;
    }
    bytes.iter().enumerate().all(|(i, &b)| {
        b != b'%'
            || (bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
    })
}

/// Parses an unsigned decimal number of 1–`max_digits` digits (leading zeros allowed, as
/// RFC 4475 § 3.1.1.1 requires) without overflow.
pub(crate) fn parse_u32(s: &str) -> Option<u32> {
    if s.is_empty() {
        return None;
    }
    let mut value: u64 = 0;
    for b in s.bytes() {
        if !b.is_ascii_digit() {
            return None;
        }
        // Leading zeros keep the value at 0; past u32::MAX the number is refused at once,
        // so the u64 never overflows.
        value = value * 10 + u64::from(b - b'0');
        if value > u64::from(u32::MAX) {
            return None;
        }
    }
    u32::try_from(value).ok()
}

/// Index of the first byte `b` in `s` (a plain loop on short strings, where `memchr`'s
/// set-up costs more than it saves).
#[inline]
pub(crate) fn find_byte(s: &str, b: u8) -> Option<usize> {
    if s.len() < 64 {
        find_byte_short(s.as_bytes(), b)
    } else {
        memchr::memchr(b, s.as_bytes())
    }
}

/// Index of the first byte `b` in `bytes`: the first 64 bytes eight at a time (a header
/// line is usually shorter), the rest with `memchr`.
pub(crate) fn find_byte_in(bytes: &[u8], b: u8) -> Option<usize> {
    let (near, far) = bytes.split_at(bytes.len().min(64));
    find_byte_short(near, b).or_else(|| memchr::memchr(b, far).map(|i| near.len() + i))
}

/// [`find_byte`] on a short slice, eight bytes per step: a byte equal to `b` becomes zero
/// after the XOR, and the classic "has a zero byte" test finds the lowest one exactly.
#[inline]
fn find_byte_short(bytes: &[u8], b: u8) -> Option<usize> {
    let pattern = LOW * u64::from(b);
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in chunks.by_ref() {
        let Ok(word) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let zero = zero_bytes(u64::from_le_bytes(word) ^ pattern);
        if zero != 0 {
            return Some(at + (zero.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&c| c == b)
        .map(|i| at + i)
}

/// The pieces of `s` between bytes `b` (like `str::split` with a byte).
pub(crate) fn split_on(s: &str, b: u8) -> impl Iterator<Item = &str> {
    let mut rest = Some(s);
    std::iter::from_fn(move || {
        let current = rest?;
        match split_byte(current, b) {
            Some((piece, after)) => {
                rest = Some(after);
                Some(piece)
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

/// Index of the first byte of `s` that is in `set`.
pub(crate) fn find_any(s: &str, set: &[u8]) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in chunks.by_ref() {
        let Ok(word) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let word = u64::from_le_bytes(word);
        // A false "zero" can only appear above a real one, so the lowest flag over all
        // the bytes of `set` is a real match.
        let hits = set
            .iter()
            .fold(0, |hits, &b| hits | zero_bytes(word ^ (LOW * u64::from(b))));
        if hits != 0 {
            return Some(at + (hits.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|c| set.contains(c))
        .map(|i| at + i)
}

const LOW: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The high bit of each zero byte of `x` (and possibly of bytes above the lowest zero).
#[inline]
fn zero_bytes(x: u64) -> u64 {
    x.wrapping_sub(LOW) & !x & HIGH
}

/// Splits `s` around the first ASCII byte `b`.
#[inline]
pub(crate) fn split_byte(s: &str, b: u8) -> Option<(&str, &str)> {
    let i = find_byte(s, b)?;
    Some((s.get(..i)?, s.get(i + 1..)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_string_length_honours_escapes_and_reports_unterminated() {
        assert_eq!(quoted_len("\"a\\\"b\" rest").unwrap(), 6);
        assert_eq!(quoted_len("\"\"").unwrap(), 2);
        assert!(quoted_len("\"abc\\\"").is_err());
        assert!(quoted_len("\"abc\\").is_err());
    }

    #[test]
    fn quote_and_unquote_are_inverse() {
        for s in ["plain", "with \"quotes\"", "back\\slash", ""] {
            assert_eq!(unquote(&quote(s)), s);
        }
        assert_eq!(unquote("token"), "token");
    }

    #[test]
    fn comma_items_ignore_commas_in_quotes_and_angle_brackets() {
        let items: Vec<&str> = comma_items("\"a, b\" <sip:x;p=1,2>, c ,,d")
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(items, ["\"a, b\" <sip:x;p=1,2>", "c", "", "d"]);
        assert!(comma_items("\"open, b").any(|i| i.is_err()));
    }

    #[test]
    fn percent_decoding_keeps_nul_and_rejects_bad_escapes() {
        assert_eq!(percent_decode("a%00b%41").unwrap(), b"a\0bA");
        assert!(percent_decode("%4").is_none());
        assert!(percent_decode("%zz").is_none());
        assert!(escapes_valid("%41%42") && !escapes_valid("%4G"));
    }

    #[test]
    fn short_byte_search_finds_the_first_match_at_every_position() {
        let text = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ!";
        for len in 0..text.len() {
            let s = text.get(..len).unwrap();
            for (i, b) in text.bytes().enumerate() {
                let expected = (i < len).then_some(i);
                assert_eq!(find_byte(s, b), expected, "{b} in {len} bytes");
            }
            let doubled = format!("{s}{s}");
            for b in [b'a', b'q', b'!', 0x80, 0xff, 0] {
                assert_eq!(find_byte(&doubled, b), doubled.bytes().position(|c| c == b));
            }
        }
        assert_eq!(find_byte("\u{100}\u{101}", 0x80), Some(1));
    }

    #[test]
    fn search_for_any_of_several_bytes_finds_the_first() {
        let text = "host.example.com:5060;transport=tcp?x=1 more text";
        for len in 0..text.len() {
            let s = text.get(..len).unwrap();
            let expected = |set: &[u8]| s.bytes().position(|c| set.contains(&c));
            for set in [&b":;?"[..], b";?", b" =", b"z"] {
                assert_eq!(find_any(s, set), expected(set), "{set:?} in {s}");
            }
        }
    }

    #[test]
    fn numbers_allow_leading_zeros_and_refuse_overflow() {
        assert_eq!(parse_u32("0009"), Some(9));
        assert_eq!(parse_u32("000000000000004294967295"), Some(u32::MAX));
        assert_eq!(parse_u32("4294967296"), None);
        assert_eq!(parse_u32("-1"), None);
        assert_eq!(parse_u32(""), None);
    }

    #[test]
    fn trim_and_share_stay_inside_the_source() {
        let src = ByteString::from(" \r\n value \t");
        let t = trim(&src);
        assert_eq!(t, "value");
        assert_eq!(share(&src, t), "value");
        assert_eq!(share(&src, "elsewhere"), "elsewhere");
        assert_eq!(share(&ByteString::new(), "dry run"), "");
        assert_eq!(offset_in(&src, t), 4);
        assert_eq!(trim(" \t "), "");
    }
}
