use crate::TypesError;
use std::fmt;
use std::str::FromStr;

/// The medium of an interaction. Every channel goes through the same ACD.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// Phone calls (SIP trunk, SIP phone, WebRTC softphone).
    Voice,
    /// Email fetched from the organisation's mailbox.
    Email,
    /// Web chat.
    Chat,
    /// Text messages.
    Sms,
}

impl Channel {
    /// All channels, in a stable order.
    pub const ALL: [Channel; 4] = [Channel::Voice, Channel::Email, Channel::Chat, Channel::Sms];

    /// The lower-case name used in configuration and on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Channel::Voice => "voice",
            Channel::Email => "email",
            Channel::Chat => "chat",
            Channel::Sms => "sms",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Channel {
    type Err = TypesError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Channel::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| TypesError::UnknownChannel(s.chars().take(32).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_names_round_trip() {
        for c in Channel::ALL {
            assert_eq!(c.as_str().parse::<Channel>().unwrap(), c);
        }
        assert!("fax".parse::<Channel>().is_err());
    }
}
