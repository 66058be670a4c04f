//! Short-lived SIP passwords for the agent console's softphone.
//!
//! The console never holds a user's SIP password: at login it asks the API for a password that
//! answers digest challenges for the agent's own user name until it expires (or the agent logs
//! out). They live in memory: a restart forgets them and the console simply asks again.
//! [`super::sip::StoreCredentials`] accepts them beside the user's desk-phone secret.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use sb_types::Timestamp;

/// Passwords kept per user; the oldest goes when a new one would exceed it (one per open tab).
const PER_USER: usize = 8;

/// The softphone passwords of every tenant. Cheap to clone; shared by the API (which issues
/// them) and the SIP server (which checks them).
#[derive(Clone, Default)]
pub struct SoftphonePasswords {
    inner: Arc<Mutex<ByUser>>,
}

/// Passwords by (realm, user name).
type ByUser = HashMap<(String, String), Vec<Issued>>;

#[derive(Clone)]
struct Issued {
    password: String,
    expires: Timestamp,
}

impl std::fmt::Debug for SoftphonePasswords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SoftphonePasswords").finish_non_exhaustive()
    }
}

impl SoftphonePasswords {
    /// Accepts `password` for `username` in `realm` (the tenant's name) until `expires`.
    pub fn issue(
        &self,
        realm: &str,
        username: &str,
        password: String,
        now: Timestamp,
        expires: Timestamp,
    ) {
        let mut map = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        map.retain(|_, list| {
            list.retain(|i| i.expires > now);
            !list.is_empty()
        });
        let list = map
            .entry((realm.to_owned(), username.to_owned()))
            .or_default();
        if list.len() >= PER_USER {
            list.remove(0);
        }
        list.push(Issued { password, expires });
    }

    /// Forgets every password of `username` in `realm` (logout, password reset, user deleted).
    pub fn revoke(&self, realm: &str, username: &str) {
        let mut map = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        map.remove(&(realm.to_owned(), username.to_owned()));
    }

    /// The passwords of `username` in `realm` still valid at `now`.
    pub fn valid(&self, realm: &str, username: &str, now: Timestamp) -> Vec<String> {
        let map = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        map.get(&(realm.to_owned(), username.to_owned()))
            .map(|list| {
                list.iter()
                    .filter(|i| i.expires > now)
                    .map(|i| i.password.clone())
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_secs(1_700_000_000 + s)
    }

    #[test]
    fn a_password_answers_for_its_user_and_realm_until_it_expires() {
        let p = SoftphonePasswords::default();
        p.issue("acme", "1001", "pw".into(), at(0), at(100));
        assert_eq!(p.valid("acme", "1001", at(99)), vec!["pw".to_owned()]);
        assert!(p.valid("acme", "1001", at(100)).is_empty(), "expired");
        assert!(p.valid("beta", "1001", at(1)).is_empty(), "other tenant");
        assert!(p.valid("acme", "1002", at(1)).is_empty(), "other user");
    }

    #[test]
    fn revoking_forgets_every_password_of_the_user_only() {
        let p = SoftphonePasswords::default();
        p.issue("acme", "1001", "a".into(), at(0), at(100));
        p.issue("acme", "1001", "b".into(), at(0), at(100));
        p.issue("acme", "1002", "c".into(), at(0), at(100));
        p.revoke("acme", "1001");
        assert!(p.valid("acme", "1001", at(1)).is_empty());
        assert_eq!(p.valid("acme", "1002", at(1)), vec!["c".to_owned()]);
    }

    #[test]
    fn a_user_keeps_at_most_eight_passwords_dropping_the_oldest() {
        let p = SoftphonePasswords::default();
        for i in 0..10 {
            p.issue("acme", "1001", format!("pw{i}"), at(0), at(100));
        }
        let valid = p.valid("acme", "1001", at(1));
        assert_eq!(valid.len(), PER_USER);
        assert_eq!(valid[0], "pw2");
    }

    #[test]
    fn expired_passwords_of_anyone_are_dropped_when_another_is_issued() {
        let p = SoftphonePasswords::default();
        p.issue("acme", "1001", "old".into(), at(0), at(10));
        p.issue("acme", "1002", "new".into(), at(20), at(100));
        let map = p.inner.lock().unwrap();
        assert!(!map.contains_key(&("acme".to_owned(), "1001".to_owned())));
    }
}
