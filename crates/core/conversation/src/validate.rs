//! Checks on an [`Outgoing`] message before anything is written.

use crate::address::{Mailbox, is_valid_address};
use crate::build::Outgoing;
use crate::date::DATE_RANGE;
use crate::error::ConversationError;
use crate::text::has_header_control;
use crate::thread::is_valid_id;

/// Every header value of `msg` checked; the first fault found is returned.
pub(crate) fn outgoing(msg: &Outgoing) -> Result<(), ConversationError> {
    if msg.to.is_empty() && msg.cc.is_empty() {
        return Err(ConversationError::NoRecipients);
    }
    mailbox("from", &msg.from)?;
    msg.to.iter().try_for_each(|m| mailbox("to", m))?;
    msg.cc.iter().try_for_each(|m| mailbox("cc", m))?;
    no_control("subject", &msg.subject)?;
    id("message_id", &msg.message_id)?;
    msg.in_reply_to
        .iter()
        .try_for_each(|i| id("in_reply_to", i))?;
    msg.references
        .iter()
        .try_for_each(|i| id("references", i))?;
    for a in &msg.attachments {
        no_control("attachment", &a.filename)?;
        no_control("attachment", &a.content_type)?;
    }
    if !DATE_RANGE.contains(&msg.date) {
        return Err(ConversationError::InvalidDate { date: msg.date });
    }
    Ok(())
}

fn no_control(field: &'static str, value: &str) -> Result<(), ConversationError> {
    if has_header_control(value) {
        Err(ConversationError::HeaderInjection { field })
    } else {
        Ok(())
    }
}

fn mailbox(field: &'static str, m: &Mailbox) -> Result<(), ConversationError> {
    no_control(field, m.name.as_deref().unwrap_or_default())?;
    no_control(field, &m.address)?;
    if is_valid_address(m.address.trim()) {
        Ok(())
    } else {
        Err(ConversationError::InvalidAddress {
            field,
            address: m.address.clone(),
        })
    }
}

fn id(field: &'static str, value: &str) -> Result<(), ConversationError> {
    no_control(field, value)?;
    if is_valid_id(value.trim()) {
        Ok(())
    } else {
        Err(ConversationError::InvalidMessageId {
            field,
            id: value.to_owned(),
        })
    }
}
