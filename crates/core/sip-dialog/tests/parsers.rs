//! The text parsers of this crate on hostile input: never a panic, and print → parse is the
//! identity for anything we print.

use proptest::prelude::*;
use sb_sip_dialog::dialog::{Replaces, parse_sipfrag};
use sb_sip_dialog::digest::{Algorithm, Challenge, Credentials, QopAuth};
use sb_sip_dialog::registrar::Q;

fn algorithm() -> impl Strategy<Value = Algorithm> {
    prop::sample::select(Algorithm::ALL.to_vec())
}

proptest! {
    #[test]
    fn parsers_never_panic_on_arbitrary_text(s in ".{0,200}") {
        let _ = Challenge::parse(&s);
        let _ = Credentials::parse(&s);
        let _ = Challenge::parse(&format!("Digest {s}"));
        let _ = Credentials::parse(&format!("Digest {s}"));
        let _ = Replaces::parse(&s);
        let _ = Replaces::from_refer_to(&s);
        let _ = parse_sipfrag(&s);
        let _ = Q::parse(&s);
    }

    #[test]
    fn parsers_never_panic_on_near_valid_digest_lists(
        parts in prop::collection::vec((prop::sample::select(vec!["realm", "nonce", "qop", "nc", "uri", "username", "response", "cnonce", "algorithm", "opaque", "stale"]), "[a-zA-Z0-9\"\\\\ ,=%-]{0,12}"), 0..10)
    ) {
        let body: Vec<String> = parts.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let text = format!("Digest {}", body.join(", "));
        let _ = Challenge::parse(&text);
        let _ = Credentials::parse(&text);
    }

    #[test]
    fn challenges_round_trip(realm in ".{0,30}", nonce in ".{1,30}", opaque in proptest::option::of(".{0,20}"),
                             algorithm in algorithm(), qop_auth in any::<bool>(), stale in any::<bool>()) {
        let c = Challenge { realm, nonce, opaque, algorithm, qop_auth, stale };
        prop_assert_eq!(Challenge::parse(&c.to_string()), Ok(c));
    }

    #[test]
    fn credentials_round_trip(username in ".{0,20}", uri in "sip:[a-z0-9.@;=]{1,30}", response in "[0-9a-f]{32,64}",
                              algorithm in algorithm(), nc in any::<u32>(), cnonce in ".{0,20}", with_qop in any::<bool>()) {
        let c = Credentials {
            username,
            realm: "r".into(),
            nonce: "n".into(),
            uri,
            response,
            algorithm,
            opaque: None,
            qop: with_qop.then_some(QopAuth { nc, cnonce }),
        };
        prop_assert_eq!(Credentials::parse(&c.to_string()), Ok(c));
    }

    #[test]
    fn q_values_round_trip(t in 0u16..=1000) {
        let q = Q::from_thousandths(t).expect("in range");
        prop_assert_eq!(Q::parse(&q.to_string()), Ok(q));
    }
}
