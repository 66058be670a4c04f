//! Registrar and location service (RFC 3261 § 10.3, Path from RFC 3327).
//!
//! [`Registrar`] holds bindings per address of record, applies REGISTER requests, expires
//! bindings at their deadlines and reports every change as a [`RegistrarEvent`] for the store.

mod rules;
#[cfg(test)]
mod tests;
mod types;

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use sb_types::Timestamp;

pub use types::{Binding, ContactParam, Q, Register, RegistrarConfig, RegistrarEvent, Removal};

use crate::Error;

/// The location service: bindings by address of record.
#[derive(Debug, Clone, Default)]
pub struct Registrar {
    config: RegistrarConfig,
    aors: BTreeMap<String, Vec<Binding>>,
    deadlines: BTreeSet<(Timestamp, String, String)>,
    events: VecDeque<RegistrarEvent>,
}

impl Registrar {
    /// An empty registrar.
    pub fn new(config: RegistrarConfig) -> Self {
        Registrar {
            config,
            ..Registrar::default()
        }
    }

    /// A registrar holding bindings loaded from the store (expired ones lapse at the first
    /// [`Registrar::handle_timeout`]). No events are emitted for them.
    pub fn restore(config: RegistrarConfig, bindings: impl IntoIterator<Item = Binding>) -> Self {
        let mut r = Registrar::new(config);
        for b in bindings {
            let aor = b.aor.clone();
            let mut list = r.aors.get(&aor).cloned().unwrap_or_default();
            list.retain(|old| old.contact != b.contact);
            list.push(b);
            r.replace(&aor, list);
        }
        r
    }

    /// Applies a REGISTER. On success, returns the address of record's bindings for the 200 OK
    /// (best `q` first); on error nothing changed and [`Error::status`] is the answer.
    pub fn handle_register(
        &mut self,
        now: Timestamp,
        req: &Register,
    ) -> Result<Vec<Binding>, Error> {
        self.handle_timeout(now);
        let current = self.aors.get(&req.aor).cloned().unwrap_or_default();
        let plan = rules::apply(&self.config, now, req, &current)?;
        self.replace(&req.aor, plan.bindings);
        self.events.extend(plan.events);
        Ok(self.lookup(now, &req.aor))
    }

    /// Removes every binding of an address of record (the user was deleted or disabled).
    pub fn remove_aor(&mut self, aor: &str) {
        let gone = self.aors.get(aor).cloned().unwrap_or_default();
        self.replace(aor, Vec::new());
        let unbound = |binding| RegistrarEvent::Unbound {
            binding,
            reason: Removal::Unregistered,
        };
        self.events.extend(gone.into_iter().map(unbound));
    }

    /// The live bindings of an address of record, best `q` first (ties: most recent first).
    pub fn lookup(&self, now: Timestamp, aor: &str) -> Vec<Binding> {
        let mut list: Vec<Binding> = self
            .aors
            .get(aor)
            .map(|l| l.iter().filter(|b| b.expires_at > now).cloned().collect())
            .unwrap_or_default();
        list.sort_by(|a, b| {
            b.preference()
                .cmp(&a.preference())
                .then(b.expires_at.cmp(&a.expires_at))
        });
        list
    }

    /// Every stored binding, for a snapshot.
    pub fn bindings(&self) -> impl Iterator<Item = &Binding> {
        self.aors.values().flatten()
    }

    /// Removes the bindings whose time has come.
    pub fn handle_timeout(&mut self, now: Timestamp) {
        while let Some((at, aor, contact)) = self.deadlines.first().cloned() {
            if at > now {
                break;
            }
            self.deadlines.pop_first();
            self.expire(&aor, &contact);
        }
    }

    /// The next binding expiry.
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        self.deadlines.first().map(|(at, _, _)| *at)
    }

    /// The next change to persist.
    pub fn poll_event(&mut self) -> Option<RegistrarEvent> {
        self.events.pop_front()
    }

    fn expire(&mut self, aor: &str, contact: &str) {
        let Some(list) = self.aors.get_mut(aor) else {
            return;
        };
        if let Some(i) = list.iter().position(|b| b.contact == contact) {
            let binding = list.remove(i);
            self.events.push_back(RegistrarEvent::Unbound {
                binding,
                reason: Removal::Expired,
            });
        }
        if list.is_empty() {
            self.aors.remove(aor);
        }
    }

    fn replace(&mut self, aor: &str, bindings: Vec<Binding>) {
        for old in self.aors.remove(aor).unwrap_or_default() {
            self.deadlines
                .remove(&(old.expires_at, old.aor, old.contact));
        }
        for b in &bindings {
            self.deadlines
                .insert((b.expires_at, b.aor.clone(), b.contact.clone()));
        }
        if !bindings.is_empty() {
            self.aors.insert(aor.to_owned(), bindings);
        }
    }
}
