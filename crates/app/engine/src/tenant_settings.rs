//! The tenant's settings document (`sb_store::TenantSettingsRepo`) as the app reads it: the
//! reason codes agents choose from when they go unavailable, whether every call is recorded,
//! and the after-contact work of the calls agents place. Written strictly (unknown keys
//! and bad codes are refused, so that a typo shows), read leniently (a document the app cannot
//! use gives the defaults rather than an agent console without reason codes).

use serde_json::{Value, json};

/// The reason codes of a tenant that has not chosen its own.
pub const DEFAULT_REASON_CODES: [&str; 4] = ["break", "lunch", "meeting", "training"];

/// Reasons the system sets by itself; an agent cannot choose them.
pub const SYSTEM_REASONS: [&str; 2] = ["disconnected", "missed"];

/// The most reason codes a tenant may have.
const MAX_CODES: usize = 32;
/// The longest reason code.
const MAX_CODE: usize = 32;

/// What the app uses of a tenant's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantSettings {
    /// The codes agents choose from when unavailable, in the order shown.
    pub reason_codes: Vec<String>,
    /// Record every call with an agent (inbound and outbound), whatever the queue says.
    pub record_calls: bool,
    /// After-contact work after a call the agent placed, in seconds (0: none); the agent
    /// takes no offer meanwhile and may end it sooner.
    pub outbound_wrap_up_secs: u32,
}

/// The longest after-contact work a tenant may give calls agents place (one hour).
pub const MAX_WRAP_UP_SECS: u32 = 3600;

impl Default for TenantSettings {
    fn default() -> Self {
        TenantSettings {
            reason_codes: DEFAULT_REASON_CODES.map(str::to_owned).to_vec(),
            record_calls: false,
            outbound_wrap_up_secs: 0,
        }
    }
}

impl TenantSettings {
    /// The settings in a stored document; the defaults for what is missing or unusable.
    pub fn from_stored(doc: &Value) -> Self {
        Self::parse(doc).unwrap_or_default()
    }

    /// Checks a document to store; the error names the field and the problem.
    pub fn parse(doc: &Value) -> Result<Self, (String, String)> {
        let Value::Object(map) = doc else {
            return Err((String::new(), "must be an object".into()));
        };
        const KEYS: [&str; 3] = ["reason_codes", "record_calls", "outbound_wrap_up_secs"];
        if let Some(key) = map.keys().find(|k| !KEYS.contains(&k.as_str())) {
            return Err((key.clone(), "is not a tenant setting".into()));
        }
        let mut settings = Self::default();
        if let Some(v) = map.get("reason_codes") {
            settings.reason_codes = reason_codes(v)?;
        }
        if let Some(v) = map.get("record_calls") {
            settings.record_calls = v.as_bool().ok_or_else(|| {
                (
                    "record_calls".to_owned(),
                    "must be true or false".to_owned(),
                )
            })?;
        }
        if let Some(v) = map.get("outbound_wrap_up_secs") {
            settings.outbound_wrap_up_secs = v
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .filter(|n| *n <= MAX_WRAP_UP_SECS)
                .ok_or_else(|| {
                    let why = format!("must be whole seconds from 0 to {MAX_WRAP_UP_SECS}");
                    ("outbound_wrap_up_secs".to_owned(), why)
                })?;
        }
        Ok(settings)
    }

    /// The document to store.
    pub fn to_value(&self) -> Value {
        json!({
            "reason_codes": self.reason_codes,
            "record_calls": self.record_calls,
            "outbound_wrap_up_secs": self.outbound_wrap_up_secs,
        })
    }

    /// The settings of `tenant` as stored (the defaults when they cannot be read).
    pub async fn of(store: &dyn sb_store::Store, tenant: sb_types::TenantId) -> Self {
        match store.get_tenant_settings(tenant).await {
            Ok(doc) => Self::from_stored(&doc),
            Err(e) => {
                tracing::warn!(error = %e, "tenant settings unreadable; defaults used");
                Self::default()
            }
        }
    }

    /// Whether an agent may give `reason` when going unavailable.
    pub fn allows_reason(&self, reason: &str) -> bool {
        self.reason_codes.iter().any(|c| c == reason)
    }
}

fn reason_codes(v: &Value) -> Result<Vec<String>, (String, String)> {
    let field = || "reason_codes".to_owned();
    let Value::Array(items) = v else {
        return Err((field(), "must be a list of codes".into()));
    };
    if items.is_empty() || items.len() > MAX_CODES {
        return Err((field(), format!("1 to {MAX_CODES} codes")));
    }
    let mut codes: Vec<String> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = || format!("reason_codes[{i}]");
        let Some(code) = item.as_str() else {
            return Err((at(), "must be a string".into()));
        };
        let ok = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "_-".contains(c);
        if code.is_empty() || code.len() > MAX_CODE || !code.chars().all(ok) {
            let why = format!("1 to {MAX_CODE} of a-z, 0-9, _ and -");
            return Err((at(), why));
        }
        if SYSTEM_REASONS.contains(&code) {
            return Err((at(), format!("{code:?} is set by the system")));
        }
        if codes.iter().any(|c| c == code) {
            return Err((at(), format!("{code:?} is listed twice")));
        }
        codes.push(code.to_owned());
    }
    Ok(codes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outbound_wrap_up_is_whole_seconds_up_to_an_hour() {
        let s = TenantSettings::parse(&json!({"outbound_wrap_up_secs": 45})).unwrap();
        assert_eq!(s.outbound_wrap_up_secs, 45);
        assert_eq!(TenantSettings::from_stored(&s.to_value()), s, "round trip");
        for bad in [json!(-1), json!(3601), json!(1.5), json!("30")] {
            let err = TenantSettings::parse(&json!({ "outbound_wrap_up_secs": bad }));
            assert_eq!(err.unwrap_err().0, "outbound_wrap_up_secs", "{bad}");
        }
    }

    #[test]
    fn a_tenant_without_settings_gets_the_default_codes() {
        assert_eq!(
            TenantSettings::from_stored(&json!({})),
            TenantSettings::default()
        );
        assert_eq!(
            TenantSettings::from_stored(&json!({"reason_codes": 7})),
            TenantSettings::default(),
            "an unusable stored document reads as the defaults"
        );
        assert!(TenantSettings::default().allows_reason("lunch"));
    }

    #[test]
    fn the_tenants_own_codes_replace_the_defaults_in_their_order() {
        let s = TenantSettings::parse(&json!({"reason_codes": ["coaching", "lunch"]})).unwrap();
        assert_eq!(s.reason_codes, ["coaching", "lunch"]);
        assert!(s.allows_reason("coaching") && !s.allows_reason("break"));
        assert_eq!(TenantSettings::from_stored(&s.to_value()), s);
    }

    #[test]
    fn recording_every_call_is_a_setting_of_its_own() {
        let s = TenantSettings::parse(&json!({"record_calls": true})).unwrap();
        assert!(s.record_calls);
        assert_eq!(
            s.reason_codes, DEFAULT_REASON_CODES,
            "codes keep their defaults"
        );
        assert_eq!(TenantSettings::from_stored(&s.to_value()), s);
        let err = TenantSettings::parse(&json!({"record_calls": "yes"})).unwrap_err();
        assert_eq!(err.0, "record_calls");
    }

    #[test]
    fn bad_documents_are_refused_with_the_field() {
        let field = |doc: Value| TenantSettings::parse(&doc).unwrap_err().0;
        assert_eq!(field(json!([])), "");
        assert_eq!(field(json!({"reasons": []})), "reasons");
        assert_eq!(field(json!({"reason_codes": []})), "reason_codes");
        assert_eq!(
            field(json!({"reason_codes": ["ok", "Bad Code"]})),
            "reason_codes[1]"
        );
        assert_eq!(
            field(json!({"reason_codes": ["missed"]})),
            "reason_codes[0]"
        );
        assert_eq!(
            field(json!({"reason_codes": ["a", "a"]})),
            "reason_codes[1]"
        );
        assert_eq!(field(json!({"reason_codes": [1]})), "reason_codes[0]");
        let many: Vec<String> = (0..33).map(|i| format!("c{i}")).collect();
        assert_eq!(field(json!({ "reason_codes": many })), "reason_codes");
    }
}
