//! RFC 3261 § 10.3 steps 6–7: what a REGISTER does to an address of record's bindings.
//!
//! The whole request is checked before anything changes: one bad contact fails all of it.

use std::time::Duration;

use sb_types::Timestamp;

use super::types::{Binding, ContactParam, Register, RegistrarConfig, RegistrarEvent, Removal};
use crate::Error;

/// The bindings an address of record will have, and the changes that lead there.
pub(super) struct Plan {
    pub(super) bindings: Vec<Binding>,
    pub(super) events: Vec<RegistrarEvent>,
}

/// Applies `req` to the `current` (unexpired) bindings of its address of record.
pub(super) fn apply(
    config: &RegistrarConfig,
    now: Timestamp,
    req: &Register,
    current: &[Binding],
) -> Result<Plan, Error> {
    if req.contacts.iter().any(|c| c.uri == "*") {
        return wildcard(req, current);
    }
    let mut plan = Plan {
        bindings: current.to_vec(),
        events: Vec::new(),
    };
    for contact in &req.contacts {
        let secs = expiry(config, req, contact)?;
        if let Some(stored) = current.iter().find(|b| b.contact == contact.uri) {
            check_order(stored, req)?;
        }
        update(&mut plan, now, req, contact, secs);
    }
    if plan.bindings.len() > config.max_contacts {
        return Err(Error::TooManyContacts {
            max: config.max_contacts,
        });
    }
    Ok(plan)
}

/// `Contact: *`: only alone and with `Expires: 0`; removes every binding.
fn wildcard(req: &Register, current: &[Binding]) -> Result<Plan, Error> {
    if req.contacts.len() != 1 || req.expires != Some(0) {
        return Err(Error::InvalidWildcard);
    }
    current.iter().try_for_each(|b| check_order(b, req))?;
    let events = current
        .iter()
        .map(|b| RegistrarEvent::Unbound {
            binding: b.clone(),
            reason: Removal::Unregistered,
        })
        .collect();
    Ok(Plan {
        bindings: Vec::new(),
        events,
    })
}

/// The granted expiry: the contact's, else the request's, else the default; at most the maximum.
pub(super) fn expiry(
    config: &RegistrarConfig,
    req: &Register,
    contact: &ContactParam,
) -> Result<u32, Error> {
    let asked = contact
        .expires
        .or(req.expires)
        .unwrap_or(config.default_expires);
    if asked != 0 && asked < config.min_expires {
        return Err(Error::IntervalTooBrief {
            min_expires: config.min_expires,
        });
    }
    Ok(asked.min(config.max_expires))
}

/// Same Call-ID needs a higher CSeq; a different Call-ID (a rebooted phone) always wins.
fn check_order(stored: &Binding, req: &Register) -> Result<(), Error> {
    if stored.call_id == req.call_id && req.cseq <= stored.cseq {
        return Err(Error::OutOfOrder {
            cseq: req.cseq,
            stored: stored.cseq,
        });
    }
    Ok(())
}

fn update(plan: &mut Plan, now: Timestamp, req: &Register, contact: &ContactParam, secs: u32) {
    let existing = plan.bindings.iter().position(|b| b.contact == contact.uri);
    if let Some(i) = existing {
        let old = plan.bindings.remove(i);
        if secs == 0 {
            plan.events.push(RegistrarEvent::Unbound {
                binding: old,
                reason: Removal::Unregistered,
            });
        }
    }
    if secs > 0 {
        let binding = Binding {
            aor: req.aor.clone(),
            contact: contact.uri.clone(),
            call_id: req.call_id.clone(),
            cseq: req.cseq,
            expires_at: now + Duration::from_secs(u64::from(secs)),
            q: contact.q,
            path: req.path.clone(),
            source: req.source.clone(),
        };
        plan.events.push(RegistrarEvent::Bound(binding.clone()));
        plan.bindings.push(binding);
    }
}
