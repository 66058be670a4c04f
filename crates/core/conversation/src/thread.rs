//! Threading keys: Message-ID, In-Reply-To and References (RFC 5322 §3.6.4).

use crate::address::is_atext;

/// At most this many ids go into the References of a message we build.
pub const MAX_REFERENCES: usize = 20;
/// At most this many ids come out of [`crate::ParsedEmail::thread_refs`].
pub const MAX_THREAD_REFS: usize = 50;

/// The threading headers of a parent message, as stored: ids without angle brackets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ThreadHeaders<'a> {
    /// The parent's Message-ID.
    pub message_id: Option<&'a str>,
    /// The parent's In-Reply-To ids.
    pub in_reply_to: &'a [String],
    /// The parent's References ids, in header order (oldest first).
    pub references: &'a [String],
}

/// A Message-ID (without brackets) `"<unique>@<domain>"`.
///
/// `domain` may be the channel's address (`support@acme.example`): its domain part is used.
/// Characters that may not appear in a Message-ID are dropped; an empty `unique` becomes
/// `"sb"` and an empty domain `"switchboard.invalid"`.
pub fn message_id(unique: &str, domain: &str) -> String {
    let domain = domain.rsplit_once('@').map_or(domain, |(_, d)| d);
    let clean = |s: &str| -> String {
        s.chars()
            .filter(|&c| c.is_ascii() && (c == '.' || is_atext(c)))
            .collect::<String>()
            .trim_matches('.')
            .to_owned()
    };
    let unique = Some(clean(unique))
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "sb".to_owned());
    let domain = Some(clean(domain).to_ascii_lowercase())
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| "switchboard.invalid".to_owned());
    format!("{unique}@{domain}")
}

/// In-Reply-To and References for an answer to `parent` (RFC 5322 §3.6.4).
///
/// In-Reply-To is the parent's Message-ID. References is the parent's References (or, when it
/// has none, its In-Reply-To if that is a single id) followed by the parent's Message-ID,
/// without duplicates. Long chains keep the first id (the thread's root) and the newest ones,
/// [`MAX_REFERENCES`] in all. Ids that [`crate::build`] would refuse (whitespace, brackets,
/// controls) are left out, so the result can always be sent.
pub fn references_for_reply(parent: ThreadHeaders<'_>) -> (Option<String>, Vec<String>) {
    let parent_id = parent
        .message_id
        .map(str::trim)
        .filter(|id| is_valid_id(id));
    let chain: &[String] = match (parent.references, parent.in_reply_to) {
        ([], [single]) => std::slice::from_ref(single),
        (refs, _) => refs,
    };
    let mut refs: Vec<String> = Vec::new();
    for id in chain.iter().map(|s| s.trim()).chain(parent_id) {
        if is_valid_id(id) && !refs.iter().any(|r| r == id) {
            refs.push(id.to_owned());
        }
    }
    if refs.len() > MAX_REFERENCES {
        let cut = refs.len() - (MAX_REFERENCES - 1);
        refs.drain(1..cut);
    }
    (parent_id.map(str::to_owned), refs)
}

/// The ids an inbound message points at, most useful first: In-Reply-To, then References from
/// the newest (last) to the oldest, without duplicates or empties, at most [`MAX_THREAD_REFS`].
pub(crate) fn thread_refs(in_reply_to: &[String], references: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for id in in_reply_to.iter().chain(references.iter().rev()) {
        if out.len() == MAX_THREAD_REFS {
            break;
        }
        if !id.is_empty() && !out.contains(id) {
            out.push(id.clone());
        }
    }
    out
}

/// Whether `id` can be written between angle brackets in a header: not empty, no whitespace,
/// controls or angle brackets, at most 250 bytes.
pub(crate) fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 250
        && !id
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn reply_references_append_the_parent_id() {
        let refs = ids(&["a@x", "b@x"]);
        let (irt, r) = references_for_reply(ThreadHeaders {
            message_id: Some("c@x"),
            in_reply_to: &ids(&["b@x"]),
            references: &refs,
        });
        assert_eq!(irt.as_deref(), Some("c@x"));
        assert_eq!(r, ids(&["a@x", "b@x", "c@x"]));
    }

    #[test]
    fn without_references_a_single_in_reply_to_is_used() {
        let (_, r) = references_for_reply(ThreadHeaders {
            message_id: Some("c@x"),
            in_reply_to: &ids(&["b@x"]),
            references: &[],
        });
        assert_eq!(r, ids(&["b@x", "c@x"]));
        let (_, r) = references_for_reply(ThreadHeaders {
            message_id: Some("c@x"),
            in_reply_to: &ids(&["a@x", "b@x"]),
            references: &[],
        });
        assert_eq!(r, ids(&["c@x"]));
    }

    #[test]
    fn a_parent_without_any_id_gives_nothing() {
        assert_eq!(
            references_for_reply(ThreadHeaders::default()),
            (None, Vec::new())
        );
    }

    #[test]
    fn long_chains_keep_the_root_and_the_newest() {
        let refs: Vec<String> = (0..40).map(|i| format!("{i}@x")).collect();
        let (_, r) = references_for_reply(ThreadHeaders {
            message_id: Some("new@x"),
            in_reply_to: &[],
            references: &refs,
        });
        assert_eq!(r.len(), MAX_REFERENCES);
        assert_eq!(r.first().map(String::as_str), Some("0@x"));
        assert_eq!(r.get(1).map(String::as_str), Some("22@x"));
        assert_eq!(r.last().map(String::as_str), Some("new@x"));
    }

    #[test]
    fn unsendable_ids_are_left_out() {
        let (irt, r) = references_for_reply(ThreadHeaders {
            message_id: Some("bad id"),
            in_reply_to: &[],
            references: &ids(&["ok@x", "<x>", "a\r\nb", ""]),
        });
        assert_eq!(irt, None);
        assert_eq!(r, ids(&["ok@x"]));
    }

    #[test]
    fn message_ids_take_the_domain_of_an_address() {
        assert_eq!(
            message_id("0190f3a2-7b1c", "Support <support@Acme.Example>"),
            "0190f3a2-7b1c@acme.example"
        );
        assert_eq!(message_id("u", "acme.example"), "u@acme.example");
        assert_eq!(message_id("<>", ""), "sb@switchboard.invalid");
    }
}
