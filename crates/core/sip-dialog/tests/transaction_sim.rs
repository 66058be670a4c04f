//! Transactions in simulation: two transaction layers ("alice" the client, "bob" the server)
//! wired through in-memory links that can drop messages, driven by a manual clock from deadline
//! to deadline. Retransmission schedules are checked against RFC 3261 timer values.

use std::collections::VecDeque;
use std::time::Duration;

use sb_sip_dialog::transaction::{
    Incoming, TimerConfig, Transactions, TxEvent, TxId, TxKey, TxMessage,
};
use sb_types::Timestamp;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Request(String),
    Response(u16),
}

/// A message reduced to what transactions look at.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Msg {
    kind: Kind,
    branch: String,
    cseq_method: String,
}

impl Msg {
    fn request(method: &str, branch: &str) -> Msg {
        Msg {
            kind: Kind::Request(method.into()),
            branch: branch.into(),
            cseq_method: method.into(),
        }
    }

    fn response(&self, status: u16) -> Msg {
        Msg {
            kind: Kind::Response(status),
            ..self.clone()
        }
    }

    fn is(&self, kind: &Kind) -> bool {
        self.kind == *kind
    }
}

impl TxMessage for Msg {
    fn status(&self) -> Option<u16> {
        match self.kind {
            Kind::Response(s) => Some(s),
            Kind::Request(_) => None,
        }
    }
    fn method(&self) -> Option<&str> {
        match &self.kind {
            Kind::Request(m) => Some(m),
            Kind::Response(_) => None,
        }
    }
    fn cseq_method(&self) -> Option<String> {
        Some(self.cseq_method.clone())
    }
    fn branch(&self) -> Option<String> {
        Some(self.branch.clone())
    }
    fn sent_by(&self) -> Option<String> {
        Some("alice.example.com:5060".into())
    }
    fn ack_for(&self, _response: &Self) -> Self {
        Msg::request("ACK", &self.branch)
    }
    fn trying(&self) -> Self {
        self.response(100)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Alice,
    Bob,
}

/// How bob's user answers a new request: (delay, key to answer on, response).
type Policy = fn(&TxKey, &Msg) -> Vec<(u64, TxKey, Msg)>;
type DropRule = Box<dyn FnMut(&Msg) -> bool>;

struct Link {
    latency: Duration,
    queue: VecDeque<(Timestamp, Msg)>,
    drop: DropRule,
}

impl Link {
    fn new(latency_ms: u64) -> Link {
        Link {
            latency: Duration::from_millis(latency_ms),
            queue: VecDeque::new(),
            drop: Box::new(|_| false),
        }
    }
}

struct Sim {
    now: Timestamp,
    start: Timestamp,
    alice: Transactions<Msg>,
    bob: Transactions<Msg>,
    to_bob: Link,
    to_alice: Link,
    policy: Policy,
    actions: Vec<(Timestamp, TxKey, Msg)>,
    /// (ms since start, sender, message, delivered).
    wire: Vec<(u64, Side, Msg, bool)>,
    alice_events: Vec<(u64, TxEvent<Msg>)>,
    bob_events: Vec<(u64, TxEvent<Msg>)>,
    bob_requests: Vec<Msg>,
    bob_acks: Vec<Msg>,
    alice_stray: Vec<Msg>,
    reliable: bool,
}

impl Sim {
    fn new(latency_ms: u64, policy: Policy) -> Sim {
        let start = Timestamp::from_secs(1_000);
        Sim {
            now: start,
            start,
            alice: Transactions::new(TimerConfig::default()),
            bob: Transactions::new(TimerConfig::default()),
            to_bob: Link::new(latency_ms),
            to_alice: Link::new(latency_ms),
            policy,
            actions: Vec::new(),
            wire: Vec::new(),
            alice_events: Vec::new(),
            bob_events: Vec::new(),
            bob_requests: Vec::new(),
            bob_acks: Vec::new(),
            alice_stray: Vec::new(),
            reliable: false,
        }
    }

    fn ms(&self) -> u64 {
        self.now.saturating_since(self.start).as_millis() as u64
    }

    fn at(&self, ms: u64) -> Timestamp {
        self.start + Duration::from_millis(ms)
    }

    fn send(&mut self, request: Msg) -> TxId {
        let key = self
            .alice
            .send_request(self.now, request, self.reliable)
            .expect("request has a key");
        self.pump();
        key
    }

    fn run_until(&mut self, end_ms: u64) {
        let end = self.at(end_ms);
        loop {
            self.pump();
            let next = [
                self.alice.poll_timeout(),
                self.bob.poll_timeout(),
                self.to_bob.queue.front().map(|m| m.0),
                self.to_alice.queue.front().map(|m| m.0),
                self.actions.iter().map(|a| a.0).min(),
            ]
            .into_iter()
            .flatten()
            .min();
            match next {
                Some(t) if t <= end => {
                    self.now = self.now.max(t);
                    self.alice.handle_timeout(self.now);
                    self.bob.handle_timeout(self.now);
                }
                _ => break,
            }
        }
        self.now = end;
    }

    fn pump(&mut self) {
        while self.step() {}
    }

    fn step(&mut self) -> bool {
        let mut moved = false;
        while let Some((_, m)) = self.alice.poll_transmit() {
            moved = true;
            self.put(Side::Alice, m);
        }
        while let Some((_, m)) = self.bob.poll_transmit() {
            moved = true;
            self.put(Side::Bob, m);
        }
        moved |= self.deliver();
        moved |= self.run_actions();
        let ms = self.ms();
        while let Some((_, e)) = self.alice.poll_event() {
            self.alice_events.push((ms, e));
        }
        while let Some((_, e)) = self.bob.poll_event() {
            self.bob_events.push((ms, e));
        }
        moved
    }

    fn put(&mut self, from: Side, m: Msg) {
        let ms = self.ms();
        let link = match from {
            Side::Alice => &mut self.to_bob,
            Side::Bob => &mut self.to_alice,
        };
        let dropped = (link.drop)(&m);
        self.wire.push((ms, from, m.clone(), !dropped));
        if !dropped {
            link.queue.push_back((self.now + link.latency, m));
        }
    }

    fn deliver(&mut self) -> bool {
        let now = self.now;
        let mut moved = false;
        while let Some((_, m)) = self
            .to_bob
            .queue
            .front()
            .filter(|(t, _)| *t <= now)
            .cloned()
        {
            self.to_bob.queue.pop_front();
            moved = true;
            match self.bob.handle_incoming(now, m, self.reliable) {
                Incoming::Request(id, req) => self.on_request(id, req),
                Incoming::Ack(ack) => self.bob_acks.push(ack),
                _ => {}
            }
        }
        while let Some((_, m)) = self
            .to_alice
            .queue
            .front()
            .filter(|(t, _)| *t <= now)
            .cloned()
        {
            self.to_alice.queue.pop_front();
            moved = true;
            if let Incoming::StrayResponse(r) = self.alice.handle_incoming(now, m, self.reliable) {
                self.alice_stray.push(r);
            }
        }
        moved
    }

    fn on_request(&mut self, id: TxId, req: Msg) {
        let key = self.bob.key(id).cloned().expect("live transaction");
        for (delay, k, resp) in (self.policy)(&key, &req) {
            self.actions
                .push((self.now + Duration::from_millis(delay), k, resp));
        }
        self.bob_requests.push(req);
    }

    fn run_actions(&mut self) -> bool {
        let now = self.now;
        let (due, later): (Vec<_>, Vec<_>) = self.actions.drain(..).partition(|a| a.0 <= now);
        self.actions = later;
        for (_, key, resp) in &due {
            if let Some(id) = self.bob.find(key) {
                let _ = self.bob.send_response(now, id, resp.clone());
            }
        }
        !due.is_empty()
    }

    fn sent_times(&self, from: Side, kind: &Kind) -> Vec<u64> {
        self.wire
            .iter()
            .filter(|w| w.1 == from && w.2.is(kind))
            .map(|w| w.0)
            .collect()
    }

    fn alice_responses(&self) -> Vec<u16> {
        let statuses = self.alice_events.iter().filter_map(|(_, e)| match e {
            TxEvent::Response(m) => m.status(),
            _ => None,
        });
        statuses.collect()
    }

    fn event_time(events: &[(u64, TxEvent<Msg>)], wanted: &TxEvent<Msg>) -> Option<u64> {
        events.iter().find(|(_, e)| e == wanted).map(|(t, _)| *t)
    }
}

fn req(method: &str) -> Kind {
    Kind::Request(method.into())
}

fn silent(_: &TxKey, _: &Msg) -> Vec<(u64, TxKey, Msg)> {
    vec![]
}

fn answer_ok_at_once(key: &TxKey, r: &Msg) -> Vec<(u64, TxKey, Msg)> {
    vec![(0, key.clone(), r.response(200))]
}

fn ring_then_busy(key: &TxKey, r: &Msg) -> Vec<(u64, TxKey, Msg)> {
    vec![
        (0, key.clone(), r.response(180)),
        (1_000, key.clone(), r.response(486)),
    ]
}

#[test]
fn non_invite_request_is_retransmitted_at_t1_doubling_to_t2_until_timer_f() {
    let mut sim = Sim::new(0, silent);
    sim.to_bob.drop = Box::new(|_| true);
    sim.send(Msg::request("OPTIONS", "z9hG4bK-1"));
    sim.run_until(40_000);
    let expected = [
        0, 500, 1_500, 3_500, 7_500, 11_500, 15_500, 19_500, 23_500, 27_500, 31_500,
    ];
    assert_eq!(sim.sent_times(Side::Alice, &req("OPTIONS")), expected);
    assert_eq!(
        Sim::event_time(&sim.alice_events, &TxEvent::Timeout),
        Some(32_000)
    );
    assert!(sim.alice.is_empty());
}

#[test]
fn invite_is_retransmitted_doubling_without_cap_until_timer_b() {
    let mut sim = Sim::new(0, silent);
    sim.to_bob.drop = Box::new(|_| true);
    sim.send(Msg::request("INVITE", "z9hG4bK-1"));
    sim.run_until(40_000);
    assert_eq!(
        sim.sent_times(Side::Alice, &req("INVITE")),
        [0, 500, 1_500, 3_500, 7_500, 15_500, 31_500]
    );
    assert_eq!(
        Sim::event_time(&sim.alice_events, &TxEvent::Timeout),
        Some(32_000)
    );
}

#[test]
fn reliable_transports_never_retransmit_but_still_time_out() {
    let mut sim = Sim::new(0, silent);
    sim.reliable = true;
    sim.to_bob.drop = Box::new(|_| true);
    sim.send(Msg::request("REGISTER", "z9hG4bK-1"));
    sim.run_until(40_000);
    assert_eq!(sim.sent_times(Side::Alice, &req("REGISTER")), [0]);
    assert_eq!(
        Sim::event_time(&sim.alice_events, &TxEvent::Timeout),
        Some(32_000)
    );
}

#[test]
fn provisional_response_slows_non_invite_retransmissions_to_every_t2() {
    fn trying_only(key: &TxKey, r: &Msg) -> Vec<(u64, TxKey, Msg)> {
        vec![(0, key.clone(), r.response(100))]
    }
    let mut sim = Sim::new(0, trying_only);
    sim.send(Msg::request("BYE", "z9hG4bK-1"));
    sim.run_until(12_000);
    assert_eq!(
        sim.sent_times(Side::Alice, &req("BYE")),
        [0, 500, 4_500, 8_500]
    );
    assert_eq!(
        sim.sent_times(Side::Bob, &Kind::Response(100)),
        [0, 500, 4_500, 8_500],
        "bob repeats his 100"
    );
    assert_eq!(
        sim.alice_responses(),
        [100; 4],
        "provisionals in Proceeding go up (RFC 3261 § 17.1.2.2)"
    );
}

#[test]
fn lost_non_invite_final_response_is_resent_when_the_request_is_retransmitted() {
    let mut sim = Sim::new(10, answer_ok_at_once);
    let mut lost = 0;
    sim.to_alice.drop = Box::new(move |_| {
        lost += 1;
        lost == 1
    });
    sim.send(Msg::request("REGISTER", "z9hG4bK-1"));
    sim.run_until(60_000);
    assert_eq!(sim.sent_times(Side::Bob, &Kind::Response(200)), [10, 510]);
    assert_eq!(sim.alice_responses(), [200]);
    assert_eq!(
        sim.bob_requests.len(),
        1,
        "the retransmission is not a new request"
    );
    assert_eq!(
        Sim::event_time(&sim.alice_events, &TxEvent::Terminated),
        Some(520 + 5_000),
        "timer K = T4"
    );
    assert_eq!(
        Sim::event_time(&sim.bob_events, &TxEvent::Terminated),
        Some(10 + 32_000),
        "timer J = 64*T1"
    );
}

#[test]
fn invite_rejection_is_acked_by_the_transaction_and_confirmed_by_the_server() {
    let mut sim = Sim::new(10, ring_then_busy);
    sim.send(Msg::request("INVITE", "z9hG4bK-1"));
    sim.run_until(60_000);
    assert_eq!(sim.alice_responses(), [180, 486]);
    assert_eq!(sim.sent_times(Side::Alice, &req("ACK")), [1_020]);
    assert!(
        sim.bob_acks.is_empty(),
        "the non-2xx ACK stays inside the transaction"
    );
    assert_eq!(
        Sim::event_time(&sim.bob_events, &TxEvent::Terminated),
        Some(1_030 + 5_000),
        "timer I = T4"
    );
    assert_eq!(
        Sim::event_time(&sim.alice_events, &TxEvent::Terminated),
        Some(1_020 + 32_000),
        "timer D"
    );
}

#[test]
fn lost_invite_final_response_is_retransmitted_by_timer_g_until_acked() {
    let mut sim = Sim::new(10, ring_then_busy);
    let mut finals = 0;
    sim.to_alice.drop = Box::new(move |m| {
        finals += usize::from(m.kind == Kind::Response(486));
        m.kind == Kind::Response(486) && finals <= 3
    });
    sim.send(Msg::request("INVITE", "z9hG4bK-1"));
    sim.run_until(60_000);
    // 486 at 1010, then G: +500, +1000, +2000 (the fourth copy gets through).
    assert_eq!(
        sim.sent_times(Side::Bob, &Kind::Response(486)),
        [1_010, 1_510, 2_510, 4_510]
    );
    assert_eq!(sim.alice_responses(), [180, 486]);
    assert_eq!(sim.sent_times(Side::Alice, &req("ACK")), [4_520]);
}

#[test]
fn timer_g_is_capped_at_t2_and_timer_h_gives_up_without_ack() {
    let mut sim = Sim::new(0, ring_then_busy);
    sim.to_alice.drop = Box::new(|m| m.kind == Kind::Response(486));
    sim.send(Msg::request("INVITE", "z9hG4bK-1"));
    sim.run_until(60_000);
    let sent = sim.sent_times(Side::Bob, &Kind::Response(486));
    let gaps: Vec<u64> = sent.windows(2).map(|w| w[1] - w[0]).collect();
    assert_eq!(&gaps[..5], [500, 1_000, 2_000, 4_000, 4_000]);
    // The client's own INVITE retransmissions also get the 486 again, so only check the cap.
    assert!(gaps.iter().all(|g| *g <= 4_000));
    assert_eq!(
        Sim::event_time(&sim.bob_events, &TxEvent::Timeout),
        Some(1_000 + 32_000),
        "timer H"
    );
}

#[test]
fn lost_ack_makes_the_server_resend_the_final_and_the_client_acks_again() {
    let mut sim = Sim::new(10, ring_then_busy);
    let mut acks = 0;
    sim.to_bob.drop = Box::new(move |m| {
        acks += usize::from(m.kind == Kind::Request("ACK".into()));
        m.kind == Kind::Request("ACK".into()) && acks == 1
    });
    sim.send(Msg::request("INVITE", "z9hG4bK-1"));
    sim.run_until(60_000);
    assert_eq!(sim.sent_times(Side::Alice, &req("ACK")), [1_020, 1_520]);
    assert_eq!(
        sim.alice_responses(),
        [180, 486],
        "the repeated 486 is not passed up again"
    );
    assert_eq!(Sim::event_time(&sim.bob_events, &TxEvent::Timeout), None);
}

#[test]
fn server_sends_100_trying_after_200_ms_unless_the_user_answers_sooner() {
    fn slow(key: &TxKey, r: &Msg) -> Vec<(u64, TxKey, Msg)> {
        vec![(300, key.clone(), r.response(180))]
    }
    fn fast(key: &TxKey, r: &Msg) -> Vec<(u64, TxKey, Msg)> {
        vec![(150, key.clone(), r.response(180))]
    }
    let mut sim = Sim::new(0, slow);
    sim.send(Msg::request("INVITE", "z9hG4bK-1"));
    sim.run_until(1_000);
    assert_eq!(sim.sent_times(Side::Bob, &Kind::Response(100)), [200]);
    assert_eq!(sim.sent_times(Side::Bob, &Kind::Response(180)), [300]);
    let mut sim = Sim::new(0, fast);
    sim.send(Msg::request("INVITE", "z9hG4bK-1"));
    sim.run_until(1_000);
    assert!(sim.sent_times(Side::Bob, &Kind::Response(100)).is_empty());
}

#[test]
fn invite_2xx_enters_accepted_and_retransmitted_2xx_reach_the_user() {
    fn ok_twice(key: &TxKey, r: &Msg) -> Vec<(u64, TxKey, Msg)> {
        vec![
            (0, key.clone(), r.response(200)),
            (500, key.clone(), r.response(200)),
        ]
    }
    let mut sim = Sim::new(10, ok_twice);
    sim.send(Msg::request("INVITE", "z9hG4bK-1"));
    sim.run_until(40_000);
    assert_eq!(
        sim.alice_responses(),
        [200, 200],
        "the user ACKs every 2xx itself"
    );
    assert!(
        sim.sent_times(Side::Alice, &req("ACK")).is_empty(),
        "no transaction ACK for 2xx"
    );
    assert_eq!(
        Sim::event_time(&sim.alice_events, &TxEvent::Terminated),
        Some(20 + 32_000),
        "timer M"
    );
    assert_eq!(
        Sim::event_time(&sim.bob_events, &TxEvent::Terminated),
        Some(10 + 32_000),
        "timer L"
    );
}

#[test]
fn two_xx_after_the_client_transaction_ended_is_a_stray_for_the_dialog() {
    fn late_ok(key: &TxKey, r: &Msg) -> Vec<(u64, TxKey, Msg)> {
        vec![
            (0, key.clone(), r.response(200)),
            (33_000, key.clone(), r.response(200)),
        ]
    }
    let mut sim = Sim::new(10, late_ok);
    sim.send(Msg::request("INVITE", "z9hG4bK-1"));
    sim.run_until(40_000);
    assert_eq!(sim.alice_responses(), [200]);
    assert!(
        sim.alice_stray.is_empty(),
        "bob's L timer ended his transaction before 33 s"
    );
}

fn cancel_answers(key: &TxKey, r: &Msg) -> Vec<(u64, TxKey, Msg)> {
    match key.cancelled() {
        Some(invite) => vec![
            (0, key.clone(), r.response(200)),
            (
                0,
                invite,
                Msg {
                    cseq_method: "INVITE".into(),
                    ..r.response(487)
                },
            ),
        ],
        None => vec![
            (0, key.clone(), r.response(180)),
            (2_000, key.clone(), r.response(200)),
        ],
    }
}

#[test]
fn invite_stuck_in_proceeding_asks_for_cancel_after_timer_c_then_gives_up() {
    fn ring_forever(key: &TxKey, r: &Msg) -> Vec<(u64, TxKey, Msg)> {
        vec![
            (0, key.clone(), r.response(180)),
            (100_000, key.clone(), r.response(183)),
        ]
    }
    let mut sim = Sim::new(10, ring_forever);
    sim.send(Msg::request("INVITE", "z9hG4bK-1"));
    sim.run_until(400_000);
    let asked = Sim::event_time(&sim.alice_events, &TxEvent::ProceedingTimeout);
    assert_eq!(
        asked,
        Some(100_020 + 180_000),
        "timer C restarts with each provisional"
    );
    assert_eq!(
        Sim::event_time(&sim.alice_events, &TxEvent::Timeout),
        Some(280_020 + 32_000)
    );
    assert!(sim.alice.is_empty());
}

#[test]
fn cancel_after_ringing_ends_the_invite_with_487_and_an_ack() {
    let mut sim = Sim::new(10, cancel_answers);
    let invite = sim.send(Msg::request("INVITE", "z9hG4bK-1"));
    sim.run_until(100);
    assert!(sim.alice.can_cancel(invite));
    sim.send(Msg::request("CANCEL", "z9hG4bK-1"));
    sim.run_until(40_000);
    assert_eq!(sim.alice_responses(), [180, 200, 487]);
    assert_eq!(sim.sent_times(Side::Alice, &req("ACK")), [120]);
    let invite_ok = sim
        .wire
        .iter()
        .any(|w| w.2.kind == Kind::Response(200) && w.2.cseq_method == "INVITE");
    assert!(!invite_ok, "the INVITE was not answered 200 once cancelled");
}

#[test]
fn cancel_racing_a_2xx_leaves_the_call_accepted() {
    let mut sim = Sim::new(10, cancel_answers);
    let invite = sim.send(Msg::request("INVITE", "z9hG4bK-1"));
    // Bob answers 200 at 2010; alice cancels at 2005, before the 200 reaches her.
    sim.run_until(2_005);
    assert!(sim.alice.can_cancel(invite));
    sim.send(Msg::request("CANCEL", "z9hG4bK-1"));
    sim.run_until(40_000);
    let statuses = sim.alice_responses();
    assert_eq!(
        statuses,
        [180, 200, 200],
        "the INVITE 200 and the CANCEL 200"
    );
    assert!(
        sim.sent_times(Side::Alice, &req("ACK")).is_empty(),
        "the user must ACK the 2xx (then BYE)"
    );
    assert!(
        !sim.wire.iter().any(|w| w.2.kind == Kind::Response(487)),
        "too late for 487"
    );
}

#[test]
fn retransmitted_requests_do_not_create_new_server_transactions() {
    let mut sim = Sim::new(10, silent);
    sim.to_alice.drop = Box::new(|_| true);
    sim.send(Msg::request("INVITE", "z9hG4bK-1"));
    sim.run_until(5_000);
    assert_eq!(sim.bob_requests.len(), 1);
    // The 100 Trying at 200 ms after arrival, then again for each retransmitted INVITE.
    assert_eq!(
        sim.sent_times(Side::Bob, &Kind::Response(100)),
        [210, 510, 1_510, 3_510]
    );
}

/// A loss pattern applied to successive messages on a link, cyclically.
fn lossy(pattern: Vec<bool>) -> DropRule {
    let mut i = 0;
    Box::new(move |_| {
        let drop = pattern
            .get(i % pattern.len().max(1))
            .copied()
            .unwrap_or(false);
        i += 1;
        drop
    })
}

fn finals(events: &[(u64, TxEvent<Msg>)]) -> usize {
    let is_final = |e: &TxEvent<Msg>| matches!(e, TxEvent::Response(m) if m.status().is_some_and(|s| s >= 200));
    events.iter().filter(|(_, e)| is_final(e)).count()
}

fn timeouts(events: &[(u64, TxEvent<Msg>)]) -> usize {
    events
        .iter()
        .filter(|(_, e)| *e == TxEvent::Timeout)
        .count()
}

proptest::proptest! {
    #[test]
    fn lossy_non_invite_ends_with_exactly_one_final_or_a_timeout(
        up in proptest::collection::vec(proptest::bool::weighted(0.6), 1..12),
        down in proptest::collection::vec(proptest::bool::weighted(0.6), 1..12),
    ) {
        let mut sim = Sim::new(15, answer_ok_at_once);
        sim.to_bob.drop = lossy(up);
        sim.to_alice.drop = lossy(down);
        sim.send(Msg::request("OPTIONS", "z9hG4bK-p"));
        sim.run_until(100_000);
        let got = finals(&sim.alice_events);
        proptest::prop_assert_eq!(got + timeouts(&sim.alice_events), 1);
        proptest::prop_assert!(sim.bob_requests.len() <= 1);
        proptest::prop_assert!(sim.alice.is_empty() && sim.bob.is_empty());
    }

    #[test]
    fn lossy_invite_rejection_is_reported_once_and_both_sides_clean_up(
        up in proptest::collection::vec(proptest::bool::weighted(0.5), 1..12),
        down in proptest::collection::vec(proptest::bool::weighted(0.5), 1..12),
    ) {
        let mut sim = Sim::new(15, ring_then_busy);
        sim.to_bob.drop = lossy(up);
        sim.to_alice.drop = lossy(down);
        sim.send(Msg::request("INVITE", "z9hG4bK-p"));
        sim.run_until(400_000);
        let got = finals(&sim.alice_events);
        proptest::prop_assert_eq!(got + timeouts(&sim.alice_events), 1);
        if got == 1 {
            proptest::prop_assert!(!sim.sent_times(Side::Alice, &req("ACK")).is_empty());
        }
        let acked = sim.wire.iter().any(|w| w.1 == Side::Alice && w.2.is(&req("ACK")) && w.3);
        proptest::prop_assert_eq!(timeouts(&sim.bob_events) == 1, !sim.bob_requests.is_empty() && !acked);
        proptest::prop_assert!(sim.alice.is_empty() && sim.bob.is_empty());
    }
}
