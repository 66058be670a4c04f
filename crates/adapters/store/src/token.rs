//! Conversation tokens: the short reference put in the subject of our replies (`SB-7K3M9Q2T`)
//! so that a customer's answer finds its conversation even when the mail client drops the
//! `In-Reply-To` and `References` headers.
//!
//! A token is [`TOKEN_PREFIX`] and 8 characters of Crockford's base32 (`0-9`, `A-Z` without
//! `I`, `L`, `O` and `U`) spelling 40 random bits. Backends make one with
//! [`conversation_token`] from 5 random bytes when they create a conversation, and draw other
//! bytes on the rare clash with a token of the same tenant.

/// What every token starts with.
pub const TOKEN_PREFIX: &str = "SB-";

/// Crockford's base32 alphabet.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Characters after the prefix.
const TOKEN_DIGITS: usize = 8;

/// The token spelling `random` (40 bits, most significant first): `SB-` and 8 characters of
/// Crockford's base32.
pub fn conversation_token(random: [u8; 5]) -> String {
    let bits = random
        .iter()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    let digits = (0..TOKEN_DIGITS).rev().map(|i| {
        let index = (bits >> (i * 5)) & 31;
        char::from(ALPHABET[usize::try_from(index).unwrap_or(0)])
    });
    TOKEN_PREFIX.chars().chain(digits).collect()
}

/// The value of one Crockford digit, read leniently: lower case accepted, `O` read as `0`, `I`
/// and `L` as `1`.
fn digit(c: char) -> Option<u8> {
    let c = match c.to_ascii_uppercase() {
        'O' => '0',
        'I' | 'L' => '1',
        c => c,
    };
    ALPHABET
        .iter()
        .position(|&a| char::from(a) == c)
        .and_then(|i| u8::try_from(i).ok())
}

/// The canonical spelling of `text` if it is a token: the prefix in any case, then 8 digits read
/// leniently (lower case, `O` for `0`, `I`/`L` for `1`); `None` otherwise.
pub fn parse_conversation_token(text: &str) -> Option<String> {
    let (prefix, digits) = text.split_at_checked(TOKEN_PREFIX.len())?;
    if !prefix.eq_ignore_ascii_case(TOKEN_PREFIX) || digits.chars().count() != TOKEN_DIGITS {
        return None;
    }
    let canonical: Option<String> = digits
        .chars()
        .map(|c| digit(c).map(|d| char::from(ALPHABET[usize::from(d)])))
        .collect();
    canonical.map(|d| format!("{TOKEN_PREFIX}{d}"))
}

/// The first token in `text` (a subject) standing as a word of its own, e.g. in
/// `Re: [SB-7K3M9Q2T] My order`, in canonical spelling.
pub fn find_conversation_token(text: &str) -> Option<String> {
    let len = TOKEN_PREFIX.len() + TOKEN_DIGITS;
    let bytes = text.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    (0..bytes.len().saturating_sub(len - 1))
        .filter(|&i| i == 0 || !word(bytes[i - 1]))
        .filter(|&i| bytes.get(i + len).is_none_or(|&b| !word(b)))
        .find_map(|i| text.get(i..i + len).and_then(parse_conversation_token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_spell_40_bits_in_crockford_base32() {
        assert_eq!(conversation_token([0; 5]), "SB-00000000");
        assert_eq!(conversation_token([0xff; 5]), "SB-ZZZZZZZZ");
        assert_eq!(conversation_token([0, 0, 0, 0, 0x21]), "SB-00000011");
        assert_eq!(
            conversation_token([0x08, 0x42, 0x10, 0x84, 0x21]),
            "SB-11111111"
        );
        let t = conversation_token([0x3a, 0x5c, 0x97, 0x01, 0xee]);
        assert_eq!(t.len(), 11);
        assert!(t[3..].bytes().all(|b| ALPHABET.contains(&b)), "{t}");
        assert_eq!(parse_conversation_token(&t).as_deref(), Some(t.as_str()));
    }

    #[test]
    fn parsing_is_lenient_about_case_and_look_alikes_only() {
        let canon = |s: &str| parse_conversation_token(s);
        assert_eq!(canon("sb-7k3m9q2t").as_deref(), Some("SB-7K3M9Q2T"));
        assert_eq!(canon("SB-O1IL0000").as_deref(), Some("SB-01110000"));
        for bad in [
            "",
            "SB-",
            "SB-7K3M9Q2",
            "SB-7K3M9Q2TX",
            "SX-7K3M9Q2T",
            "SB-7K3M9Q2U",
        ] {
            assert_eq!(canon(bad), None, "{bad:?}");
        }
        assert_eq!(canon("SB-7K3M9Qé"), None);
    }

    #[test]
    fn tokens_are_found_as_words_in_a_subject() {
        let find = |s: &str| find_conversation_token(s);
        assert_eq!(
            find("Re: [SB-7K3M9Q2T] My order").as_deref(),
            Some("SB-7K3M9Q2T")
        );
        assert_eq!(find("SB-7K3M9Q2T").as_deref(), Some("SB-7K3M9Q2T"));
        assert_eq!(find("AW: sb-7k3m9q2t").as_deref(), Some("SB-7K3M9Q2T"));
        assert_eq!(find("XSB-7K3M9Q2T"), None);
        assert_eq!(find("SB-7K3M9Q2T9"), None);
        assert_eq!(
            find("SB-7K3M9Q2U SB-00000001").as_deref(),
            Some("SB-00000001")
        );
        assert_eq!(find("é SB-7K3M9Q2T é").as_deref(), Some("SB-7K3M9Q2T"));
        assert_eq!(find("Réponse"), None);
        assert_eq!(find(""), None);
    }
}
