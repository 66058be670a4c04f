//! Passwords sealed at rest: AES-256-GCM under a key from the configuration.
//!
//! The text form is `enc:v1:<base64(nonce ‖ ciphertext ‖ tag)>` with a random 96-bit nonce per
//! seal, so sealing the same password twice gives two different texts. The tag authenticates
//! the text: another key or any altered byte makes [`SecretKey::open`] fail, never return
//! garbage.

use std::fmt;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::EmailError;

/// The prefix of a sealed text.
const PREFIX: &str = "enc:v1:";
/// Bytes in a key.
const KEY_LEN: usize = 32;
/// Bytes of the GCM tag.
const TAG_LEN: usize = 16;
/// Bound into every seal: a text sealed for another purpose under the same key does not open.
const CONTEXT: &[u8] = b"switchboard sb-email password enc:v1";

/// The key that seals and opens channel passwords: 32 bytes, written as base64 in the
/// configuration. `Debug` never prints it.
#[derive(Clone)]
pub struct SecretKey([u8; KEY_LEN]);

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

impl SecretKey {
    /// Reads a key written by [`SecretKey::to_base64`]: standard base64 of exactly 32 bytes
    /// (surrounding white space ignored).
    pub fn from_base64(s: &str) -> Result<Self, EmailError> {
        let bytes = STANDARD
            .decode(s.trim())
            .map_err(|_| EmailError::secret("the key is not valid base64"))?;
        let key: [u8; KEY_LEN] = bytes.try_into().map_err(|bytes: Vec<u8>| {
            EmailError::secret(format!(
                "the key must be {KEY_LEN} bytes, this one has {}",
                bytes.len()
            ))
        })?;
        Ok(Self(key))
    }

    /// A new random key from the system's generator.
    ///
    /// Returns an error (instead of a weak key) if the generator fails.
    pub fn generate() -> Result<Self, EmailError> {
        let mut key = [0; KEY_LEN];
        aws_lc_rs::rand::fill(&mut key)
            .map_err(|_| EmailError::secret("the random generator failed"))?;
        Ok(Self(key))
    }

    /// The key as standard base64, for the configuration file.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }

    /// Seals `plain` under this key with a fresh random nonce: `enc:v1:…`.
    pub fn seal(&self, plain: &str) -> Result<String, EmailError> {
        let mut nonce = [0; NONCE_LEN];
        aws_lc_rs::rand::fill(&mut nonce)
            .map_err(|_| EmailError::secret("the random generator failed"))?;
        let mut sealed = plain.as_bytes().to_vec();
        self.aead()?
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(CONTEXT),
                &mut sealed,
            )
            .map_err(|_| EmailError::secret("sealing failed"))?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(format!("{PREFIX}{}", STANDARD.encode(out)))
    }

    /// Opens a text from [`SecretKey::seal`]. A text without the `enc:v1:` prefix is a plain
    /// password and is returned as is.
    pub fn open(&self, text: &str) -> Result<String, EmailError> {
        let Some(encoded) = text.strip_prefix(PREFIX) else {
            return Ok(text.to_owned());
        };
        let mut bytes = decode(encoded)?;
        let (nonce, sealed) = bytes.split_at_mut(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce)
            .map_err(|_| EmailError::secret("the sealed password is malformed"))?;
        let plain = self
            .aead()?
            .open_in_place(nonce, Aad::from(CONTEXT), sealed)
            .map_err(|_| {
                EmailError::secret(
                    "the sealed password does not open: it was sealed with another key or altered",
                )
            })?;
        String::from_utf8(plain.to_vec())
            .map_err(|_| EmailError::secret("the sealed password is not UTF-8"))
    }

    /// Whether `text` is in the sealed form (`enc:v1:` prefix); says nothing of its validity.
    pub fn is_sealed(text: &str) -> bool {
        text.starts_with(PREFIX)
    }

    fn aead(&self) -> Result<LessSafeKey, EmailError> {
        let key = UnboundKey::new(&AES_256_GCM, &self.0)
            .map_err(|_| EmailError::secret("the key is unusable"))?;
        Ok(LessSafeKey::new(key))
    }
}

/// Checks the shape of a sealed text without a key: base64 long enough for a nonce and a tag.
pub(crate) fn check_sealed_form(text: &str) -> Result<(), EmailError> {
    match text.strip_prefix(PREFIX) {
        Some(encoded) => decode(encoded).map(|_| ()),
        None => Ok(()),
    }
}

fn decode(encoded: &str) -> Result<Vec<u8>, EmailError> {
    let bytes = STANDARD
        .decode(encoded)
        .map_err(|_| EmailError::secret("the sealed password is not valid base64"))?;
    if bytes.len() < NONCE_LEN + TAG_LEN {
        return Err(EmailError::secret("the sealed password is too short"));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SecretKey {
        SecretKey::generate().expect("random key")
    }

    #[test]
    fn sealed_passwords_open_to_the_original_with_the_same_key() {
        let key = key();
        for plain in ["", "wonder land", "pâsswörd ✓", "enc:v1:looks sealed"] {
            let sealed = key.seal(plain).expect("seal");
            assert!(SecretKey::is_sealed(&sealed));
            assert!(!sealed.contains("wonder"));
            assert_eq!(key.open(&sealed).expect("open"), plain);
        }
    }

    #[test]
    fn each_seal_uses_a_fresh_nonce() {
        let key = key();
        assert_ne!(
            key.seal("same").expect("seal"),
            key.seal("same").expect("seal")
        );
    }

    #[test]
    fn the_key_survives_its_base64_form_and_never_shows_in_debug() {
        let key = key();
        let again = SecretKey::from_base64(&format!(" {}\n", key.to_base64())).expect("key");
        let sealed = key.seal("p").expect("seal");
        assert_eq!(again.open(&sealed).expect("open"), "p");
        assert_eq!(format!("{key:?}"), "SecretKey(<redacted>)");
    }

    #[test]
    fn keys_of_the_wrong_size_or_not_base64_are_refused() {
        for bad in [
            "",
            "not base64!",
            &STANDARD.encode([7u8; 31]),
            &STANDARD.encode([7u8; 33]),
        ] {
            let err = SecretKey::from_base64(bad).expect_err(bad);
            assert!(matches!(err, EmailError::Secret { .. }), "{err}");
            assert!(!err.retryable());
        }
    }

    #[test]
    fn a_wrong_key_is_detected() {
        let sealed = key().seal("secret").expect("seal");
        let err = key().open(&sealed).expect_err("other key");
        assert!(err.to_string().contains("another key"), "{err}");
        assert!(!err.retryable());
    }

    #[test]
    fn any_altered_byte_is_detected() {
        let key = key();
        let sealed = key.seal("secret").expect("seal");
        let mut bytes = STANDARD.decode(&sealed[PREFIX.len()..]).expect("base64");
        for i in 0..bytes.len() {
            bytes[i] ^= 0x01;
            let altered = format!("{PREFIX}{}", STANDARD.encode(&bytes));
            assert!(key.open(&altered).is_err(), "byte {i} altered unnoticed");
            bytes[i] ^= 0x01;
        }
        let truncated = &sealed[..sealed.len() - 4];
        assert!(key.open(truncated).is_err());
    }

    #[test]
    fn malformed_sealed_texts_give_errors_not_panics() {
        let key = key();
        for bad in [
            "enc:v1:",
            "enc:v1:!!!!",
            "enc:v1:AAAA",
            "enc:v1:\u{e9}\u{e9}",
        ] {
            assert!(key.open(bad).is_err(), "{bad}");
            assert!(check_sealed_form(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn plain_passwords_pass_through_open() {
        let key = key();
        for plain in ["hunter2", "", "enc:v2:future", "ENC:V1:upper"] {
            assert!(!SecretKey::is_sealed(plain));
            assert_eq!(key.open(plain).expect("plain"), plain);
        }
    }
}
