//! E.164 normalisation of dialled and presented numbers: `+` and digits, nothing else.
//!
//! Rules, in order (see `docs/sip-trunks.md`):
//! 1. `;params` after the number are read for `phone-context` (RFC 3966 § 5.1.5) and dropped.
//! 2. `(0)` (the "drop this trunk prefix" notation of `+44 (0)20 …`) is removed, then the
//!    visual separators `-`, `.`, `(`, `)` and spaces.
//! 3. `+digits` is already international; `00digits` becomes `+digits`.
//! 4. A local number with a global `phone-context=+CC…` gets that prefix.
//! 5. Any other number is national: the trunk's national trunk prefix (`0`, `1` in NANP, none in
//!    Italy) is dropped and the trunk's country code put in front.
//! 6. The result must be `+` and 3 to 15 digits, the first not `0`.
//!
//! A domain-name `phone-context` carries no number prefix, so rule 5 applies.
//! Normalising is idempotent and never panics (property-tested).

use std::fmt;

use sb_sip::Uri;

use crate::Error;

/// A number in E.164 form: `+` then 3 to 15 digits, the first not `0`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct E164(String);

impl E164 {
    /// The number, `+` included.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits without the `+`.
    pub fn digits(&self) -> &str {
        self.0.get(1..).unwrap_or_default()
    }
}

impl fmt::Display for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How national numbers are written where a trunk lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NationalDialing {
    country_code: String,
    trunk_prefix: String,
}

impl NationalDialing {
    /// A country code (`44`, `1`, `33`) and the national trunk prefix dropped before it (`0`
    /// in most of Europe, `1` in North America, empty in Italy). Both must be digits.
    pub fn new(country_code: &str, trunk_prefix: &str) -> Result<Self, Error> {
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        let cc_ok = (1..=3).contains(&country_code.len()) && !country_code.starts_with('0');
        if !cc_ok || !digits(country_code) || !digits(trunk_prefix) || trunk_prefix.len() > 4 {
            return Err(Error::InvalidNumber("country code or trunk prefix"));
        }
        Ok(NationalDialing {
            country_code: country_code.to_owned(),
            trunk_prefix: trunk_prefix.to_owned(),
        })
    }

    /// The country code, digits only.
    pub fn country_code(&self) -> &str {
        &self.country_code
    }
}

/// Normalises a number as written in a URI user part or a `tel:` URI (`number[;params]`).
pub fn normalize(input: &str, national: Option<&NationalDialing>) -> Result<E164, Error> {
    let (number, params) = input.split_once(';').unwrap_or((input, ""));
    let context = params.split(';').find_map(|p| {
        let (name, value) = p.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("phone-context")
            .then(|| value.trim())
    });
    let number = strip_separators(&number.replace("(0)", ""));
    if let Some(rest) = number.strip_prefix('+') {
        return checked(rest);
    }
    if let Some(rest) = number.strip_prefix("00") {
        return checked(rest);
    }
    if let Some(global) = context.and_then(|c| c.strip_prefix('+')) {
        return checked(&format!("{}{number}", strip_separators(global)));
    }
    let national = national.ok_or(Error::InvalidNumber("national number without a country"))?;
    let rest = if national.trunk_prefix.is_empty() {
        number.as_str()
    } else {
        number
            .strip_prefix(national.trunk_prefix.as_str())
            .unwrap_or(&number)
    };
    checked(&format!("{}{rest}", national.country_code))
}

/// Normalises the number of a `tel:` URI or the user part of a `sip:`/`sips:` URI.
pub fn normalize_uri(uri: &Uri, national: Option<&NationalDialing>) -> Result<E164, Error> {
    match uri {
        Uri::Tel(t) => {
            let context = t.params.get("phone-context");
            let text = match context {
                Some(c) => format!("{};phone-context={c}", t.number),
                None => t.number.to_string(),
            };
            normalize(&text, national)
        }
        Uri::Sip(s) => {
            let user = s
                .user_decoded()
                .ok_or(Error::InvalidNumber("no user part"))?;
            let user = String::from_utf8(user).map_err(|_| Error::InvalidNumber("not UTF-8"))?;
            normalize(&user, national)
        }
        Uri::Other(_) => Err(Error::InvalidNumber("not a sip or tel URI")),
    }
}

fn strip_separators(s: &str) -> String {
    s.chars().filter(|c| !"-.() ".contains(*c)).collect()
}

fn checked(digits: &str) -> Result<E164, Error> {
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::InvalidNumber("not digits"));
    }
    if !(3..=15).contains(&digits.len()) {
        return Err(Error::InvalidNumber("length outside 3..=15 digits"));
    }
    if digits.starts_with('0') {
        return Err(Error::InvalidNumber("country code starts with 0"));
    }
    Ok(E164(format!("+{digits}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn uk() -> NationalDialing {
        NationalDialing::new("44", "0").unwrap()
    }

    fn n(s: &str) -> Result<String, Error> {
        normalize(s, Some(&uk())).map(|e| e.to_string())
    }

    #[test]
    fn international_forms_keep_their_digits_without_separators() {
        assert_eq!(n("+44 20 7946-0000").unwrap(), "+442079460000");
        assert_eq!(n("+1 (201) 555.0123").unwrap(), "+12015550123");
        assert_eq!(n("+44 (0)20 7946 0000").unwrap(), "+442079460000");
    }

    #[test]
    fn double_zero_international_prefix_becomes_plus() {
        assert_eq!(n("0033 1 23 45 67 89").unwrap(), "+33123456789");
    }

    #[test]
    fn national_numbers_take_the_trunk_country_and_lose_the_trunk_prefix() {
        assert_eq!(n("020 7946 0000").unwrap(), "+442079460000");
        let nanp = NationalDialing::new("1", "1").unwrap();
        let f = |s| normalize(s, Some(&nanp)).map(|e| e.to_string());
        assert_eq!(f("1-201-555-0123").unwrap(), "+12015550123");
        assert_eq!(f("(201) 555-0123").unwrap(), "+12015550123");
        let italy = NationalDialing::new("39", "").unwrap();
        assert_eq!(
            normalize("06 1234 5678", Some(&italy)).unwrap().as_str(),
            "+390612345678"
        );
    }

    #[test]
    fn national_number_without_a_country_is_refused() {
        assert_eq!(
            normalize("02079460000", None),
            Err(Error::InvalidNumber("national number without a country"))
        );
    }

    #[test]
    fn global_phone_context_prefixes_a_local_number_and_domain_context_does_not() {
        assert_eq!(
            normalize("7946-0000;phone-context=+44-20", None)
                .unwrap()
                .as_str(),
            "+442079460000"
        );
        assert_eq!(
            n("020 7946 0000;phone-context=carrier.example.net").unwrap(),
            "+442079460000"
        );
    }

    #[test]
    fn letters_short_long_and_zero_country_numbers_are_invalid() {
        for bad in [
            "alice",
            "+44abc",
            "+12",
            "+1234567890123456",
            "+0441234",
            "",
            "+",
            "00",
        ] {
            assert!(n(bad).is_err(), "{bad:?} accepted");
        }
        assert!(NationalDialing::new("0", "0").is_err());
        assert!(NationalDialing::new("4a", "0").is_err());
    }

    #[test]
    fn tel_and_sip_uris_give_their_numbers() {
        let tel = Uri::parse("tel:7946-0000;phone-context=+44-20").unwrap();
        assert_eq!(normalize_uri(&tel, None).unwrap().as_str(), "+442079460000");
        let tel = Uri::parse("tel:+1-201-555-0123").unwrap();
        assert_eq!(normalize_uri(&tel, None).unwrap().as_str(), "+12015550123");
        let sip = Uri::parse("sip:02079460000@carrier.example.net;user=phone").unwrap();
        assert_eq!(
            normalize_uri(&sip, Some(&uk())).unwrap().as_str(),
            "+442079460000"
        );
        let escaped = Uri::parse("sip:%2B44%2020%207946%200000@carrier.example.net").unwrap();
        assert_eq!(
            normalize_uri(&escaped, None).unwrap().as_str(),
            "+442079460000"
        );
        let no_user = Uri::parse("sip:carrier.example.net").unwrap();
        assert!(normalize_uri(&no_user, Some(&uk())).is_err());
    }

    proptest! {
        #[test]
        fn normalising_is_idempotent_and_never_panics(input in ".{0,40}") {
            if let Ok(first) = normalize(&input, Some(&uk())) {
                prop_assert_eq!(normalize(first.as_str(), Some(&uk())), Ok(first.clone()));
                prop_assert_eq!(normalize(first.as_str(), None), Ok(first));
            }
        }

        #[test]
        fn number_like_input_normalises_idempotently(
            input in "[+0-9 ().-]{0,24}(;phone-context=[+0-9a-z.-]{0,8})?"
        ) {
            if let Ok(first) = normalize(&input, Some(&uk())) {
                prop_assert!(first.digits().bytes().all(|b| b.is_ascii_digit()));
                prop_assert_eq!(normalize(first.as_str(), Some(&uk())), Ok(first));
            }
        }
    }
}
