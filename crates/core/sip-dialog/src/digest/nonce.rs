//! Stateless nonces: `hex(issued_ms) || hex(serial) || hex(HMAC-SHA-256(secret, issued_ms ||
//! serial || realm || 0 || source)[..16])`.
//!
//! The server keeps no table of issued nonces: it recognises its own by the MAC and knows their
//! age from the embedded timestamp. A restart with the same secret keeps nonces valid.
//!
//! The serial (a counter of the issuing server) makes two nonces issued in the same millisecond
//! to the same address differ: phones behind one NAT challenged at once must not share a nonce,
//! or the second one's `nc=00000001` would look like a replay of the first's.
//!
//! The nonce is bound to the client's address (`source`): a nonce fetched from one address is
//! worthless from another, so an attacker cannot get someone else's address banned by
//! sending bad answers with a spoofed source.

use sb_types::Timestamp;

use super::algorithm::{constant_time_eq, hmac_sha256};

const MAC_LEN: usize = 16;

const ISSUED_LEN: usize = 8;
const SERIAL_LEN: usize = 4;

/// Makes the nonce issued at `now`, the issuer's `serial`-th.
pub(crate) fn issue(
    secret: &[u8],
    realm: &str,
    source: &str,
    now: Timestamp,
    serial: u32,
) -> String {
    let mut stamp = [0u8; ISSUED_LEN + SERIAL_LEN];
    stamp[..ISSUED_LEN].copy_from_slice(&now.as_millis().to_be_bytes());
    stamp[ISSUED_LEN..].copy_from_slice(&serial.to_be_bytes());
    let mac = nonce_mac(secret, &stamp, realm, source);
    format!(
        "{}{}",
        hex::encode(stamp),
        hex::encode(mac.get(..MAC_LEN).unwrap_or(&[]))
    )
}

/// When the nonce was issued, if it is one of ours for this realm.
pub(crate) fn issued_at(
    secret: &[u8],
    realm: &str,
    source: &str,
    nonce: &str,
) -> Option<Timestamp> {
    let raw = hex::decode(nonce).ok()?;
    let (stamp, mac) = raw.split_at_checked(ISSUED_LEN + SERIAL_LEN)?;
    let expected = nonce_mac(secret, stamp, realm, source);
    if !constant_time_eq(mac, expected.get(..MAC_LEN)?) {
        return None;
    }
    let issued = stamp.get(..ISSUED_LEN)?;
    Some(Timestamp::from_millis(i64::from_be_bytes(
        issued.try_into().ok()?,
    )))
}

fn nonce_mac(secret: &[u8], stamp: &[u8], realm: &str, source: &str) -> [u8; 32] {
    hmac_sha256(secret, &[stamp, realm.as_bytes(), &[0], source.as_bytes()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_nonces_are_recognised_with_their_issue_time() {
        let n = issue(b"secret", "sb", "10.0.0.1", Timestamp::from_millis(1234), 7);
        assert_eq!(
            issued_at(b"secret", "sb", "10.0.0.1", &n),
            Some(Timestamp::from_millis(1234))
        );
    }

    #[test]
    fn same_millisecond_and_address_still_give_distinct_nonces() {
        let at = Timestamp::from_millis(1234);
        let a = issue(b"secret", "sb", "10.0.0.1", at, 1);
        let b = issue(b"secret", "sb", "10.0.0.1", at, 2);
        assert_ne!(a, b);
        assert_eq!(issued_at(b"secret", "sb", "10.0.0.1", &a), Some(at));
        assert_eq!(issued_at(b"secret", "sb", "10.0.0.1", &b), Some(at));
    }

    #[test]
    fn forged_or_foreign_nonces_are_not_recognised() {
        let n = issue(b"secret", "sb", "10.0.0.1", Timestamp::from_millis(1234), 0);
        assert_eq!(issued_at(b"other", "sb", "10.0.0.1", &n), None);
        assert_eq!(issued_at(b"secret", "other-realm", "10.0.0.1", &n), None);
        assert_eq!(
            issued_at(b"secret", "sb", "10.0.0.2", &n),
            None,
            "bound to the address"
        );
        let mut forged = n.clone();
        forged.replace_range(0..2, "ff");
        assert_eq!(issued_at(b"secret", "sb", "10.0.0.1", &forged), None);
        assert_eq!(issued_at(b"secret", "sb", "10.0.0.1", "zz"), None);
        assert_eq!(issued_at(b"secret", "sb", "10.0.0.1", ""), None);
    }
}
