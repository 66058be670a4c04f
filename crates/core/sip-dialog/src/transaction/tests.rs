//! Unit checks of the single machines; the timing behaviour is simulated in
//! `tests/transaction_sim.rs`.

use sb_types::Timestamp;

use super::*;
use crate::Error;

#[derive(Debug, Clone, PartialEq, Eq)]
struct M(&'static str, Option<u16>);

impl TxMessage for M {
    fn status(&self) -> Option<u16> {
        self.1
    }
    fn method(&self) -> Option<&str> {
        self.1.is_none().then_some(self.0)
    }
    fn cseq_method(&self) -> Option<String> {
        Some(self.0.to_owned())
    }
    fn branch(&self) -> Option<String> {
        Some("z9hG4bKx".into())
    }
    fn sent_by(&self) -> Option<String> {
        Some("h:5060".into())
    }
    fn ack_for(&self, _: &Self) -> Self {
        M("ACK", None)
    }
    fn trying(&self) -> Self {
        M(self.0, Some(100))
    }
}

const T0: Timestamp = Timestamp::from_secs(100);

fn events<T>(mut poll: impl FnMut() -> Option<T>) -> Vec<T> {
    std::iter::from_fn(&mut poll).collect()
}

#[test]
fn server_invite_refuses_a_second_final_but_lets_the_user_repeat_its_2xx() {
    let mut t = ServerInvite::new(T0, M("INVITE", None), false, TimerConfig::default());
    t.send_response(T0, M("INVITE", Some(200))).unwrap();
    t.send_response(T0, M("INVITE", Some(200))).unwrap();
    assert_eq!(
        t.send_response(T0, M("INVITE", Some(486))),
        Err(Error::InvalidState("response"))
    );
    assert_eq!(events(|| t.poll_transmit()).len(), 2);
    t.handle_request(T0, M("ACK", None));
    assert_eq!(
        t.poll_event(),
        Some(TxEvent::Ack(M("ACK", None))),
        "RFC 6026: ACK in Accepted goes up"
    );
    assert_eq!(t.state(), ServerInviteState::Accepted);
}

#[test]
fn a_request_is_not_a_response() {
    let mut t = ServerNonInvite::new(M("BYE", None), false, TimerConfig::default());
    assert!(t.send_response(T0, M("BYE", None)).is_err());
}

#[test]
fn transport_errors_end_every_kind_of_transaction() {
    let cfg = TimerConfig::default();
    let mut ci = ClientInvite::new(T0, M("INVITE", None), false, cfg);
    ci.handle_transport_error();
    let mut cn = ClientNonInvite::new(T0, M("BYE", None), false, cfg);
    cn.handle_transport_error();
    let mut si = ServerInvite::new(T0, M("INVITE", None), false, cfg);
    si.handle_transport_error();
    let mut sn = ServerNonInvite::new(M("BYE", None), false, cfg);
    sn.handle_transport_error();
    let want = [TxEvent::TransportError, TxEvent::Terminated];
    assert_eq!(events(|| ci.poll_event()), want);
    assert_eq!(events(|| cn.poll_event()), want);
    assert_eq!(events(|| si.poll_event()), want);
    assert_eq!(events(|| sn.poll_event()), want);
    assert_eq!(
        (ci.poll_timeout(), cn.poll_timeout(), si.poll_timeout()),
        (None, None, None)
    );
}

#[test]
fn reliable_transports_skip_the_lingering_states() {
    let cfg = TimerConfig::default();
    let mut ci = ClientInvite::new(T0, M("INVITE", None), true, cfg);
    ci.handle_response(T0, M("INVITE", Some(486)));
    assert_eq!(ci.state(), ClientInviteState::Terminated, "timer D is zero");
    let mut cn = ClientNonInvite::new(T0, M("BYE", None), true, cfg);
    cn.handle_response(T0, M("BYE", Some(200)));
    assert_eq!(
        cn.state(),
        ClientNonInviteState::Terminated,
        "timer K is zero"
    );
    let mut sn = ServerNonInvite::new(M("BYE", None), true, cfg);
    sn.send_response(T0, M("BYE", Some(200))).unwrap();
    assert_eq!(
        sn.state(),
        ServerNonInviteState::Terminated,
        "timer J is zero"
    );
    let mut si = ServerInvite::new(T0, M("INVITE", None), true, cfg);
    si.send_response(T0, M("INVITE", Some(486))).unwrap();
    si.handle_request(T0, M("ACK", None));
    assert_eq!(si.state(), ServerInviteState::Terminated, "timer I is zero");
}

#[test]
fn cancel_key_points_at_the_invite_and_other_keys_point_nowhere() {
    let cancel = TxKey {
        branch: "z9hG4bKx".into(),
        sent_by: Some("h".into()),
        method: "CANCEL".into(),
    };
    assert_eq!(cancel.cancelled().map(|k| k.method), Some("INVITE".into()));
    assert_eq!(
        TxKey {
            method: "BYE".into(),
            ..cancel
        }
        .cancelled(),
        None
    );
    assert_eq!(
        TxKey::client(&M("ACK", None)).map(|k| k.method),
        Some("INVITE".into())
    );
}

#[test]
fn layer_routes_stray_acks_and_responses_to_the_dialog_layer() {
    let mut layer: Transactions<M> = Transactions::new(TimerConfig::default());
    assert_eq!(
        layer.handle_incoming(T0, M("ACK", None), false),
        Incoming::Ack(M("ACK", None))
    );
    let stray = M("INVITE", Some(200));
    assert_eq!(
        layer.handle_incoming(T0, stray.clone(), false),
        Incoming::StrayResponse(stray)
    );
    let id = layer.send_request(T0, M("OPTIONS", None), false).unwrap();
    assert!(layer.contains(id) && !layer.can_cancel(id));
    let answer = layer.send_response(T0, id, M("OPTIONS", Some(200)));
    assert!(answer.is_err(), "not a server transaction");
    let ack = layer.send_request(T0, M("ACK", None), false);
    assert!(ack.is_err(), "2xx ACKs bypass the layer");
    let again = layer.send_request(T0, M("OPTIONS", None), false);
    assert!(again.is_err(), "branch already in use");
    let response = layer.send_request(T0, M("REGISTER", Some(200)), false);
    assert!(
        response.is_err(),
        "a response cannot start a client transaction"
    );
    let key = TxKey::client(&M("OPTIONS", None)).unwrap();
    assert_eq!(layer.find(&key), Some(id));
}

#[test]
fn cancel_finds_the_invite_it_targets_or_nothing() {
    let mut layer: Transactions<M> = Transactions::new(TimerConfig::default());
    let Incoming::Request(invite, _) = layer.handle_incoming(T0, M("INVITE", None), false) else {
        panic!("new INVITE")
    };
    let Incoming::Request(cancel, _) = layer.handle_incoming(T0, M("CANCEL", None), false) else {
        panic!("new CANCEL")
    };
    assert_eq!(layer.cancel_target(cancel), Some(invite));
    assert_eq!(layer.cancel_target(invite), None);
}

#[test]
fn a_full_layer_refuses_new_server_transactions_but_keeps_serving_old_ones() {
    let mut layer: Transactions<M> = Transactions::with_limit(TimerConfig::default(), 1);
    let Incoming::Request(id, _) = layer.handle_incoming(T0, M("INVITE", None), false) else {
        panic!("new INVITE")
    };
    let flood = layer.handle_incoming(T0, M("OPTIONS", None), false);
    assert_eq!(flood, Incoming::Overloaded(M("OPTIONS", None)));
    assert_eq!(
        layer.handle_incoming(T0, M("INVITE", None), false),
        Incoming::Absorbed
    );
    assert!(layer.send_response(T0, id, M("INVITE", Some(180))).is_ok());
}
