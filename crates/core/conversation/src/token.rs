//! Conversation tokens in subjects: `[#SB-7K3M9Q2T]`.
//!
//! The token survives mail clients that drop In-Reply-To/References (or customers who start a
//! new mail and paste the subject): `find_token` on an inbound subject finds the conversation.
//! Eight characters of Crockford base32 carry 40 bits; the alphabet has no I, L, O or U, so a
//! token read aloud or retyped is not ambiguous.

use crate::text::one_line;

/// Crockford base32, upper case.
const ALPHABET: [u8; 32] = *b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// `SB-` and eight alphabet characters.
const TOKEN_LEN: usize = 11;
/// `[#` + token + `]`.
const BRACKETED_LEN: usize = TOKEN_LEN + 3;

/// Reply and forward prefixes stripped from subjects (lower case): English, German, Nordic,
/// Dutch, French, Italian, Portuguese and Chinese clients.
const PREFIXES: [&str; 17] = [
    "re", "fw", "fwd", "aw", "wg", "sv", "vs", "antw", "tr", "rif", "res", "enc", "回复", "答复",
    "转发", "回覆", "轉寄",
];

/// The token for 5 random bytes (the store takes them from a UUID v7's random part):
/// `"SB-"` followed by 8 Crockford base32 characters, e.g. `"SB-7K3M9Q2T"`.
pub fn token_from_bytes(bytes: [u8; 5]) -> String {
    let value = bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    let mut token = String::with_capacity(TOKEN_LEN);
    token.push_str("SB-");
    for i in (0..8).rev() {
        let index = (value >> (i * 5)) & 31;
        token.push(char::from(ALPHABET[index as usize]));
    }
    token
}

/// Whether `s` is a well-formed token (`SB-` and 8 alphabet characters, any case).
pub fn is_token(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == TOKEN_LEN
        && b.get(..3).is_some_and(|p| p.eq_ignore_ascii_case(b"SB-"))
        && b.get(3..)
            .is_some_and(|rest| rest.iter().all(|&c| is_alphabet(c)))
}

fn is_alphabet(c: u8) -> bool {
    ALPHABET.contains(&c.to_ascii_uppercase())
}

/// Whether a bracketed token `[#SB-XXXXXXXX]` starts at byte `i` of `b`.
fn bracketed_at(b: &[u8], i: usize) -> bool {
    let Some(w) = b.get(i..i.saturating_add(BRACKETED_LEN)) else {
        return false;
    };
    w.starts_with(b"[#")
        && w.ends_with(b"]")
        && w.get(2..BRACKETED_LEN - 1)
            .and_then(|t| std::str::from_utf8(t).ok())
            .is_some_and(is_token)
}

/// The last well-formed `[#SB-…]` in `subject`, matched case-insensitively and returned
/// upper-case without the brackets (`"SB-7K3M9Q2T"`).
pub fn find_token(subject: &str) -> Option<String> {
    let b = subject.as_bytes();
    let last = b.len().checked_sub(BRACKETED_LEN)?;
    (0..=last)
        .rev()
        .find(|&i| bracketed_at(b, i))
        .and_then(|i| subject.get(i + 2..i + BRACKETED_LEN - 1))
        .map(str::to_ascii_uppercase)
}

/// The subject of our answer: `"Re: <subject> [#SB-…]"`.
///
/// Reply and forward prefixes (`Re:`, `RE:`, `Fwd:`, `AW:`, `Re[2]:`…) are stripped however
/// often they repeat, every conversation token already present is removed, whitespace is made
/// single spaces, and exactly one `Re: ` and one token are added. An empty subject gives
/// `"Re: [#SB-…]"`. Idempotent: answering our own answer gives the same subject.
///
/// `token` is a token as returned by [`token_from_bytes`] or [`find_token`] (brackets and
/// case are tolerated); other text is inserted on one line.
pub fn reply_subject(original: &str, token: &str) -> String {
    compose("Re:", original, token)
}

/// The subject when forwarding: `"Fwd: <subject> [#SB-…]"`, cleaned as in [`reply_subject`].
pub fn forward_subject(original: &str, token: &str) -> String {
    compose("Fwd:", original, token)
}

/// A subject the agent chose (e.g. a canned response's), with the conversation's token:
/// `"<subject> [#SB-…]"`, cleaned as in [`reply_subject`] but with no prefix added.
pub fn tagged_subject(subject: &str, token: &str) -> String {
    compose("", subject, token).trim_start().to_owned()
}

fn compose(prefix: &str, original: &str, token: &str) -> String {
    let base = subject_base(original);
    let token = normalise_token(token);
    let mut out = String::from(prefix);
    for part in [base.as_str(), token.as_str()] {
        if !part.is_empty() {
            out.push(' ');
            out.push_str(part);
        }
    }
    out
}

/// `[#SB-XXXXXXXX]` from a token in any of the accepted shapes; empty for an empty token.
fn normalise_token(token: &str) -> String {
    let t = token.trim();
    let t = t.strip_prefix("[#").unwrap_or(t);
    let t = t.strip_suffix(']').unwrap_or(t);
    let t = if is_token(t) {
        t.to_ascii_uppercase()
    } else {
        one_line(t).replace(['[', ']'], "")
    };
    if t.is_empty() { t } else { format!("[#{t}]") }
}

/// The subject without tokens, reply/forward prefixes and extra whitespace.
fn subject_base(subject: &str) -> String {
    let cleaned = one_line(&remove_tokens(&one_line(subject)));
    let mut rest = cleaned.as_str();
    while let Some(stripped) = strip_prefix_once(rest) {
        rest = stripped;
    }
    rest.to_owned()
}

/// Every bracketed token removed, again until none is left (removing one could join the halves
/// of another).
fn remove_tokens(s: &str) -> String {
    let mut current = s.to_owned();
    loop {
        let b = current.as_bytes();
        let mut out = Vec::with_capacity(b.len());
        let mut i = 0;
        let mut removed = false;
        while let Some(&c) = b.get(i) {
            if bracketed_at(b, i) {
                i += BRACKETED_LEN;
                removed = true;
            } else {
                out.push(c);
                i += 1;
            }
        }
        if !removed {
            return current;
        }
        // Only whole ASCII runs were removed, so the rest is still UTF-8.
        current = String::from_utf8(out).unwrap_or_default();
    }
}

/// One leading `Re:`-like prefix (with an optional `[2]`, `(2)` or `^2` counter and either
/// colon) removed, or `None` when `s` does not start with one.
fn strip_prefix_once(s: &str) -> Option<&str> {
    let word_end = s
        .char_indices()
        .find(|&(_, c)| !c.is_alphabetic())
        .map_or(s.len(), |(i, _)| i);
    let word = s.get(..word_end)?.to_lowercase();
    if !PREFIXES.contains(&word.as_str()) {
        return None;
    }
    let rest = skip_counter(s.get(word_end..)?).trim_start_matches(' ');
    let rest = rest.strip_prefix(':').or_else(|| rest.strip_prefix('：'))?;
    Some(rest.trim_start())
}

/// Skips a reply counter: `[2]`, `(2)` or `^2`.
fn skip_counter(s: &str) -> &str {
    let digits_then = |rest: &str, close: Option<char>| -> Option<usize> {
        let n = rest.bytes().take_while(u8::is_ascii_digit).count();
        let after = rest.get(n..)?;
        match close {
            Some(c) if n > 0 && after.starts_with(c) => Some(n + 1),
            None if n > 0 => Some(n),
            _ => None,
        }
    };
    let skipped = match s.chars().next() {
        Some('[') => s.get(1..).and_then(|r| digits_then(r, Some(']'))),
        Some('(') => s.get(1..).and_then(|r| digits_then(r, Some(')'))),
        Some('^') => s.get(1..).and_then(|r| digits_then(r, None)),
        _ => None,
    };
    skipped.and_then(|n| s.get(1 + n..)).unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_in_many_languages_are_stripped() {
        for s in [
            "Re: Hello",
            "RE: Re: re: Hello",
            "Fwd: RE: Hello",
            "AW: WG: Hello",
            "Re[2]: Hello",
            "Re(3): Hello",
            "Re^2: Hello",
            "Re : Hello",
            "回复：Hello",
            "  Re:Hello  ",
        ] {
            assert_eq!(subject_base(s), "Hello", "{s}");
        }
    }

    #[test]
    fn words_that_only_look_like_prefixes_stay() {
        assert_eq!(subject_base("Reply needed: Hello"), "Reply needed: Hello");
        assert_eq!(subject_base("Re-order: Hello"), "Re-order: Hello");
        assert_eq!(subject_base("Re[x]: Hello"), "Re[x]: Hello");
    }

    #[test]
    fn nested_tokens_are_removed_completely() {
        assert_eq!(remove_tokens("a [#SB-[#SB-0000AAAA]0000AAAA] b"), "a  b");
    }

    #[test]
    fn a_chosen_subject_keeps_its_words_and_gains_one_token() {
        assert_eq!(
            tagged_subject("Your refund [#SB-7K3M9Q2T]", "SB-7K3M9Q2T"),
            "Your refund [#SB-7K3M9Q2T]"
        );
        assert_eq!(tagged_subject("  ", "SB-7K3M9Q2T"), "[#SB-7K3M9Q2T]");
    }
}
