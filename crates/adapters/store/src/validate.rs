//! Checks shared by every backend, run before anything is written.

use crate::StoreError;

/// Longest name accepted for skills, teams, queues, flows, trunks and channels.
pub const MAX_NAME_LEN: usize = 200;

/// A tenant name is a slug: 1 to 63 of `a-z`, `0-9` and `-`.
pub fn tenant_name(name: &str) -> Result<(), StoreError> {
    let ok_len = (1..=63).contains(&name.len());
    let ok_chars = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok_len && ok_chars {
        Ok(())
    } else {
        Err(StoreError::invalid(
            "name",
            "a tenant name is 1 to 63 characters of a-z, 0-9 and -",
        ))
    }
}

/// A user name: 1 to 128 characters, no whitespace or control characters (agents' user names are
/// their SIP user names).
pub fn username(name: &str) -> Result<(), StoreError> {
    let ok_len = (1..=128).contains(&name.chars().count());
    if ok_len && !name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Ok(())
    } else {
        Err(StoreError::invalid(
            "username",
            "1 to 128 characters without spaces or control characters",
        ))
    }
}

/// A display text or object name: 1 to [`MAX_NAME_LEN`] characters, no control characters, not
/// only spaces.
pub fn name(field: &str, value: &str) -> Result<(), StoreError> {
    let ok_len = (1..=MAX_NAME_LEN).contains(&value.chars().count());
    if ok_len && !value.trim().is_empty() && !value.chars().any(char::is_control) {
        Ok(())
    } else {
        Err(StoreError::invalid(
            field,
            format!("1 to {MAX_NAME_LEN} characters, no control characters"),
        ))
    }
}

/// A display name may be empty but is bounded like a name.
pub fn display_name(value: &str) -> Result<(), StoreError> {
    if value.is_empty() {
        return Ok(());
    }
    name("display_name", value)
}

/// A skill proficiency is 1 (best) to 10.
pub fn proficiency(field: &str, value: u8) -> Result<(), StoreError> {
    if (1..=10).contains(&value) {
        Ok(())
    } else {
        Err(StoreError::invalid(field, "a proficiency is 1 to 10"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_names_are_lowercase_slugs_of_at_most_63() {
        assert!(tenant_name("acme-2").is_ok());
        assert!(tenant_name(&"a".repeat(63)).is_ok());
        for bad in ["", "Acme", "a_b", "a b", "é", &"a".repeat(64)] {
            assert!(tenant_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn usernames_reject_spaces_and_controls() {
        assert!(username("1001").is_ok());
        assert!(username("jane.doe@example.com").is_ok());
        for bad in ["", "a b", "a\u{0}", &"x".repeat(129)] {
            assert!(username(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn names_must_have_visible_text_and_proficiency_is_one_to_ten() {
        assert!(name("name", "Sales EN").is_ok());
        assert!(name("name", "   ").is_err());
        assert!(name("name", "a\nb").is_err());
        assert!(display_name("").is_ok());
        assert!(proficiency("p", 1).is_ok() && proficiency("p", 10).is_ok());
        assert!(proficiency("p", 0).is_err() && proficiency("p", 11).is_err());
    }
}
