//! Sender authentication as the organisation's mail server judged it: the SPF, DKIM and DMARC
//! results of its `Authentication-Results` header (RFC 8601).
//!
//! We fetch mail from a mailbox, after the organisation's MTA received it over SMTP; only that
//! MTA saw the connecting address SPF needs, and it checked DKIM and DMARC when the keys and
//! policies of that moment were published. So its verdict is the one to show. A header is only
//! as trustworthy as whoever wrote it: senders can write their own, below the MTA's. Hence the
//! channel names the MTA's `authserv-id`, and only a header with that id counts as
//! [`AuthResults::trusted`]; without one configured, the topmost header (the last hop's) is
//! shown as reported, not trusted.

use mail_parser::MessageParser;
use serde::{Deserialize, Serialize};

use crate::guard::guarded;

/// The most `Authentication-Results` headers looked at.
const MAX_HEADERS: usize = 20;
/// The longest header value parsed, in bytes.
const MAX_HEADER_BYTES: usize = 8 * 1024;

/// One method's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthCheck {
    /// `pass`, `fail`, `softfail`, `neutral`, `none`, `temperror`, `permerror`, `policy`…
    /// (lower case, as the server wrote it).
    pub result: String,
    /// The domain checked: `smtp.mailfrom` (SPF), `header.d` (DKIM), `header.from` (DMARC).
    pub domain: Option<String>,
}

/// The SPF, DKIM and DMARC verdicts of one `Authentication-Results` header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthResults {
    /// The server that wrote the header.
    pub authserv_id: String,
    /// Its id is one the channel trusts (the organisation's own MTA).
    pub trusted: bool,
    /// SPF, when checked.
    pub spf: Option<AuthCheck>,
    /// DKIM, when checked: a passing signature if any passed, else the first.
    pub dkim: Option<AuthCheck>,
    /// DMARC, when checked.
    pub dmarc: Option<AuthCheck>,
}

/// The verdicts for the raw message `raw`: from the topmost `Authentication-Results` header
/// whose authserv-id is in `trusted` (case-insensitive); when `trusted` is empty, from the
/// topmost header, untrusted. `None` when there is no such header or the message does not
/// parse.
pub fn authentication_results(raw: &[u8], trusted: &[String]) -> Option<AuthResults> {
    let values = guarded(|| header_values(raw)).flatten()?;
    values.iter().find_map(|v| {
        let parsed = parse_header(v)?;
        let known = trusted
            .iter()
            .any(|t| t.trim().eq_ignore_ascii_case(&parsed.authserv_id));
        match (trusted.is_empty(), known) {
            (true, _) => Some(parsed),
            (false, true) => Some(AuthResults {
                trusted: true,
                ..parsed
            }),
            (false, false) => None,
        }
    })
}

/// The `Authentication-Results` values, topmost first.
fn header_values(raw: &[u8]) -> Option<Vec<String>> {
    let message = MessageParser::new().parse_headers(raw)?;
    let values = message
        .headers_raw()
        .filter(|(name, _)| name.eq_ignore_ascii_case("Authentication-Results"))
        .map(|(_, value)| value.to_owned())
        .take(MAX_HEADERS)
        .collect();
    Some(values)
}

/// One header value: `authserv-id [version] ; method=result props ; …` (RFC 8601 § 2.2).
pub(crate) fn parse_header(value: &str) -> Option<AuthResults> {
    let value = &value[..floor(value, MAX_HEADER_BYTES)];
    let clean = strip_comments(value);
    let mut parts = split_outside_quotes(&clean, ';');
    let authserv_id = parts
        .next()?
        .split_whitespace()
        .next()?
        .to_ascii_lowercase();
    if authserv_id.is_empty()
        || authserv_id.contains('=')
        || authserv_id.chars().any(char::is_control)
    {
        return None;
    }
    let mut out = AuthResults {
        authserv_id,
        trusted: false,
        spf: None,
        dkim: None,
        dmarc: None,
    };
    for part in parts {
        let Some((method, check)) = resinfo(part) else {
            continue;
        };
        match method.as_str() {
            "spf" if out.spf.is_none() => out.spf = Some(check),
            "dmarc" if out.dmarc.is_none() => out.dmarc = Some(check),
            "dkim" => {
                let better = out.dkim.as_ref().is_none_or(|d| d.result != "pass");
                if better && (out.dkim.is_none() || check.result == "pass") {
                    out.dkim = Some(check);
                }
            }
            _ => {}
        }
    }
    Some(out)
}

/// `method[/version]=result [reason=…] [ptype.prop=value]…`: the method and its verdict.
fn resinfo(part: &str) -> Option<(String, AuthCheck)> {
    let mut words = split_outside_quotes(part, ' ').filter(|w| !w.is_empty());
    let (method, result) = words.next()?.split_once('=')?;
    let method = method.split('/').next()?.trim().to_ascii_lowercase();
    let result = result.trim().to_ascii_lowercase();
    if result.is_empty() || !result.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let wanted = match method.as_str() {
        "spf" => "smtp.mailfrom",
        "dkim" => "header.d",
        "dmarc" => "header.from",
        _ => "",
    };
    let domain = words
        .filter_map(|w| w.split_once('='))
        .find(|(k, _)| k.eq_ignore_ascii_case(wanted))
        .map(|(_, v)| domain_of(v))
        .filter(|d| !d.is_empty());
    Some((method, AuthCheck { result, domain }))
}

/// The domain of `user@domain` or `domain`, unquoted, lower case, printable ASCII only.
fn domain_of(v: &str) -> String {
    let v = v.trim().trim_matches('"');
    let d = v.rsplit_once('@').map_or(v, |(_, d)| d);
    d.chars()
        .filter(|c| c.is_ascii_graphic())
        .take(253)
        .collect::<String>()
        .to_ascii_lowercase()
}

/// `s` without RFC 5322 comments (nested parentheses, `\` escapes), outside quoted strings.
fn strip_comments(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let (mut depth, mut quoted, mut escaped) = (0usize, false, false);
    for c in s.chars() {
        if escaped {
            escaped = false;
            if depth == 0 {
                out.push(c);
            }
            continue;
        }
        match c {
            '\\' => {
                escaped = true;
                if depth == 0 {
                    out.push(c);
                }
            }
            '"' if depth == 0 => {
                quoted = !quoted;
                out.push(c);
            }
            '(' if !quoted => depth += 1,
            ')' if !quoted && depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(if c.is_whitespace() { ' ' } else { c }),
            _ => {}
        }
    }
    out
}

/// `s` split at `sep` outside double quotes.
fn split_outside_quotes(s: &str, sep: char) -> impl Iterator<Item = &str> {
    let mut quoted = false;
    let mut start = 0;
    let mut cuts = Vec::new();
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            c if c == sep && !quoted => {
                cuts.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    cuts.push(&s[start..]);
    cuts.into_iter().map(str::trim)
}

fn floor(s: &str, max: usize) -> usize {
    let mut end = max.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(result: &str, domain: &str) -> Option<AuthCheck> {
        Some(AuthCheck {
            result: result.into(),
            domain: Some(domain.into()),
        })
    }

    #[test]
    fn a_typical_header_gives_each_verdict_and_domain() {
        let r = parse_header(
            "mx.acme.example;\r\n\tdkim=pass header.i=@shop.example header.s=s1 header.b=\"Ab/c\";\r\n\
             \tspf=pass (acme: domain of bounce@mail.shop.example designates 192.0.2.1 as permitted sender) \
             smtp.mailfrom=bounce@mail.shop.example;\r\n\
             \tdmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=shop.example",
        )
        .unwrap();
        assert_eq!(r.authserv_id, "mx.acme.example");
        assert_eq!(r.spf, check("pass", "mail.shop.example"));
        assert_eq!(r.dkim.unwrap().result, "pass");
        assert_eq!(r.dmarc, check("pass", "shop.example"));
    }

    #[test]
    fn a_passing_dkim_signature_wins_over_a_failing_one_in_any_order() {
        for h in [
            "mx; dkim=fail header.d=a.example; dkim=pass header.d=b.example",
            "mx; dkim=pass header.d=b.example; dkim=fail header.d=a.example",
        ] {
            assert_eq!(
                parse_header(h).unwrap().dkim,
                check("pass", "b.example"),
                "{h}"
            );
        }
    }

    #[test]
    fn versions_comments_and_unknown_methods_are_read_past() {
        let r = parse_header(
            "mx.example 1 (our edge); auth=pass smtp.auth=x; spf/2=softfail (hm; \"odd\") \
             smtp.mailfrom=\"a;b\"@x.example; dmarc=fail header.from=X.Example",
        )
        .unwrap();
        assert_eq!(r.authserv_id, "mx.example");
        assert_eq!(r.spf, check("softfail", "x.example"));
        assert_eq!(r.dmarc, check("fail", "x.example"));
        assert_eq!(r.dkim, None);
    }

    #[test]
    fn a_header_without_results_or_id_is_handled() {
        assert_eq!(parse_header("mx.example; none").unwrap().spf, None);
        assert_eq!(parse_header(""), None);
        assert_eq!(parse_header("spf=pass"), None, "no authserv-id");
    }

    fn message(headers: &str) -> Vec<u8> {
        format!("{headers}From: a@shop.example\r\nSubject: s\r\n\r\nbody\r\n").into_bytes()
    }

    #[test]
    fn only_a_header_of_a_trusted_server_counts_when_one_is_configured() {
        // The sender forged a header below the organisation's MTA's one.
        let raw = message(
            "Authentication-Results: mx.acme.example; spf=fail smtp.mailfrom=shop.example\r\n\
             Authentication-Results: forged.example; spf=pass smtp.mailfrom=shop.example\r\n",
        );
        let trusted = vec!["MX.acme.example".to_owned()];
        let r = authentication_results(&raw, &trusted).unwrap();
        assert!(r.trusted);
        assert_eq!(r.spf.unwrap().result, "fail");
        let forged_only = message("Authentication-Results: forged.example; spf=pass\r\n");
        assert_eq!(authentication_results(&forged_only, &trusted), None);
        let untrusted = authentication_results(&forged_only, &[]).unwrap();
        assert!(!untrusted.trusted);
        assert_eq!(untrusted.authserv_id, "forged.example");
    }

    #[test]
    fn a_message_without_the_header_has_no_results() {
        assert_eq!(authentication_results(&message(""), &[]), None);
        assert_eq!(authentication_results(b"\xff\xfe", &[]), None);
    }
}
