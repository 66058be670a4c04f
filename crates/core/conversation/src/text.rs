//! Small text helpers shared by the modules.

/// Cuts `s` to at most `max` bytes at a char boundary; true when something was cut.
pub(crate) fn truncate(s: &mut String, max: usize) -> bool {
    if s.len() <= max {
        return false;
    }
    let mut end = max;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    s.truncate(end);
    true
}

/// Whether `s` holds a character that must never reach a header value: CR, LF, NUL and every
/// other control character except horizontal tab.
pub(crate) fn has_header_control(s: &str) -> bool {
    s.chars().any(|c| c.is_control() && c != '\t')
}

/// Control characters dropped and every run of whitespace made one space; trimmed.
pub(crate) fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s
        .split(char::is_whitespace)
        .map(|w| w.chars().filter(|c| !c.is_control()).collect::<String>())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&word);
    }
    out
}

/// Line endings made CRLF (from CRLF, lone LF or lone CR), as SMTP wants them.
pub(crate) fn crlf(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 16);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\r\n");
            }
            '\n' => out.push_str("\r\n"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncate_cuts_at_a_char_boundary() {
        let mut s = String::from("aé€");
        assert!(truncate(&mut s, 4));
        assert_eq!(s, "aé");
        let mut s = String::from("abc");
        assert!(!truncate(&mut s, 3));
        assert_eq!(s, "abc");
    }

    #[test]
    fn one_line_collapses_whitespace_and_drops_controls() {
        assert_eq!(one_line("  a \r\n\t b\u{0}c  "), "a bc");
    }

    #[test]
    fn crlf_normalises_every_line_ending() {
        assert_eq!(crlf("a\nb\r\nc\rd"), "a\r\nb\r\nc\r\nd");
    }
}
