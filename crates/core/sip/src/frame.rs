//! Finding the header section and the Content-Length in raw bytes, before any UTF-8 check:
//! shared by the datagram parser and the stream framer.

use crate::Error;

/// Number of CR and LF bytes at the start of `buf` (keep-alives and the CRLFs RFC 3261
/// § 7.5 says to ignore before a start line).
pub(crate) fn leading_crlf(buf: &[u8]) -> usize {
    buf.iter()
        .take_while(|&&b| b == b'\r' || b == b'\n')
        .count()
}

/// The end of the line starting at `pos` (index after its `\n`), if complete.
fn line_end(buf: &[u8], pos: usize) -> Option<usize> {
    let rest = buf.get(pos..)?;
    memchr::memchr(b'\n', rest).map(|i| pos + i + 1)
}

fn is_blank(line: &[u8]) -> bool {
    line == b"\r\n" || line == b"\n"
}

/// Index of the empty line that ends the header section starting at `from`, and the index
/// after it (the body start).
pub(crate) fn find_head_end(buf: &[u8], from: usize) -> Option<(usize, usize)> {
    let mut pos = from;
    loop {
        let end = line_end(buf, pos)?;
        if pos > from && buf.get(pos..end).is_some_and(is_blank) {
            return Some((pos, end));
        }
        pos = end;
    }
}

/// Splits a header section (start line excluded, empty line excluded) into fields: each
/// item is the byte range of one field, continuation lines included.
pub(crate) fn field_spans(head: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut pos = 0;
    std::iter::from_fn(move || {
        let start = pos;
        let mut end = line_end(head, start).unwrap_or(head.len());
        if start >= head.len() {
            return None;
        }
        while matches!(head.get(end), Some(b' ' | b'\t')) {
            end = line_end(head, end).unwrap_or(head.len());
        }
        pos = end;
        Some((start, end))
    })
}

/// The Content-Length declared in `head` (start line included), `None` when absent.
pub(crate) fn scan_content_length(head: &[u8]) -> Result<Option<usize>, Error> {
    let fields_start = line_end(head, 0).unwrap_or(head.len());
    let fields = head.get(fields_start..).unwrap_or(&[]);
    let mut found = None;
    for (a, b) in field_spans(fields) {
        let field = fields.get(a..b).unwrap_or(&[]);
        let Some(colon) = memchr::memchr(b':', field) else {
            continue;
        };
        let name = trim_bytes(field.get(..colon).unwrap_or(&[]));
        if name.eq_ignore_ascii_case(b"content-length") || name.eq_ignore_ascii_case(b"l") {
            let value = content_length_value(field.get(colon + 1..).unwrap_or(&[]))?;
            if found.is_some_and(|v| v != value) {
                return Err(Error::BadContentLength {
                    reason: "given twice with different values",
                });
            }
            found = Some(value);
        }
    }
    Ok(found)
}

/// Parses a Content-Length value: digits only, leading zeros allowed, no overflow.
pub(crate) fn content_length_value(raw: &[u8]) -> Result<usize, Error> {
    let v = trim_bytes(raw);
    if v.first() == Some(&b'-') {
        return Err(Error::BadContentLength { reason: "negative" });
    }
    if v.is_empty() || !v.iter().all(u8::is_ascii_digit) {
        return Err(Error::BadContentLength {
            reason: "not a number",
        });
    }
    v.iter().try_fold(0usize, |acc, &d| {
        acc.checked_mul(10)
            .and_then(|x| x.checked_add(usize::from(d - b'0')))
            .ok_or_else(|| Error::BadContentLength {
                reason: "too large",
            })
    })
}

fn trim_bytes(b: &[u8]) -> &[u8] {
    let is_ws = |c: &u8| matches!(c, b' ' | b'\t' | b'\r' | b'\n');
    let start = b.iter().position(|c| !is_ws(c)).unwrap_or(b.len());
    let end = b.iter().rposition(|c| !is_ws(c)).map_or(start, |i| i + 1);
    b.get(start..end).unwrap_or(&[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_end_is_the_first_empty_line_after_the_start_line() {
        assert_eq!(find_head_end(b"A\r\nB: c\r\n\r\nbody", 0), Some((9, 11)));
        assert_eq!(find_head_end(b"A\nB: c\n\nbody", 0), Some((7, 8)));
        assert_eq!(find_head_end(b"A\r\nB: c\r\n", 0), None);
    }

    #[test]
    fn fields_include_their_continuation_lines() {
        let spans: Vec<_> = field_spans(b"A: 1\r\n 2\r\nB: 3\r\n").collect();
        assert_eq!(spans, [(0, 10), (10, 16)]);
    }

    #[test]
    fn content_length_is_found_in_any_form_and_checked() {
        let head = b"INVITE x SIP/2.0\r\nl:  12\r\nContent-Length: 12\r\n\r\n";
        assert_eq!(scan_content_length(head).unwrap(), Some(12));
        let twice = b"X\r\nl: 1\r\ncontent-length: 2\r\n\r\n";
        assert!(scan_content_length(twice).is_err());
        assert_eq!(scan_content_length(b"X\r\nTo: a\r\n\r\n").unwrap(), None);
        assert!(content_length_value(b" 99999999999999999999999 ").is_err());
        assert!(content_length_value(b"1 2").is_err());
    }
}
