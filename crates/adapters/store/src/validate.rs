//! Checks shared by every backend, run before anything is written.

use crate::StoreError;
use serde_json::Value;

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

/// Longest interaction id (a call's id).
pub const MAX_INTERACTION_ID_LEN: usize = 200;
/// Longest contact address: an E.164 number, or an email address (RFC 5321 allows 320).
pub const MAX_CONTACT_LEN: usize = 320;
/// Longest disposition or outcome code.
pub const MAX_CODE_LEN: usize = 64;
/// Longest agent's notes on an interaction.
pub const MAX_NOTES_LEN: usize = 4000;

/// `value` has `min..=max` characters, is not only spaces (when not empty) and has no control
/// characters.
fn bounded_text(field: &str, value: &str, min: usize, max: usize) -> Result<(), StoreError> {
    let len = value.chars().count();
    let blank = len > 0 && value.trim().is_empty();
    if (min..=max).contains(&len) && !blank && !value.chars().any(char::is_control) {
        Ok(())
    } else {
        Err(StoreError::invalid(
            field,
            format!("{min} to {max} characters, not only spaces, no control characters"),
        ))
    }
}

/// An interaction id: 1 to [`MAX_INTERACTION_ID_LEN`] characters, no control characters.
pub fn interaction_id(id: &str) -> Result<(), StoreError> {
    bounded_text("id", id, 1, MAX_INTERACTION_ID_LEN)
}

/// A contact address: 1 to [`MAX_CONTACT_LEN`] characters, no control characters.
pub fn contact_address(contact: &str) -> Result<(), StoreError> {
    bounded_text("contact", contact, 1, MAX_CONTACT_LEN)
}

/// A short code (disposition, outcome): 1 to [`MAX_CODE_LEN`] characters, no control characters.
pub fn code(field: &str, value: &str) -> Result<(), StoreError> {
    bounded_text(field, value, 1, MAX_CODE_LEN)
}

/// An interaction's direction: `inbound` or `outbound`.
pub fn direction(value: &str) -> Result<(), StoreError> {
    if matches!(value, "inbound" | "outbound") {
        Ok(())
    } else {
        Err(StoreError::invalid("direction", "inbound or outbound"))
    }
}

/// An agent's wrap-up: the disposition a [`code`], the notes at most [`MAX_NOTES_LEN`]
/// characters with no control characters but line breaks and tabs.
pub fn wrap_up(disposition: Option<&str>, notes: Option<&str>) -> Result<(), StoreError> {
    if let Some(d) = disposition {
        code("disposition", d)?;
    }
    let Some(notes) = notes else { return Ok(()) };
    let ok_chars = !notes
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'));
    if notes.chars().count() <= MAX_NOTES_LEN && ok_chars {
        Ok(())
    } else {
        Err(StoreError::invalid(
            "notes",
            format!(
                "at most {MAX_NOTES_LEN} characters, no control characters but line breaks and tabs"
            ),
        ))
    }
}

/// Longest voicemail mailbox name (a queue name or a flow's free text).
pub const MAX_MAILBOX_LEN: usize = 100;
/// Longest phone number kept with a voicemail (the caller's, the dialled one).
pub const MAX_NUMBER_LEN: usize = 200;
/// Longest path of a stored file, relative to its folder.
pub const MAX_FILE_PATH_LEN: usize = 500;

/// The id of the call something belongs to: bounded like an [`interaction_id`].
pub fn call_id(id: &str) -> Result<(), StoreError> {
    bounded_text("call_id", id, 1, MAX_INTERACTION_ID_LEN)
}

/// A voicemail mailbox: 1 to [`MAX_MAILBOX_LEN`] characters, no control characters.
pub fn mailbox(value: &str) -> Result<(), StoreError> {
    bounded_text("mailbox", value, 1, MAX_MAILBOX_LEN)
}

/// A phone number as signalled: empty (anonymous) or up to [`MAX_NUMBER_LEN`] characters, no
/// control characters.
pub fn phone_number(field: &str, value: &str) -> Result<(), StoreError> {
    bounded_text(field, value, 0, MAX_NUMBER_LEN)
}

/// An agent's device choice: a number is an optional `+` and 3 to 20 digits.
pub fn agent_device(device: Option<&crate::AgentDevice>) -> Result<(), StoreError> {
    let Some(crate::AgentDevice::Pstn(number)) = device else {
        return Ok(());
    };
    let digits = number.strip_prefix('+').unwrap_or(number);
    if !(3..=20).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(StoreError::invalid(
            "number",
            "a phone number: an optional + and 3 to 20 digits",
        ));
    }
    Ok(())
}

/// A file's path relative to its folder (recordings, voicemails): 1 to [`MAX_FILE_PATH_LEN`]
/// characters, no control characters, not absolute (no leading `/` or `\`, no drive such as
/// `C:`) and no `..` component, so that it cannot point outside the folder.
pub fn relative_file(field: &str, value: &str) -> Result<(), StoreError> {
    bounded_text(field, value, 1, MAX_FILE_PATH_LEN)?;
    let rooted = value.starts_with(['/', '\\']);
    let drive = matches!(value.as_bytes(), [letter, b':', ..] if letter.is_ascii_alphabetic());
    let escapes = value.split(['/', '\\']).any(|c| c == "..");
    if rooted || drive || escapes {
        return Err(StoreError::invalid(
            field,
            "a relative path (no leading / or \\, no drive, no .. component)",
        ));
    }
    Ok(())
}

/// A count or size the backends store as a signed 64-bit integer: at most `i64::MAX`.
pub fn stored_u64(field: &str, value: u64) -> Result<(), StoreError> {
    if i64::try_from(value).is_ok() {
        Ok(())
    } else {
        Err(StoreError::invalid(field, "at most 9223372036854775807"))
    }
}

/// Most bytes of a tenant's settings document, serialized as compact JSON (64 KiB).
pub const MAX_SETTINGS_BYTES: usize = 64 * 1024;

/// A tenant's settings document: a JSON object of at most [`MAX_SETTINGS_BYTES`] serialized
/// (compact), with no NUL character in a key or a string (PostgreSQL's `jsonb` cannot hold one,
/// so both backends refuse it rather than only one failing).
pub fn tenant_settings(settings: &Value) -> Result<(), StoreError> {
    let invalid = |reason: String| Err(StoreError::invalid("settings", reason));
    if !settings.is_object() {
        return invalid("must be a JSON object".to_owned());
    }
    let size = serde_json::to_vec(settings).map_or(usize::MAX, |bytes| bytes.len());
    if size > MAX_SETTINGS_BYTES {
        return invalid(format!(
            "at most {MAX_SETTINGS_BYTES} bytes serialized, not {size}"
        ));
    }
    if has_nul(settings) {
        return invalid("no NUL character (\\u0000) in a key or a string".to_owned());
    }
    Ok(())
}

/// Whether a key or a string anywhere in `v` holds a NUL (iterative: no recursion limit).
fn has_nul(v: &Value) -> bool {
    let mut todo = vec![v];
    while let Some(v) = todo.pop() {
        match v {
            Value::String(s) if s.contains('\0') => return true,
            Value::Array(items) => todo.extend(items),
            Value::Object(map) if map.keys().any(|k| k.contains('\0')) => return true,
            Value::Object(map) => todo.extend(map.values()),
            _ => {}
        }
    }
    false
}

/// Longest mailbox key of a fetched email (`imap:<uidvalidity>:<uid>`, `pop3:<uidl>`).
pub const MAX_MAILBOX_KEY_LEN: usize = 300;
/// Longest RFC 5322 Message-ID kept (without brackets): one header line's worth.
pub const MAX_MESSAGE_ID_LEN: usize = 998;
/// Longest subject kept with a conversation or a message, in characters.
pub const MAX_SUBJECT_LEN: usize = 998;
/// Most bytes of a message's text body (1 MiB); the email adapter cuts longer ones and flags
/// them `too_large`.
pub const MAX_BODY_TEXT_BYTES: usize = 1024 * 1024;
/// Most recipients kept with a message.
pub const MAX_RECIPIENTS: usize = 500;
/// Most bytes of a message's attachment list or of a mailbox cursor, serialized (64 KiB).
pub const MAX_METADATA_BYTES: usize = 64 * 1024;

/// A mailbox key: 1 to [`MAX_MAILBOX_KEY_LEN`] characters, no control characters.
pub fn mailbox_key(value: &str) -> Result<(), StoreError> {
    bounded_text("mailbox_key", value, 1, MAX_MAILBOX_KEY_LEN)
}

/// A Message-ID (without brackets): 1 to [`MAX_MESSAGE_ID_LEN`] characters, no control
/// characters (an empty one is accepted by the records and means "none").
pub fn message_id(field: &str, value: &str) -> Result<(), StoreError> {
    bounded_text(field, value, 1, MAX_MESSAGE_ID_LEN)
}

/// An email address: 1 to [`MAX_CONTACT_LEN`] characters, no control characters (the syntax is
/// the email adapter's business).
pub fn email_address(field: &str, value: &str) -> Result<(), StoreError> {
    bounded_text(field, value, 1, MAX_CONTACT_LEN)
}

/// A one-line text that may be empty or blank (a subject, a display name from a header): at
/// most `max` characters, no control characters.
pub fn line(field: &str, value: &str, max: usize) -> Result<(), StoreError> {
    if value.chars().count() <= max && !value.chars().any(char::is_control) {
        Ok(())
    } else {
        Err(StoreError::invalid(
            field,
            format!("at most {max} characters, no control characters"),
        ))
    }
}

/// A message's text body: at most [`MAX_BODY_TEXT_BYTES`] bytes (UTF-8) and no NUL character
/// (line breaks, tabs and other controls are kept as sent).
pub fn body_text(value: &str) -> Result<(), StoreError> {
    if value.len() > MAX_BODY_TEXT_BYTES {
        return Err(StoreError::invalid(
            "body_text",
            format!("at most {MAX_BODY_TEXT_BYTES} bytes, not {}", value.len()),
        ));
    }
    if value.contains('\0') {
        return Err(StoreError::invalid("body_text", "no NUL character"));
    }
    Ok(())
}

/// A message's attachment list: a JSON array of at most [`MAX_METADATA_BYTES`] serialized, with
/// no NUL character in a key or a string.
pub fn attachments(value: &Value) -> Result<(), StoreError> {
    if !value.is_array() {
        return Err(StoreError::invalid("attachments", "must be a JSON array"));
    }
    metadata("attachments", value)
}

/// A mailbox's cursor: any JSON of at most [`MAX_METADATA_BYTES`] serialized, with no NUL
/// character in a key or a string.
pub fn mailbox_cursor(value: &Value) -> Result<(), StoreError> {
    metadata("cursor", value)
}

/// Opaque JSON kept by the store: bounded in size, without NUL (see [`tenant_settings`]).
fn metadata(field: &str, value: &Value) -> Result<(), StoreError> {
    let size = serde_json::to_vec(value).map_or(usize::MAX, |bytes| bytes.len());
    if size > MAX_METADATA_BYTES {
        return Err(StoreError::invalid(
            field,
            format!("at most {MAX_METADATA_BYTES} bytes serialized, not {size}"),
        ));
    }
    if has_nul(value) {
        return Err(StoreError::invalid(
            field,
            "no NUL character (\\u0000) in a key or a string",
        ));
    }
    Ok(())
}

/// Longest canned response name.
pub const MAX_CANNED_NAME_LEN: usize = 64;
/// Longest canned response subject, in characters.
pub const MAX_CANNED_SUBJECT_LEN: usize = 200;
/// Most bytes of a canned response's body (16 KiB).
pub const MAX_CANNED_BODY_BYTES: usize = 16 * 1024;

/// A canned response's name: 1 to [`MAX_CANNED_NAME_LEN`] of `a-z`, `0-9`, `-` and `_` (it
/// appears in URLs and documents as it is).
pub fn canned_name(name: &str) -> Result<(), StoreError> {
    let ok_len = (1..=MAX_CANNED_NAME_LEN).contains(&name.len());
    let ok_chars = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok_len && ok_chars {
        Ok(())
    } else {
        Err(StoreError::invalid(
            "name",
            format!("1 to {MAX_CANNED_NAME_LEN} characters of a-z, 0-9, - and _"),
        ))
    }
}

/// A canned response: its [`canned_name`]; its subject, when it has one, one line of 1 to
/// [`MAX_CANNED_SUBJECT_LEN`] characters (no CR, LF or other control character, not only
/// spaces); its body not blank, at most [`MAX_CANNED_BODY_BYTES`] bytes (UTF-8) and without NUL
/// (line breaks and tabs are kept).
pub fn canned_response(name: &str, subject: Option<&str>, body: &str) -> Result<(), StoreError> {
    canned_name(name)?;
    if let Some(subject) = subject {
        bounded_text("subject", subject, 1, MAX_CANNED_SUBJECT_LEN)?;
    }
    if body.len() > MAX_CANNED_BODY_BYTES {
        return Err(StoreError::invalid(
            "body",
            format!("at most {MAX_CANNED_BODY_BYTES} bytes, not {}", body.len()),
        ));
    }
    if body.trim().is_empty() {
        return Err(StoreError::invalid("body", "must not be blank"));
    }
    if body.contains('\0') {
        return Err(StoreError::invalid("body", "no NUL character"));
    }
    Ok(())
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

    #[test]
    fn interaction_fields_are_bounded() {
        assert!(interaction_id(&"c".repeat(200)).is_ok());
        assert!(interaction_id(&"c".repeat(201)).is_err() && interaction_id("").is_err());
        assert!(contact_address("+442079460123").is_ok());
        assert!(contact_address(&"é".repeat(320)).is_ok());
        assert!(contact_address(&"1".repeat(321)).is_err() && contact_address("").is_err());
        assert!(direction("inbound").is_ok() && direction("outbound").is_ok());
        assert!(direction("Inbound").is_err() && direction("").is_err());
        assert!(code("disposition", &"x".repeat(64)).is_ok());
        assert!(code("disposition", &"x".repeat(65)).is_err());
        assert!(code("disposition", " ").is_err() && code("outcome", "a\tb").is_err());
    }

    #[test]
    fn voicemail_fields_are_bounded() {
        assert!(call_id(&"c".repeat(200)).is_ok());
        assert!(call_id(&"c".repeat(201)).is_err() && call_id("").is_err());
        assert!(mailbox("Sales EN").is_ok() && mailbox(&"é".repeat(100)).is_ok());
        for bad in ["", " ", "a\nb", &"m".repeat(101)] {
            assert!(mailbox(bad).is_err(), "{bad:?}");
        }
        assert!(phone_number("caller", "").is_ok());
        assert!(phone_number("caller", &"1".repeat(200)).is_ok());
        assert!(phone_number("caller", &"1".repeat(201)).is_err());
        assert!(stored_u64("bytes", i64::MAX as u64).is_ok());
        assert!(stored_u64("bytes", i64::MAX as u64 + 1).is_err());
    }

    #[test]
    fn files_are_relative_paths_that_stay_in_their_folder() {
        for good in [
            "acme/2026/01/vm-1.wav",
            "vm.wav",
            "a..b/c...wav",
            "./x.wav",
            "acme/a:b.wav",
            &"f".repeat(500),
        ] {
            assert!(relative_file("file", good).is_ok(), "{good:?}");
        }
        for bad in [
            "",
            "/var/lib/switchboard/vm.wav",
            "\\\\server\\share\\vm.wav",
            "C:\\vm.wav",
            "c:vm.wav",
            "..",
            "../vm.wav",
            "acme/../../etc/passwd",
            "acme\\..\\vm.wav",
            "acme/..",
            "a\u{0}.wav",
            &"f".repeat(501),
        ] {
            let r = relative_file("file", bad);
            assert!(
                matches!(&r, Err(StoreError::Invalid { field, .. }) if field == "file"),
                "{bad:?}: {r:?}"
            );
        }
    }

    #[test]
    fn notes_allow_line_breaks_up_to_4000_characters() {
        assert!(wrap_up(None, None).is_ok());
        assert!(wrap_up(Some("sale"), Some("")).is_ok());
        assert!(wrap_up(None, Some("line 1\r\n\tline 2")).is_ok());
        assert!(wrap_up(None, Some(&"n".repeat(4000))).is_ok());
        let long = wrap_up(None, Some(&"n".repeat(4001)));
        assert!(matches!(long, Err(StoreError::Invalid { field, .. }) if field == "notes"));
        assert!(wrap_up(None, Some("a\u{0}b")).is_err());
        assert!(wrap_up(Some(""), None).is_err());
    }

    #[test]
    fn tenant_settings_are_an_object_of_at_most_64_kib_without_nul() {
        let field = |v: &Value| match tenant_settings(v) {
            Err(StoreError::Invalid { field, .. }) => field,
            other => panic!("expected Invalid, got {other:?}"),
        };
        assert!(tenant_settings(&serde_json::json!({})).is_ok());
        assert!(tenant_settings(&serde_json::json!({"reason_codes": ["lunch"]})).is_ok());
        for bad in [serde_json::json!([]), Value::Null, serde_json::json!("x")] {
            assert_eq!(field(&bad), "settings");
        }
        // {"k":"…"} is 8 bytes around the string.
        let sized = |n: usize| serde_json::json!({ "k": "x".repeat(n - 8) });
        assert_eq!(
            serde_json::to_vec(&sized(65536)).expect("json").len(),
            65536
        );
        assert!(tenant_settings(&sized(65536)).is_ok());
        assert_eq!(field(&sized(65537)), "settings");
        assert_eq!(
            field(&serde_json::json!({"a": [{"b": "x\u{0}y"}]})),
            "settings"
        );
        assert_eq!(field(&serde_json::json!({"a": {"k\u{0}": 1}})), "settings");
        assert!(tenant_settings(&serde_json::json!({"a": "\\u0000 written out"})).is_ok());
    }

    #[test]
    fn email_fields_are_bounded() {
        assert!(mailbox_key("imap:123:45").is_ok() && mailbox_key(&"k".repeat(300)).is_ok());
        assert!(mailbox_key("").is_err() && mailbox_key(&"k".repeat(301)).is_err());
        assert!(message_id("message_id", &"m".repeat(998)).is_ok());
        assert!(message_id("message_id", &"m".repeat(999)).is_err());
        assert!(message_id("message_id", "a\rb").is_err());
        assert!(email_address("sender", "jane@example.com").is_ok());
        assert!(email_address("sender", "").is_err());
        assert!(line("subject", "", 10).is_ok() && line("subject", "   ", 10).is_ok());
        assert!(
            line("subject", "a\nb", 10).is_err()
                && line("subject", "é".repeat(11).as_str(), 10).is_err()
        );
        assert!(body_text(&"b".repeat(MAX_BODY_TEXT_BYTES)).is_ok());
        assert!(body_text(&"b".repeat(MAX_BODY_TEXT_BYTES + 1)).is_err());
        assert!(body_text("line\r\n\tx\u{c}").is_ok() && body_text("a\u{0}").is_err());
        assert!(attachments(&serde_json::json!([])).is_ok());
        assert!(attachments(&serde_json::json!({})).is_err());
        assert!(attachments(&serde_json::json!([{"name": "a\u{0}"}])).is_err());
        assert!(mailbox_cursor(&serde_json::json!({"uid": 5})).is_ok());
        assert!(mailbox_cursor(&serde_json::json!("x".repeat(MAX_METADATA_BYTES))).is_err());
    }

    #[test]
    fn canned_responses_are_bounded_and_named_as_slugs() {
        let field = |r: Result<(), StoreError>| match r {
            Err(StoreError::Invalid { field, .. }) => field,
            other => panic!("expected Invalid, got {other:?}"),
        };
        assert!(canned_response("greeting_2-fr", None, "Hello").is_ok());
        assert!(canned_response(&"n".repeat(64), Some(&"s".repeat(200)), "b").is_ok());
        let body = "é".repeat(MAX_CANNED_BODY_BYTES / 2);
        assert!(canned_response("x", Some("Re: {{ subject }}"), &body).is_ok());
        assert!(canned_response("x", None, "line\r\n\tline").is_ok());
        for bad in ["", "Greeting", "a b", "a.b", "é", &"n".repeat(65)] {
            assert_eq!(field(canned_response(bad, None, "b")), "name", "{bad:?}");
        }
        for bad in ["", " ", "a\nb", "a\rb", &"s".repeat(201)] {
            assert_eq!(field(canned_response("x", Some(bad), "b")), "subject");
        }
        let long = "b".repeat(MAX_CANNED_BODY_BYTES + 1);
        for bad in ["", " \n", "a\u{0}b", &long] {
            assert_eq!(field(canned_response("x", None, bad)), "body");
        }
    }
}
