//! The registrar against a reference model: generated REGISTER requests and clock advances, the
//! registrar's answers and bindings compared with a plain map after every step.

use std::collections::BTreeMap;
use std::time::Duration;

use proptest::prelude::*;
use sb_sip_dialog::Error;
use sb_sip_dialog::registrar::{Binding, ContactParam, Q, Register, Registrar, RegistrarConfig};
use sb_types::Timestamp;

const AORS: [&str; 2] = ["sip:1001@sb", "sip:1002@sb"];
const CONTACTS: [&str; 4] = ["sip:a@h", "sip:b@h", "sip:c@h", "*"];
const EXPIRIES: [u32; 6] = [0, 30, 60, 120, 600, 7200];

#[derive(Debug, Clone)]
enum Op {
    Register(Register),
    Advance(u64),
}

fn contact() -> impl Strategy<Value = ContactParam> {
    (
        0..CONTACTS.len(),
        prop::option::of(0..EXPIRIES.len()),
        prop::option::of(0u16..=1000),
    )
        .prop_map(|(c, e, q)| ContactParam {
            uri: CONTACTS[c].into(),
            expires: e.map(|e| EXPIRIES[e]),
            q: q.and_then(Q::from_thousandths),
        })
}

fn register() -> impl Strategy<Value = Register> {
    let contacts = prop::collection::vec(contact(), 0..4);
    (
        0..2usize,
        0..2usize,
        0u32..6,
        prop::option::of(0..EXPIRIES.len()),
        contacts,
    )
        .prop_map(|(aor, call, cseq, expires, contacts)| Register {
            aor: AORS[aor].into(),
            call_id: format!("call-{call}"),
            cseq,
            expires: expires.map(|e| EXPIRIES[e]),
            contacts,
            path: vec![format!("<sip:edge{call};lr>")],
            source: None,
        })
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![3 => register().prop_map(Op::Register), 1 => (0u64..400).prop_map(Op::Advance)]
}

/// (call_id, cseq, expires_at, q) per (aor, contact).
type Entry = (String, u32, Timestamp, Option<Q>);

#[derive(Default)]
struct Model {
    map: BTreeMap<(String, String), Entry>,
}

impl Model {
    fn register(
        &mut self,
        cfg: &RegistrarConfig,
        now: Timestamp,
        req: &Register,
    ) -> Result<(), Error> {
        self.map.retain(|_, e| e.2 > now);
        let before = self.map.clone();
        let stored = |uri: &str| before.get(&(req.aor.clone(), uri.to_owned()));
        let in_order = |e: &Entry| {
            if e.0 == req.call_id && req.cseq <= e.1 {
                Err(Error::OutOfOrder {
                    cseq: req.cseq,
                    stored: e.1,
                })
            } else {
                Ok(())
            }
        };
        if req.contacts.iter().any(|c| c.uri == "*") {
            if req.contacts.len() != 1 || req.expires != Some(0) {
                return Err(Error::InvalidWildcard);
            }
            for ((aor, _), e) in &before {
                if *aor == req.aor {
                    in_order(e)?;
                }
            }
            self.map.retain(|(aor, _), _| *aor != req.aor);
            return Ok(());
        }
        for c in &req.contacts {
            let asked = c.expires.or(req.expires).unwrap_or(cfg.default_expires);
            if asked != 0 && asked < cfg.min_expires {
                self.map = before;
                return Err(Error::IntervalTooBrief {
                    min_expires: cfg.min_expires,
                });
            }
            if let Some(Err(err)) = stored(&c.uri).map(in_order) {
                self.map = before;
                return Err(err);
            }
            let key = (req.aor.clone(), c.uri.clone());
            if asked == 0 {
                self.map.remove(&key);
            } else {
                let at = now + Duration::from_secs(u64::from(asked.min(cfg.max_expires)));
                self.map
                    .insert(key, (req.call_id.clone(), req.cseq, at, c.q));
            }
        }
        if self.map.keys().filter(|(aor, _)| *aor == req.aor).count() > cfg.max_contacts {
            self.map = before;
            return Err(Error::TooManyContacts {
                max: cfg.max_contacts,
            });
        }
        Ok(())
    }

    fn lookup(&self, now: Timestamp, aor: &str) -> Vec<(String, Entry)> {
        let live = self.map.iter().filter(|((a, _), e)| a == aor && e.2 > now);
        live.map(|((_, c), e)| (c.clone(), e.clone())).collect()
    }
}

fn view(bindings: Vec<Binding>) -> Vec<(String, Entry)> {
    let mut v: Vec<_> = bindings
        .into_iter()
        .map(|b| (b.contact, (b.call_id, b.cseq, b.expires_at, b.q)))
        .collect();
    v.sort();
    v
}

/// Which stored binding a refused wildcard reports depends on iteration order: compare the
/// rest.
fn same_kind(e: &Error) -> Error {
    match e {
        Error::OutOfOrder { cseq, .. } => Error::OutOfOrder {
            cseq: *cseq,
            stored: 0,
        },
        other => other.clone(),
    }
}

fn sorted_by_preference(bindings: &[Binding]) -> bool {
    bindings
        .windows(2)
        .all(|w| w[0].preference() >= w[1].preference())
}

proptest! {
    #[test]
    fn registrar_matches_the_reference_model(ops in prop::collection::vec(op(), 1..60)) {
        let cfg = RegistrarConfig { max_contacts: 2, ..RegistrarConfig::default() };
        let mut registrar = Registrar::new(cfg);
        let mut model = Model::default();
        let mut now = Timestamp::from_secs(1_000);
        for op in ops {
            match op {
                Op::Advance(secs) => {
                    now = now + Duration::from_secs(secs);
                    if registrar.poll_timeout().is_some_and(|t| t <= now) {
                        registrar.handle_timeout(now);
                    }
                    prop_assert!(registrar.poll_timeout().is_none_or(|t| t > now));
                }
                Op::Register(req) => {
                    let got = registrar.handle_register(now, &req);
                    let want = model.register(&cfg, now, &req);
                    prop_assert_eq!(got.as_ref().err().map(same_kind), want.as_ref().err().map(same_kind));
                    if let Ok(list) = got {
                        prop_assert!(sorted_by_preference(&list));
                        prop_assert_eq!(view(list), model.lookup(now, &req.aor));
                    }
                }
            }
            for aor in AORS {
                prop_assert_eq!(view(registrar.lookup(now, aor)), model.lookup(now, aor));
            }
            let restored = Registrar::restore(cfg, registrar.bindings().cloned());
            prop_assert_eq!(view(restored.lookup(now, AORS[0])), model.lookup(now, AORS[0]));
        }
    }
}
