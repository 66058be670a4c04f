//! A whole call on real `sb-sip` messages: INVITE, 180, 200, ACK, BYE, with the transaction
//! layer, dialogs and the UAS's 2xx retransmission (`AckWait`), through a link that can lose
//! chosen messages. The clock is manual.

use std::collections::VecDeque;
use std::time::Duration;

use sb_sip::{HeaderName, Message, StatusCode, Via};
use sb_sip_dialog::dialog::{AckWait, AckWaitState, Dialog, DialogState};
use sb_sip_dialog::transaction::{Incoming, TimerConfig, Transactions, TxEvent, TxId, TxMessage};
use sb_sip_dialog::wire;
use sb_types::Timestamp;

const INVITE: &str = "INVITE sip:bob@10.0.0.2 SIP/2.0\r\n\
Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKinvite\r\nMax-Forwards: 70\r\n\
From: <sip:alice@example.com>;tag=a\r\nTo: <sip:bob@example.com>\r\n\
Call-ID: call-1@10.0.0.1\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@10.0.0.1:5060>\r\n\
Content-Length: 0\r\n\r\n";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum To {
    Alice,
    Bob,
}

/// Whether to lose a message on its way to a side.
type LossRule = Box<dyn FnMut(To, &Message) -> bool>;

struct Call {
    now: Timestamp,
    start: Timestamp,
    wire: VecDeque<(Timestamp, To, Message)>,
    /// (ms, receiver, what) of every message put on the link, and whether it was lost.
    log: Vec<(u64, To, String, bool)>,
    lose: LossRule,
    alice: Transactions<Message>,
    bob: Transactions<Message>,
    alice_dialog: Option<Dialog>,
    bob_dialog: Option<Dialog>,
    bob_ack_wait: Option<AckWait<Message>>,
    bob_answer_at: Option<Timestamp>,
    bob_invite: Option<(TxId, Message)>,
    alice_ack: Option<Message>,
    branch: u32,
}

fn what(m: &Message) -> String {
    match m {
        Message::Request(r) => r.method().to_string(),
        Message::Response(r) => format!(
            "{} {}",
            r.status().as_u16(),
            m.cseq_method().unwrap_or_default()
        ),
    }
}

impl Call {
    fn new(lose: impl FnMut(To, &Message) -> bool + 'static) -> Call {
        let start = Timestamp::from_secs(50_000);
        Call {
            now: start,
            start,
            wire: VecDeque::new(),
            log: Vec::new(),
            lose: Box::new(lose),
            alice: Transactions::new(TimerConfig::default()),
            bob: Transactions::new(TimerConfig::default()),
            alice_dialog: None,
            bob_dialog: None,
            bob_ack_wait: None,
            bob_answer_at: None,
            bob_invite: None,
            alice_ack: None,
            branch: 0,
        }
    }

    fn ms(&self) -> u64 {
        self.now.saturating_since(self.start).as_millis() as u64
    }

    fn put(&mut self, to: To, m: Message) {
        let lost = (self.lose)(to, &m);
        self.log.push((self.ms(), to, what(&m), lost));
        if !lost {
            let m = sb_sip::parse(m.to_bytes()).expect("printed message parses");
            self.wire
                .push_back((self.now + Duration::from_millis(5), to, m));
        }
    }

    fn sent(&self, to: To, label: &str) -> Vec<u64> {
        self.log
            .iter()
            .filter(|l| l.1 == to && l.2 == label)
            .map(|l| l.0)
            .collect()
    }

    fn via(&mut self, host: &str) -> Via {
        self.branch += 1;
        Via::parse(&format!(
            "SIP/2.0/UDP {host}:5060;branch=z9hG4bK{}",
            self.branch
        ))
        .expect("via")
    }

    fn run_until(&mut self, ms: u64) {
        let end = self.start + Duration::from_millis(ms);
        loop {
            self.flush();
            let next = [
                self.alice.poll_timeout(),
                self.bob.poll_timeout(),
                self.bob_ack_wait.as_ref().and_then(AckWait::poll_timeout),
                self.bob_answer_at,
                self.wire.iter().map(|w| w.0).min(),
            ]
            .into_iter()
            .flatten()
            .min();
            let Some(t) = next.filter(|t| *t <= end) else {
                break;
            };
            self.now = self.now.max(t);
            self.alice.handle_timeout(self.now);
            self.bob.handle_timeout(self.now);
            if let Some(w) = &mut self.bob_ack_wait {
                w.handle_timeout(self.now);
            }
            self.deliver();
            self.bob_answers();
        }
        self.now = end;
    }

    fn flush(&mut self) {
        while let Some((_, m)) = self.alice.poll_transmit() {
            self.put(To::Bob, m);
        }
        while let Some((_, m)) = self.bob.poll_transmit() {
            self.put(To::Alice, m);
        }
        while let Some(m) = self.bob_ack_wait.as_mut().and_then(AckWait::poll_transmit) {
            self.put(To::Alice, m);
        }
        while let Some((_, e)) = self.alice.poll_event() {
            if let TxEvent::Response(r) = e {
                self.alice_response(r);
            }
        }
        while self.bob.poll_event().is_some() {}
    }

    fn deliver(&mut self) {
        while let Some(pos) = self.wire.iter().position(|w| w.0 <= self.now) {
            let Some((_, to, m)) = self.wire.remove(pos) else {
                break;
            };
            match to {
                To::Bob => self.bob_receives(m),
                To::Alice => {
                    if let Incoming::StrayResponse(r) =
                        self.alice.handle_incoming(self.now, m, false)
                    {
                        self.alice_response(r);
                    }
                }
            }
            self.flush();
        }
    }

    fn alice_response(&mut self, r: Message) {
        let (Some(status), Some(resp)) = (r.status(), r.as_response()) else {
            return;
        };
        if r.cseq_method().as_deref() != Some("INVITE") {
            return;
        }
        let invite = sb_sip::parse(INVITE.as_bytes().to_vec()).expect("invite");
        let invite = invite.as_request().expect("request");
        if self.alice_dialog.is_none() && status > 100 {
            let seed = wire::uac_seed(invite, resp).expect("dialog seed");
            self.alice_dialog = Some(Dialog::uac(seed, false));
        }
        if (200..300).contains(&status) {
            self.alice_acks(resp);
        }
    }

    /// ACK every 2xx (the first builds it; retransmitted 2xx get the same ACK again).
    fn alice_acks(&mut self, resp: &sb_sip::Response) {
        let contact = resp
            .headers()
            .contacts()
            .ok()
            .and_then(|c| c.addresses().first().map(|a| a.uri.to_string()));
        if self.alice_ack.is_none() {
            let dialog = self.alice_dialog.as_mut().expect("dialog");
            let rr: Vec<String> = resp
                .headers()
                .record_routes()
                .unwrap_or_default()
                .iter()
                .map(|r| r.to_string())
                .collect();
            dialog.confirm_uac(&rr, contact.as_deref());
            let head = dialog.ack(1);
            let via = self.via("10.0.0.1");
            self.alice_ack = Some(Message::Request(wire::request_of(&head, via).expect("ack")));
        }
        if let Some(ack) = self.alice_ack.clone() {
            self.put(To::Bob, ack);
        }
    }

    fn bob_receives(&mut self, m: Message) {
        match self.bob.handle_incoming(self.now, m, false) {
            Incoming::Request(key, req) if req.method() == Some("INVITE") => {
                self.bob_rings(key, req)
            }
            Incoming::Request(key, req) if req.method() == Some("BYE") => {
                self.bob_hangs_up(key, req)
            }
            Incoming::Ack(_) => {
                if let Some(w) = &mut self.bob_ack_wait {
                    w.handle_ack();
                }
            }
            _ => {}
        }
    }

    fn bob_rings(&mut self, key: TxId, invite: Message) {
        let req = invite.as_request().expect("request");
        self.bob_dialog = Some(Dialog::uas(
            wire::uas_seed(req, "b").expect("seed"),
            false,
            100,
        ));
        let mut ringing = req.make_response(StatusCode::RINGING, Some("b"));
        ringing
            .headers_mut()
            .push(HeaderName::Contact, "<sip:bob@10.0.0.2:5060>");
        self.bob
            .send_response(self.now, key, Message::Response(ringing))
            .expect("180");
        self.bob_answer_at = Some(self.now + Duration::from_secs(1));
        self.bob_invite = Some((key, invite));
        self.flush();
    }

    fn bob_answers(&mut self) {
        if self.bob_answer_at.is_none_or(|t| t > self.now) {
            return;
        }
        self.bob_answer_at = None;
        let Some((key, invite)) = self.bob_invite.take() else {
            return;
        };
        let mut ok = invite
            .as_request()
            .expect("request")
            .make_response(StatusCode::OK, Some("b"));
        ok.headers_mut()
            .push(HeaderName::Contact, "<sip:bob@10.0.0.2:5060>");
        let ok = Message::Response(ok);
        self.bob
            .send_response(self.now, key, ok.clone())
            .expect("200");
        self.bob_ack_wait = Some(AckWait::new(self.now, ok, false, TimerConfig::default()));
        if let Some(d) = &mut self.bob_dialog {
            d.confirm_uas();
        }
        self.flush();
    }

    fn bob_hangs_up(&mut self, key: TxId, bye: Message) {
        let cseq = bye.headers().cseq().expect("cseq").seq;
        let dialog = self.bob_dialog.as_mut().expect("dialog");
        dialog.handle_request("BYE", cseq, None).expect("in order");
        dialog.terminate();
        let ok = bye
            .as_request()
            .expect("request")
            .make_response(StatusCode::OK, None);
        self.bob
            .send_response(self.now, key, Message::Response(ok))
            .expect("200 BYE");
        self.flush();
    }

    fn alice_hangs_up(&mut self) {
        let head = self
            .alice_dialog
            .as_mut()
            .expect("dialog")
            .next_request("BYE");
        let via = self.via("10.0.0.1");
        let bye = wire::request_of(&head, via).expect("bye");
        assert_eq!(
            bye.uri().to_string(),
            "sip:bob@10.0.0.2:5060",
            "BYE goes to bob's Contact"
        );
        self.alice
            .send_request(self.now, Message::Request(bye), false)
            .expect("sent");
        self.alice_dialog.as_mut().expect("dialog").terminate();
        self.flush();
    }
}

fn call(lose: impl FnMut(To, &Message) -> bool + 'static) -> Call {
    let mut c = Call::new(lose);
    let invite = sb_sip::parse(INVITE.as_bytes().to_vec()).expect("invite");
    c.alice.send_request(c.now, invite, false).expect("sent");
    c.run_until(5_000);
    c
}

#[test]
fn call_is_set_up_and_torn_down_without_loss() {
    let mut c = call(|_, _| false);
    assert_eq!(
        c.sent(To::Alice, "200 INVITE"),
        [1_005],
        "one 200, acknowledged at once"
    );
    assert_eq!(c.sent(To::Bob, "ACK"), [1_010]);
    assert_eq!(
        c.bob_ack_wait.as_ref().map(AckWait::state),
        Some(AckWaitState::Acknowledged)
    );
    assert_eq!(
        c.alice_dialog.as_ref().map(Dialog::state),
        Some(DialogState::Confirmed)
    );
    c.alice_hangs_up();
    c.run_until(10_000);
    assert_eq!(c.sent(To::Alice, "200 BYE"), [5_005]);
    assert_eq!(
        c.bob_dialog.as_ref().map(Dialog::state),
        Some(DialogState::Terminated)
    );
    assert_eq!(c.bob_dialog.as_ref().and_then(Dialog::remote_cseq), Some(2));
}

#[test]
fn lost_ack_is_recovered_by_the_2xx_retransmission() {
    let mut acks = 0;
    let c = call(move |to, m| {
        let is_ack = to == To::Bob && m.method() == Some("ACK");
        acks += usize::from(is_ack);
        is_ack && acks == 1
    });
    assert_eq!(
        c.sent(To::Alice, "200 INVITE"),
        [1_005, 1_505],
        "retransmitted once at T1"
    );
    assert_eq!(c.sent(To::Bob, "ACK"), [1_010, 1_510], "the same ACK again");
    assert_eq!(
        c.bob_ack_wait.as_ref().map(AckWait::state),
        Some(AckWaitState::Acknowledged)
    );
}

#[test]
fn lost_2xx_is_retransmitted_until_it_gets_through() {
    let mut oks = 0;
    let c = call(move |to, m| {
        let is_ok = to == To::Alice && m.status() == Some(200);
        oks += usize::from(is_ok);
        is_ok && oks <= 2
    });
    assert_eq!(c.sent(To::Alice, "200 INVITE"), [1_005, 1_505, 2_505]);
    assert_eq!(c.sent(To::Bob, "ACK"), [2_510]);
    assert_eq!(
        c.alice_dialog.as_ref().map(Dialog::state),
        Some(DialogState::Confirmed)
    );
}

#[test]
fn callee_gives_up_when_no_ack_ever_arrives() {
    let mut c = call(|to, m| to == To::Bob && m.method() == Some("ACK"));
    c.run_until(40_000);
    assert_eq!(
        c.bob_ack_wait.as_ref().map(AckWait::state),
        Some(AckWaitState::TimedOut)
    );
    let retransmits = c.sent(To::Alice, "200 INVITE");
    let gaps: Vec<u64> = retransmits.windows(2).map(|w| w[1] - w[0]).collect();
    assert_eq!(
        &gaps[..5],
        [500, 1_000, 2_000, 4_000, 4_000],
        "T1 doubling, capped at T2"
    );
}
