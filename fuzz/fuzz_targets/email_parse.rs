//! Inbound email through `sb-conversation`. Never a panic, and:
//!
//! * the text respects its cap and the thread references their bound;
//! * every listed attachment fetches by its index with the same info and `size` bytes, under a
//!   file name with no path separator, quote or control character; the next index fetches none;
//! * answering the message works like the engine does it: a reply built from it either is
//!   refused with an error or parses back with its Message-ID, In-Reply-To, References and the
//!   conversation token intact;
//! * its HTML, made safe, holds no script element, no event handler and, unless asked for, no
//!   remote image;
//! * its `Authentication-Results` verdicts are single lower-case words with printable domains.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sb_conversation::{
    HtmlOptions, MAX_TEXT_BYTES, MAX_THREAD_REFS, Mailbox, Outgoing, attachment,
    authentication_results, build, find_token, parse, quote, references_for_reply, reply_subject,
    safe_content_type, safe_html,
};

const TOKEN: &str = "SB-7K3M9Q2T";

fn answer(email: &sb_conversation::ParsedEmail) {
    let Some(to) = email.reply_address() else {
        return;
    };
    let (in_reply_to, references) = references_for_reply(email.thread_headers());
    let msg = Outgoing {
        from: Mailbox::new(Some("Support"), "support@acme.example"),
        to: vec![to.clone()],
        subject: reply_subject(&email.subject, TOKEN),
        message_id: "fuzz-1@acme.example".into(),
        in_reply_to,
        references,
        date: email.date.unwrap_or(0).clamp(0, 32_535_215_999),
        text: quote(&to.to_string(), email.date.unwrap_or(0), &email.text),
        ..Outgoing::default()
    };
    let Ok(raw) = build(&msg) else {
        return;
    };
    let back = parse(&raw);
    assert!(!back.malformed, "a built reply parses");
    assert_eq!(back.message_id.as_deref(), Some("fuzz-1@acme.example"));
    assert_eq!(
        back.in_reply_to,
        msg.in_reply_to.into_iter().collect::<Vec<_>>()
    );
    assert_eq!(back.references, msg.references);
    assert_eq!(find_token(&back.subject).as_deref(), Some(TOKEN));
}

fuzz_target!(|data: &[u8]| {
    let email = parse(data);
    assert!(email.text.len() <= MAX_TEXT_BYTES);
    assert!(email.thread_refs().len() <= MAX_THREAD_REFS);
    for a in &email.attachments {
        let (info, bytes) = attachment(data, a.index).expect("a listed attachment fetches");
        assert_eq!(&info, a);
        assert_eq!(bytes.len(), a.size);
        assert!(!a.filename.is_empty());
        assert!(!a.filename.contains(['/', '\\', '"', '\'']));
        assert!(!a.filename.chars().any(char::is_control));
        let _ = safe_content_type(&a.content_type);
    }
    assert!(attachment(data, email.attachments.len()).is_none());
    answer(&email);
    if let Some(safe) = safe_html(data, HtmlOptions::default()) {
        let lower = safe.html.to_ascii_lowercase();
        assert!(!lower.contains("<script"), "{}", safe.html);
        assert!(!lower.contains(" onerror="), "{}", safe.html);
        assert!(!lower.contains("src=\"http"), "{}", safe.html);
    }
    if let Some(auth) = authentication_results(data, &[]) {
        assert!(!auth.authserv_id.is_empty() && !auth.trusted);
        for check in [auth.spf, auth.dkim, auth.dmarc].into_iter().flatten() {
            assert!(check.result.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
            assert!(check.domain.iter().all(|d| d.bytes().all(|b| b.is_ascii_graphic())));
        }
    }
});
