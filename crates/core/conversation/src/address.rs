//! Mailboxes: a display name and an address, as read from or written to address headers.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::text::one_line;

/// One mailbox of an address header: `"Alice Example" <alice@example.com>`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Mailbox {
    /// The display name, trimmed; `None` when absent or empty. From [`crate::parse`]: decoded
    /// (RFC 2047), control characters dropped and whitespace runs made one space.
    pub name: Option<String>,
    /// The address as given, trimmed (case is kept: local parts may be case-sensitive).
    pub address: String,
}

impl Mailbox {
    /// A mailbox from a name and an address; an empty or blank name becomes `None`.
    pub fn new(name: Option<&str>, address: &str) -> Self {
        Mailbox {
            name: name
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned),
            address: address.trim().to_owned(),
        }
    }

    /// The domain part of the address (after the last `@`), if there is one.
    pub fn domain(&self) -> Option<&str> {
        self.address
            .rsplit_once('@')
            .map(|(_, d)| d)
            .filter(|d| !d.is_empty())
    }
}

impl fmt::Display for Mailbox {
    /// `Alice <alice@example.com>`, or the bare address without a name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(name) => write!(f, "{name} <{}>", self.address),
            None => f.write_str(&self.address),
        }
    }
}

/// Mailboxes from a parsed address header (lists and groups flattened); entries without an
/// address are skipped. Names are put on one line (an encoded word can hide a line break).
pub(crate) fn from_parsed<'a>(
    addrs: impl Iterator<Item = &'a mail_parser::Addr<'a>>,
) -> Vec<Mailbox> {
    addrs
        .filter_map(|a| {
            let address = a.address.as_deref().map(str::trim).unwrap_or_default();
            let name = a.name.as_deref().map(one_line);
            (!address.is_empty()).then(|| Mailbox::new(name.as_deref(), address))
        })
        .collect()
}

/// Whether `address` is a plain `local@domain` addr-spec we are willing to write into a header:
/// a dot-atom local part (no quoted strings), a domain of non-empty labels, no whitespace or
/// controls, at most 254 bytes. UTF-8 (RFC 6532) is allowed in both parts.
pub(crate) fn is_valid_address(address: &str) -> bool {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return false;
    };
    address.len() <= 254 && is_valid_local(local) && is_valid_domain(domain)
}

fn is_valid_local(local: &str) -> bool {
    !local.is_empty()
        && local.len() <= 64
        && local.split('.').all(|atom| !atom.is_empty())
        && local.chars().all(|c| c == '.' || is_atext(c))
}

fn is_valid_domain(domain: &str) -> bool {
    !domain.is_empty()
        && domain.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || !c.is_ascii())
        })
}

/// RFC 5322 `atext`, extended to non-ASCII by RFC 6532.
pub(crate) fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || "!#$%&'*+-/=?^_`{|}~".contains(c)
        || (!c.is_ascii() && !c.is_control() && !c.is_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_addresses_are_valid() {
        for a in [
            "a@b",
            "alice.smith+tag@example.co.uk",
            "o'brien@x-y.example",
            "josé@café.fr",
        ] {
            assert!(is_valid_address(a), "{a}");
        }
    }

    #[test]
    fn odd_addresses_are_refused() {
        for a in [
            "",
            "@x",
            "a@",
            "a b@x",
            "a@x y",
            "<a@x>",
            "a@x>",
            "\"q\"@x",
            "a..b@x",
            ".a@x",
            "a@-x",
            "a@x..y",
            "a@[1.2.3.4]",
            "a\r\n@x",
            "a,b@x",
            "a@x,y",
        ] {
            assert!(!is_valid_address(a), "{a:?}");
        }
    }

    #[test]
    fn display_puts_the_address_in_angle_brackets_after_the_name() {
        assert_eq!(
            Mailbox::new(Some(" Alice "), "a@x").to_string(),
            "Alice <a@x>"
        );
        assert_eq!(Mailbox::new(Some(""), " a@x ").to_string(), "a@x");
    }
}
