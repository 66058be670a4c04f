//! A trunk driven the way the engine drives it: `trunk::Registration` and `trunk::HealthCheck`
//! feed a client `Transactions` layer, the carrier is a server `Transactions` layer with this
//! crate's digest server and registrar, messages cross a link with 20 ms latency that can be
//! cut, and a manual clock jumps from deadline to deadline.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use sb_sip::{Message, SipUri, StatusCode};
use sb_sip_dialog::digest::{
    AuthAttempt, AuthRole, DigestServer, DigestServerConfig, Rejection, UserSecret, Verdict,
};
use sb_sip_dialog::registrar::{Registrar, RegistrarConfig};
use sb_sip_dialog::transaction::{Incoming, TimerConfig, Transactions, TxEvent, TxId};
use sb_sip_dialog::trunk::{
    FailureReason, HealthCheck, HealthConfig, HealthEvent, Registration, RegistrationConfig,
    RegistrationState, TransportFailure, TrunkCredentials,
};
use sb_sip_dialog::wire;
use sb_types::Timestamp;

const LATENCY: Duration = Duration::from_millis(20);
const REALM: &str = "carrier.example.net";

fn start() -> Timestamp {
    Timestamp::from_secs(1_800_000_000)
}

fn sip(s: &str) -> SipUri {
    SipUri::parse(s).expect("valid URI")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Us,
    Carrier,
}

struct Sim {
    now: Timestamp,
    link: VecDeque<(Timestamp, Side, Message)>,
    carrier_reachable: bool,
    us: Transactions<Message>,
    carrier: Transactions<Message>,
    auth: DigestServer,
    registrar: Registrar,
    registration: Registration,
    health: HealthCheck,
    register_tx: Option<TxId>,
    probes: BTreeMap<TxId, usize>,
    /// (seconds since start, state) of every registration change.
    registration_log: Vec<(u64, RegistrationState)>,
    /// (seconds since start, event) of every health change.
    health_log: Vec<(u64, HealthEvent)>,
    registers_sent: u32,
}

impl Sim {
    fn new(expires: u32) -> Sim {
        let now = start();
        let mut config = RegistrationConfig::new(
            sip("sip:carrier.example.net"),
            sip("sip:trunk7@carrier.example.net"),
            sip("sip:trunk7@192.0.2.7:5060"),
            expires,
            7,
        );
        config.credentials = Some(TrunkCredentials {
            username: "trunk7".into(),
            password: "pw7".into(),
            realm: Some(REALM.into()),
        });
        config.backoff.jitter_percent = 0;
        let health = HealthConfig::new(
            sip("sip:ping@pbx.example.com"),
            sip("sip:192.0.2.7:5060"),
            8,
        );
        Sim {
            now,
            link: VecDeque::new(),
            carrier_reachable: true,
            us: Transactions::new(TimerConfig::default()),
            carrier: Transactions::new(TimerConfig::default()),
            auth: DigestServer::new(DigestServerConfig::new(REALM, b"k".to_vec())),
            registrar: Registrar::new(RegistrarConfig::default()),
            registration: Registration::new(now, config),
            health: HealthCheck::new(now, health, vec![sip("sip:198.51.100.1:5060")]),
            register_tx: None,
            probes: BTreeMap::new(),
            registration_log: Vec::new(),
            health_log: Vec::new(),
            registers_sent: 0,
        }
    }

    fn secs(&self) -> u64 {
        self.now.saturating_since(start()).as_secs()
    }

    /// Moves everything the machines want to send into transactions and onto the link, and
    /// every transaction event back into the machines, until nothing moves.
    fn settle(&mut self) {
        loop {
            let mut moved = false;
            while let Some(req) = self.registration.poll_request() {
                let id = self
                    .us
                    .send_request(self.now, Message::Request(req), false)
                    .expect("a fresh branch");
                self.register_tx = Some(id);
                self.registers_sent += 1;
                moved = true;
            }
            while let Some((target, req)) = self.health.poll_request() {
                let id = self
                    .us
                    .send_request(self.now, Message::Request(req), false)
                    .expect("a fresh branch");
                self.probes.insert(id, target);
                moved = true;
            }
            while let Some((_, m)) = self.us.poll_transmit() {
                if self.carrier_reachable {
                    self.link.push_back((self.now + LATENCY, Side::Carrier, m));
                }
                moved = true;
            }
            while let Some((_, m)) = self.carrier.poll_transmit() {
                self.link.push_back((self.now + LATENCY, Side::Us, m));
                moved = true;
            }
            while let Some((id, event)) = self.us.poll_event() {
                self.client_event(id, event);
                moved = true;
            }
            while let Some(s) = self.registration.poll_event() {
                self.registration_log.push((self.secs(), s));
            }
            while let Some(e) = self.health.poll_event() {
                self.health_log.push((self.secs(), e));
            }
            if !moved {
                return;
            }
        }
    }

    fn client_event(&mut self, id: TxId, event: TxEvent<Message>) {
        let is_register = self.register_tx == Some(id);
        let probe = self.probes.get(&id).copied();
        match event {
            TxEvent::Response(Message::Response(r)) => {
                if is_register {
                    self.registration.handle_response(self.now, &r);
                } else if probe.is_some() {
                    self.health.handle_response(self.now, &r);
                }
            }
            TxEvent::Timeout | TxEvent::TransportError => {
                if is_register {
                    self.registration
                        .handle_failure(self.now, TransportFailure::Timeout);
                }
                if let Some(target) = probe {
                    self.health.handle_failure(self.now, target);
                }
            }
            TxEvent::Terminated => {
                self.probes.remove(&id);
            }
            _ => {}
        }
    }

    fn carrier_answers(&mut self, request: sb_sip::Request) -> sb_sip::Response {
        if request.method().as_str() == "OPTIONS" {
            return request.make_response(StatusCode::OK, Some("c"));
        }
        let uri = request.uri().to_string();
        let verdict = wire::credentials_of(&request, AuthRole::Server, REALM).map(|creds| {
            let attempt = AuthAttempt {
                method: "REGISTER",
                source: "192.0.2.7",
                request_uri: &uri,
                credentials: &creds,
            };
            let secret = UserSecret::Password("pw7".into());
            self.auth.verify(self.now, attempt, Some(&secret))
        });
        match verdict {
            Some(Verdict::Authorized { .. }) => {
                let register = wire::register_of(&request, None).expect("a REGISTER");
                match self.registrar.handle_register(self.now, &register) {
                    Ok(b) => wire::register_ok(&request, &b, self.now, "c"),
                    Err(e) => wire::error_response(&request, &e, "c"),
                }
            }
            other => {
                let why = match other {
                    Some(Verdict::Rejected(why)) => why,
                    _ => Rejection::NoCredentials,
                };
                let challenge = self.auth.reject(self.now, "192.0.2.7", why);
                wire::challenge(&request, &challenge, "c")
            }
        }
    }

    fn deliver(&mut self, side: Side, m: Message) {
        let m = sb_sip::parse(m.to_bytes()).expect("what we print parses");
        match side {
            Side::Carrier => {
                if let Incoming::Request(id, Message::Request(req)) =
                    self.carrier.handle_incoming(self.now, m, false)
                {
                    let resp = self.carrier_answers(req);
                    self.carrier
                        .send_response(self.now, id, Message::Response(resp))
                        .expect("answerable");
                }
            }
            Side::Us => {
                self.us.handle_incoming(self.now, m, false);
            }
        }
    }

    /// Runs until `until`, jumping from deadline to deadline.
    fn run_until(&mut self, until: Timestamp) {
        self.settle();
        loop {
            let next = [
                self.link.front().map(|l| l.0),
                self.us.poll_timeout(),
                self.carrier.poll_timeout(),
                self.registration.poll_timeout(),
                self.health.poll_timeout(),
            ]
            .into_iter()
            .flatten()
            .min();
            let Some(next) = next.filter(|n| *n <= until) else {
                self.now = until;
                return;
            };
            self.now = self.now.max(next);
            while self.link.front().is_some_and(|l| l.0 <= self.now) {
                let Some((_, side, m)) = self.link.pop_front() else {
                    break;
                };
                self.deliver(side, m);
            }
            self.us.handle_timeout(self.now);
            self.carrier.handle_timeout(self.now);
            self.registration.handle_timeout(self.now);
            self.health.handle_timeout(self.now);
            self.settle();
        }
    }
}

#[test]
fn trunk_registers_then_refreshes_for_an_hour_through_stale_nonces_without_failing() {
    let mut sim = Sim::new(600);
    sim.run_until(start() + Duration::from_secs(1));
    assert_eq!(sim.registers_sent, 2, "challenge, then credentials");
    assert!(matches!(
        sim.registration.state(),
        RegistrationState::Registered { .. }
    ));
    sim.run_until(start() + Duration::from_secs(3600));
    // Six refreshes in the hour (every 540 s = 600 − 60). Each reuses the last nonce, which
    // the carrier (5-minute nonces) finds stale: a stale challenge and a second REGISTER,
    // never a failure.
    assert_eq!(sim.registers_sent, 2 + 6 * 2);
    assert!(
        sim.registration_log
            .iter()
            .all(|(_, s)| matches!(s, RegistrationState::Registered { .. })),
        "{:?}",
        sim.registration_log
    );
    assert_eq!(sim.registration_log.len(), 7);
    assert!(matches!(
        sim.registration.state(),
        RegistrationState::Registered { until } if until > sim.now
    ));
    let aor = "sip:trunk7@carrier.example.net";
    assert_eq!(sim.registrar.lookup(sim.now, aor).len(), 1);
    assert!(sim.health.is_up(0));
    assert!(sim.health_log.is_empty());
}

#[test]
fn unreachable_carrier_times_out_backs_off_and_recovers() {
    let mut sim = Sim::new(600);
    sim.carrier_reachable = false;
    sim.run_until(start() + Duration::from_secs(400));
    let failures: Vec<(u64, u64)> = sim
        .registration_log
        .iter()
        .filter_map(|(at, s)| match s {
            RegistrationState::Failed {
                reason: FailureReason::Timeout,
                retry_at,
            } => Some((*at, retry_at.saturating_since(start()).as_secs())),
            _ => None,
        })
        .collect();
    // Timer F (32 s) ends each attempt; retries wait 30 s, 60 s, 120 s.
    assert_eq!(failures, [(32, 62), (94, 154), (186, 306), (338, 578)]);
    let health: Vec<_> = sim.health_log.clone();
    // Probes at 0, 62, 124 time out at 32, 94, 156: down after the third.
    assert_eq!(health, [(156, HealthEvent::Down { target: 0 })]);

    sim.carrier_reachable = true;
    sim.run_until(start() + Duration::from_secs(600));
    assert!(matches!(
        sim.registration.state(),
        RegistrationState::Registered { .. }
    ));
    let last = sim.registration_log.last().unwrap().0;
    assert_eq!(last, 578, "registered at the scheduled retry");
    // Down probes every 10 s after each timeout; two answered probes bring it back up.
    let up: Vec<_> = sim.health_log[1..].to_vec();
    assert_eq!(up.len(), 1);
    assert!(matches!(up[0].1, HealthEvent::Up { target: 0 }));
}
