//! SDES crypto attributes (RFC 4568): `a=crypto:<tag> <suite> inline:<key||salt>[|lifetime][|MKI:len]`.

use std::fmt::{self, Display, Formatter};
use std::str::FromStr;

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use crate::error::SdpError;

/// The suite we implement (RFC 4568 § 6.2.1): AES-128 counter mode, 80-bit HMAC-SHA1 tag.
pub const AES_CM_128_HMAC_SHA1_80: &str = "AES_CM_128_HMAC_SHA1_80";
/// Master key (16) plus master salt (14) bytes for the AES_CM_128 suites.
pub const AES_CM_128_KEY_SALT_LEN: usize = 30;

/// Base64 as SDES uses it: standard alphabet, padding optional.
const B64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// One `inline:` key parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyParams {
    /// Concatenated master key and salt, base64 as written.
    pub key_salt: String,
    /// Key lifetime (`2^31`), as written.
    pub lifetime: Option<String>,
    /// MKI and its length (`1:4`), as written.
    pub mki: Option<String>,
}

impl KeyParams {
    /// An inline key from raw master key ‖ salt bytes.
    pub fn from_bytes(key_salt: &[u8]) -> Self {
        KeyParams {
            key_salt: B64.encode(key_salt),
            lifetime: None,
            mki: None,
        }
    }

    /// The master key ‖ salt bytes.
    pub fn key_salt_bytes(&self) -> Result<Vec<u8>, SdpError> {
        B64.decode(self.key_salt.as_bytes())
            .map_err(|_| SdpError::BadCrypto("key is not base64"))
    }
}

/// An `a=crypto` attribute value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crypto {
    /// Tag, echoed by the answer.
    pub tag: u32,
    /// Crypto suite name.
    pub suite: String,
    /// Key parameters (usually one).
    pub keys: Vec<KeyParams>,
    /// Session parameters, as written.
    pub session_params: Vec<String>,
}

impl Crypto {
    /// True for a suite this crate's peers implement, with a key of the right length.
    pub fn is_supported(&self) -> bool {
        self.suite == AES_CM_128_HMAC_SHA1_80
            && self
                .keys
                .first()
                .and_then(|k| k.key_salt_bytes().ok())
                .is_some_and(|k| k.len() == AES_CM_128_KEY_SALT_LEN)
    }
}

impl FromStr for Crypto {
    type Err = SdpError;

    fn from_str(value: &str) -> Result<Self, SdpError> {
        let mut parts = value.split_whitespace();
        let tag = parts
            .next()
            .and_then(|t| t.parse().ok())
            .ok_or(SdpError::BadCrypto("tag"))?;
        let suite = parts.next().ok_or(SdpError::BadCrypto("suite"))?.to_owned();
        let keys = parts
            .next()
            .ok_or(SdpError::BadCrypto("key parameters"))?
            .split(';')
            .map(key_params)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Crypto {
            tag,
            suite,
            keys,
            session_params: parts.map(str::to_owned).collect(),
        })
    }
}

fn key_params(text: &str) -> Result<KeyParams, SdpError> {
    let info = text
        .strip_prefix("inline:")
        .ok_or(SdpError::BadCrypto("key method must be inline"))?;
    let mut parts = info.split('|');
    let key_salt = parts
        .next()
        .filter(|k| !k.is_empty())
        .ok_or(SdpError::BadCrypto("empty key"))?;
    let mut params = KeyParams {
        key_salt: key_salt.into(),
        lifetime: None,
        mki: None,
    };
    for p in parts {
        let slot = if p.contains(':') {
            &mut params.mki
        } else {
            &mut params.lifetime
        };
        if slot.replace(p.into()).is_some() || p.is_empty() {
            return Err(SdpError::BadCrypto("key parameter repeated or empty"));
        }
    }
    Ok(params)
}

impl Display for KeyParams {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "inline:{}", self.key_salt)?;
        if let Some(l) = &self.lifetime {
            write!(f, "|{l}")?;
        }
        if let Some(m) = &self.mki {
            write!(f, "|{m}")?;
        }
        Ok(())
    }
}

impl Display for Crypto {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ", self.tag, self.suite)?;
        for (i, k) in self.keys.iter().enumerate() {
            if i > 0 {
                f.write_str(";")?;
            }
            write!(f, "{k}")?;
        }
        self.session_params
            .iter()
            .try_for_each(|p| write!(f, " {p}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rfc_4568_example_parses_and_prints_back() {
        let text = "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4 FEC_ORDER=FEC_SRTP";
        let c: Crypto = text.parse().unwrap();
        assert_eq!(c.tag, 1);
        assert_eq!(c.keys[0].lifetime.as_deref(), Some("2^20"));
        assert_eq!(c.keys[0].mki.as_deref(), Some("1:4"));
        assert_eq!(c.session_params, ["FEC_ORDER=FEC_SRTP"]);
        assert_eq!(c.keys[0].key_salt_bytes().unwrap().len(), 30);
        assert!(c.is_supported());
        assert_eq!(c.to_string(), text);
    }

    #[test]
    fn unsupported_or_malformed_crypto_is_recognised() {
        let c: Crypto = "2 AES_256_CM_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"
            .parse()
            .unwrap();
        assert!(!c.is_supported());
        let short: Crypto = "3 AES_CM_128_HMAC_SHA1_80 inline:AAAA".parse().unwrap();
        assert!(!short.is_supported());
        assert!(
            "x AES_CM_128_HMAC_SHA1_80 inline:AAAA"
                .parse::<Crypto>()
                .is_err()
        );
        assert!("1 AES_CM_128_HMAC_SHA1_80 uri:x".parse::<Crypto>().is_err());
        assert!("1 AES_CM_128_HMAC_SHA1_80".parse::<Crypto>().is_err());
        assert!(
            "1 AES_CM_128_HMAC_SHA1_80 inline:A|1|2"
                .parse::<Crypto>()
                .is_err()
        );
    }

    #[test]
    fn raw_keys_encode_to_forty_base64_characters() {
        let k = KeyParams::from_bytes(&[7; 30]);
        assert_eq!(k.key_salt.len(), 40);
        assert_eq!(k.key_salt_bytes().unwrap(), vec![7; 30]);
    }
}
