//! Quoting the parent message in an answer.

use crate::date::short_utc;
use crate::text::one_line;

/// The parent's text quoted under an attribution line:
///
/// ```text
/// On 2026-12-07 10:00 UTC, Alice <a@x> wrote:
/// > line
/// >
/// > line
/// ```
///
/// `author` is shown on one line (e.g. a [`crate::Mailbox`]'s `Display`), `date` is Unix
/// seconds (formatted in UTC here, no clock read). Line endings are normalised to `\n`;
/// trailing blank lines are dropped; empty lines are quoted as a bare `>`.
pub fn quote(author: &str, date: i64, text: &str) -> String {
    let author = one_line(author);
    let mut out = if author.is_empty() {
        format!("On {}, someone wrote:", short_utc(date))
    } else {
        format!("On {}, {author} wrote:", short_utc(date))
    };
    let normalised = text.replace("\r\n", "\n").replace('\r', "\n");
    for line in normalised.trim_end().lines() {
        let line = line.trim_end();
        out.push('\n');
        out.push('>');
        if !line.is_empty() {
            out.push(' ');
            out.push_str(line);
        }
    }
    out
}

/// The block a forward carries under the agent's text: a separator, the original's sender,
/// date (Unix seconds, shown in UTC) and subject, then its text as it was.
pub fn forwarded(from: &str, date: i64, subject: &str, text: &str) -> String {
    format!(
        "---------- Forwarded message ----------\nFrom: {}\nDate: {}\nSubject: {}\n\n{}",
        one_line(from),
        short_utc(date),
        one_line(subject),
        text.replace("\r\n", "\n").trim_end()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forward_names_the_original_sender_date_and_subject_above_its_text() {
        let f = forwarded(
            "carol@x",
            1_796_637_600,
            "Printer\r\non fire",
            "Hello\r\nthere\r\n",
        );
        assert_eq!(
            f,
            "---------- Forwarded message ----------\nFrom: carol@x\nDate: 2026-12-07 10:00 UTC\n\
             Subject: Printer on fire\n\nHello\nthere"
        );
    }

    #[test]
    fn quote_prefixes_every_line_under_an_attribution() {
        let q = quote("Alice <a@x>", 1_796_637_600, "line\r\n\r\nline 2\n\n");
        assert_eq!(
            q,
            "On 2026-12-07 10:00 UTC, Alice <a@x> wrote:\n> line\n>\n> line 2"
        );
    }

    #[test]
    fn quoting_a_quote_nests() {
        assert_eq!(
            quote("a@x", 0, "> old"),
            "On 1970-01-01 00:00 UTC, a@x wrote:\n> > old"
        );
    }
}
