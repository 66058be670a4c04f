//! Emails a call's flow sends (`send_message` with `channel: email`): a confirmation to the
//! caller, a note to a team. They go through the SMTP server of one of the tenant's email
//! channels (the one whose address the block names in `from`, else the only enabled one) and
//! a copy is kept in the channel's `sent` folder. They start no conversation: an answer from
//! the recipient arrives in the channel's mailbox like any email and starts one there.

use super::{EmailDesk, EmailDeskError};
use sb_conversation::{Mailbox, Outgoing};
use sb_email::EmailChannelSettings;
use sb_store::ChannelConfig;
use sb_types::{Channel, ChannelId, TenantId};

/// Longest body sent, in bytes.
const MAX_BODY: usize = 64 * 1024;

/// What a flow sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The channel's address to send from; `None`: the tenant's only enabled email channel.
    pub from: Option<String>,
    /// One recipient address.
    pub to: String,
    /// The subject; `None`: "A message from <channel name>".
    pub subject: Option<String>,
    /// The text body.
    pub body: String,
}

/// A notice sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentNotice {
    /// The address it went from.
    pub from: String,
    /// Its Message-ID.
    pub message_id: String,
    /// The copy, relative to the mail folder.
    pub file: String,
}

impl EmailDesk {
    /// Sends a flow's email; refused (`Invalid`) with a bad recipient, an empty or oversized
    /// body, or no channel to send from.
    pub async fn send_notice(
        &self,
        tenant: TenantId,
        notice: Notice,
    ) -> Result<SentNotice, EmailDeskError> {
        let to = recipient(&notice.to)?;
        if notice.body.trim().is_empty() || notice.body.len() > MAX_BODY {
            return Err(EmailDeskError::Invalid(format!(
                "the email's body must have 1 to {MAX_BODY} bytes"
            )));
        }
        let (channel, settings) = self.sender(tenant, notice.from.as_deref()).await?;
        let (unique, message_id) = super::reply::new_message_id(&settings.address);
        let name = settings.display_name.clone();
        let subject = notice
            .subject
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| {
                format!(
                    "A message from {}",
                    name.as_deref().unwrap_or(&settings.address)
                )
            });
        let outgoing = Outgoing {
            from: Mailbox {
                name,
                address: settings.address.clone(),
            },
            to: vec![Mailbox {
                name: None,
                address: to.clone(),
            }],
            cc: Vec::new(),
            subject,
            message_id: message_id.clone(),
            in_reply_to: None,
            references: Vec::new(),
            date: self.inner.now().as_millis() / 1000,
            text: notice.body,
            attachments: Vec::new(),
            auto_reply: false,
        };
        let sent = super::reply::Sent {
            tenant,
            channel,
            unique: &unique,
        };
        let relative = self
            .deliver(&settings, std::slice::from_ref(&to), &outgoing, sent)
            .await?;
        Ok(SentNotice {
            from: settings.address,
            message_id,
            file: relative.to_string_lossy().into_owned(),
        })
    }

    /// The channel a notice goes from.
    async fn sender(
        &self,
        tenant: TenantId,
        from: Option<&str>,
    ) -> Result<(ChannelId, EmailChannelSettings), EmailDeskError> {
        let configs = self.inner.deps.store.list_channel_configs(tenant).await?;
        let channels: Vec<(ChannelId, EmailChannelSettings)> = configs
            .into_iter()
            .filter(|c| c.kind == Channel::Email)
            .filter_map(|c: ChannelConfig| {
                let settings = EmailChannelSettings::from_json(&c.settings).ok()?;
                Some((c.id, settings))
            })
            .collect();
        let chosen: Vec<_> = match from {
            Some(address) => channels
                .into_iter()
                .filter(|(_, s)| s.address.eq_ignore_ascii_case(address.trim()))
                .collect(),
            None => channels.into_iter().filter(|(_, s)| !s.disabled).collect(),
        };
        let count = chosen.len();
        match (chosen.into_iter().next(), count, from) {
            (Some(one), 1, _) => Ok(one),
            (_, 0, Some(address)) => Err(EmailDeskError::Invalid(format!(
                "no email channel of this tenant has the address {address:?}"
            ))),
            (_, 0, None) => Err(EmailDeskError::Invalid(
                "this tenant has no email channel to send from".into(),
            )),
            _ => Err(EmailDeskError::Invalid(
                "this tenant has several email channels: name one in the block's `from`".into(),
            )),
        }
    }
}

/// The one recipient, checked ([`sb_flow::plain_address`]).
fn recipient(to: &str) -> Result<String, EmailDeskError> {
    let to = to.trim();
    if sb_flow::plain_address(to) {
        Ok(to.to_owned())
    } else {
        Err(EmailDeskError::Invalid(format!(
            "{:?} is not one email address",
            to.chars().take(80).collect::<String>()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_goes_to_exactly_one_plain_address() {
        assert_eq!(recipient(" ada@example.com ").unwrap(), "ada@example.com");
        for bad in [
            "",
            "ada",
            "ada@localhost",
            "a@b.c, eve@evil.example",
            "Ada <ada@example.com>",
            "ada@example.com\r\nBcc: eve@evil.example",
            "@example.com",
        ] {
            assert!(recipient(bad).is_err(), "{bad:?}");
        }
    }
}
