//! Conversation tokens in subjects.

use sb_conversation::{find_token, forward_subject, is_token, reply_subject, token_from_bytes};

#[test]
fn token_from_bytes_is_sb_and_eight_crockford_characters() {
    assert_eq!(token_from_bytes([0; 5]), "SB-00000000");
    assert_eq!(token_from_bytes([0xff; 5]), "SB-ZZZZZZZZ");
    // 0x0123456789 = 00000 00100 10001 10100 01010 11001 11100 01001
    assert_eq!(
        token_from_bytes([0x01, 0x23, 0x45, 0x67, 0x89]),
        "SB-04HMASW9"
    );
    for b in [
        [1, 2, 3, 4, 5],
        [0x80, 0, 0, 0, 1],
        [0xde, 0xad, 0xbe, 0xef, 0x42],
    ] {
        let t = token_from_bytes(b);
        assert!(is_token(&t), "{t}");
        assert!(!t.contains(['I', 'L', 'O', 'U']), "{t}");
    }
}

#[test]
fn distinct_bytes_give_distinct_tokens() {
    let mut seen = std::collections::HashSet::new();
    for i in 0..=255u8 {
        for j in [0u8, 1, 127, 255] {
            assert!(seen.insert(token_from_bytes([i, j, i ^ j, 7, j])));
        }
    }
}

#[test]
fn token_round_trips_through_a_reply_subject() {
    let t = token_from_bytes([9, 8, 7, 6, 5]);
    assert_eq!(
        find_token(&reply_subject("Where is my order?", &t)),
        Some(t)
    );
}

#[test]
fn find_token_ignores_noise_and_takes_the_last() {
    assert_eq!(find_token("no token here"), None);
    assert_eq!(find_token(""), None);
    assert_eq!(find_token("[#SB-1234567]"), None, "too short");
    assert_eq!(find_token("[#SB-123456789]"), None, "too long");
    assert_eq!(
        find_token("[#SB-1234567I]"),
        None,
        "I is not in the alphabet"
    );
    assert_eq!(find_token("[SB-12345678]"), None, "no #");
    assert_eq!(find_token("#SB-12345678"), None, "no brackets");
    assert_eq!(find_token("[#XB-12345678]"), None);
    assert_eq!(
        find_token("Re: [#sb-7k3m9q2t] about [#SB-ABCDEFGH]: ok"),
        Some("SB-ABCDEFGH".to_owned())
    );
    assert_eq!(
        find_token("Ünïcödé ✓ [#Sb-7k3M9q2T]✓ [#SB-broken]"),
        Some("SB-7K3M9Q2T".to_owned())
    );
    assert_eq!(
        find_token("[#[#SB-00000000]SB-11111111]"),
        Some("SB-00000000".to_owned())
    );
}

#[test]
fn reply_subject_has_one_re_and_one_token() {
    let t = "SB-7K3M9Q2T";
    assert_eq!(reply_subject("Hello", t), "Re: Hello [#SB-7K3M9Q2T]");
    assert_eq!(
        reply_subject("RE: Re: re: Hello", t),
        "Re: Hello [#SB-7K3M9Q2T]"
    );
    assert_eq!(
        reply_subject("Fwd: Re: Hello", t),
        "Re: Hello [#SB-7K3M9Q2T]"
    );
    assert_eq!(
        reply_subject("Re: Hello [#SB-7K3M9Q2T]", t),
        "Re: Hello [#SB-7K3M9Q2T]"
    );
    assert_eq!(
        reply_subject("[#sb-7k3m9q2t] Re: Hello", t),
        "Re: Hello [#SB-7K3M9Q2T]"
    );
    assert_eq!(reply_subject("", t), "Re: [#SB-7K3M9Q2T]");
    assert_eq!(reply_subject("  Re:  ", t), "Re: [#SB-7K3M9Q2T]");
    assert_eq!(
        reply_subject("Line\r\nBcc: evil@x", t),
        "Re: Line Bcc: evil@x [#SB-7K3M9Q2T]"
    );
}

#[test]
fn reply_subject_replaces_a_foreign_token() {
    assert_eq!(
        reply_subject("Re: Hello [#SB-00000000]", "SB-11111111"),
        "Re: Hello [#SB-11111111]"
    );
}

#[test]
fn reply_subject_accepts_the_token_in_any_accepted_shape() {
    for t in [
        "SB-7K3M9Q2T",
        "sb-7k3m9q2t",
        "[#SB-7K3M9Q2T]",
        " SB-7K3M9Q2T ",
    ] {
        assert_eq!(reply_subject("Hi", t), "Re: Hi [#SB-7K3M9Q2T]", "{t}");
    }
}

#[test]
fn reply_subject_is_idempotent() {
    let t = "SB-ABCDEFGH";
    for s in [
        "Hello",
        "",
        "Re: Fwd: x [#SB-ABCDEFGH] y",
        "回复：你好",
        "AW: [#SB-00000000]",
    ] {
        let once = reply_subject(s, t);
        assert_eq!(reply_subject(&once, t), once, "{s}");
    }
}

#[test]
fn forward_subject_uses_fwd() {
    assert_eq!(
        forward_subject("Re: Hello [#SB-7K3M9Q2T]", "SB-7K3M9Q2T"),
        "Fwd: Hello [#SB-7K3M9Q2T]"
    );
}
