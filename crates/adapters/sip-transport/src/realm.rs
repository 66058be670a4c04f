//! Which digest realm a request belongs to when every tenant has its own SIP domain.

use std::net::IpAddr;

/// The digest realm of a SIP URI host: the first DNS label, lower-cased, when `host` is a
/// domain name other than `default` itself (`acme.pbx.example.com` → `acme`, `acme` →
/// `acme`); `default` for an IPv4 or IPv6 literal (`127.0.0.1`, `[::1]`), for the default
/// realm itself (compared without regard to case) and for anything that is not a valid
/// host name. The engine maps an address of record's host with the same rule.
pub fn realm_of_host(host: &str, default: &str) -> String {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if bare.parse::<IpAddr>().is_ok() || host.eq_ignore_ascii_case(default) {
        return default.to_owned();
    }
    let label = host.split('.').next().unwrap_or_default();
    if !is_domain(host) || label.is_empty() {
        return default.to_owned();
    }
    label.to_ascii_lowercase()
}

/// RFC 3261 § 25.1 `hostname`: labels of letters, digits and inner hyphens, separated by
/// dots, with an optional final dot.
fn is_domain(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::realm_of_host;

    #[test]
    fn a_tenant_domain_gives_its_first_label_lower_cased() {
        assert_eq!(realm_of_host("acme.pbx.example.com", "sb.test"), "acme");
        assert_eq!(realm_of_host("ACME.Pbx.Example.com", "sb.test"), "acme");
        assert_eq!(realm_of_host("acme", "sb.test"), "acme");
        assert_eq!(realm_of_host("acme.", "sb.test"), "acme");
    }

    #[test]
    fn ip_literals_and_the_default_realm_give_the_default() {
        for host in [
            "127.0.0.1",
            "[::1]",
            "::1",
            "[2001:db8::5]",
            "sb.test",
            "SB.Test",
        ] {
            assert_eq!(realm_of_host(host, "sb.test"), "sb.test", "{host}");
        }
    }

    #[test]
    fn hosts_that_are_not_domain_names_give_the_default() {
        for host in [
            "",
            ".",
            ".acme",
            "a..b",
            "-acme.com",
            "acme-.com",
            "ac me",
            "ac_me.com",
        ] {
            assert_eq!(realm_of_host(host, "sb.test"), "sb.test", "{host:?}");
        }
    }
}
