//! RFC 3263 server location as pure logic over DNS answers the caller looks up.
//!
//! [`Locate`] says which query it needs next ([`Locate::poll_query`]); the adapter asks a real
//! resolver and hands the records back ([`Locate::handle_answer`], an empty list for NXDOMAIN,
//! no data, SERVFAIL or a timeout). When nothing is left to ask, [`Locate::targets`] is the
//! ordered list of `(transport, IP, port)` to try.
//!
//! Rules (RFC 3263 § 4):
//! - numeric host: that address, the URI's port or 5060/5061, no DNS;
//! - explicit port: A and AAAA of the host only;
//! - `transport=` parameter, no port: SRV for that transport, else A/AAAA on the default port;
//! - otherwise NAPTR (`SIP+D2U`, `SIP+D2T`, `SIPS+D2T`; only `SIPS+D2T` for `sips:`; only the
//!   configured transports) by order then preference; without usable NAPTR records, SRV for
//!   `_sip._udp`, `_sip._tcp`, `_sips._tcp` in that order (only `_sips._tcp` for `sips:`);
//!   without SRV records, A/AAAA on 5060 (UDP) or 5061 (TLS for `sips:`);
//! - SRV records by priority, then weighted random (RFC 2782) from the caller's seed;
//! - addresses: IPv4 then IPv6 (or the reverse with `prefer_ipv6`), duplicates dropped.

mod srv;
#[cfg(test)]
mod tests;
mod types;

use std::collections::{BTreeMap, VecDeque};
use std::net::IpAddr;

use sb_sip::{Host, SipUri};

pub use types::{NaptrRecord, Query, Record, RecordType, SrvRecord, Target, Transport};

use crate::Error;
use crate::rng::SplitMix;
use types::canonical_name;

/// At most this many SRV target hosts are resolved (a hostile zone cannot make us query more).
const MAX_HOSTS: usize = 16;

/// What the resolver may use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocateConfig {
    /// The transports we can send over; others are skipped.
    pub transports: Vec<Transport>,
    /// IPv6 addresses before IPv4 ones for the same host.
    pub prefer_ipv6: bool,
}

impl Default for LocateConfig {
    fn default() -> Self {
        LocateConfig {
            transports: vec![Transport::Udp, Transport::Tcp, Transport::Tls],
            prefer_ipv6: false,
        }
    }
}

#[derive(Debug, Clone)]
struct SrvSlot {
    transport: Transport,
    name: String,
    records: Option<Vec<SrvRecord>>,
}

#[derive(Debug, Clone, Default)]
struct Addresses {
    v4: Option<Vec<IpAddr>>,
    v6: Option<Vec<IpAddr>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Naptr,
    Srv,
    Addresses,
    Done,
}

/// One server location run for one URI.
#[derive(Debug, Clone)]
pub struct Locate {
    config: LocateConfig,
    rng: SplitMix,
    secure: bool,
    host: String,
    /// The transport decided before DNS (URI parameter, or the default for an explicit port).
    transport: Option<Transport>,
    phase: Phase,
    to_send: VecDeque<Query>,
    outstanding: Vec<Query>,
    srv_slots: Vec<SrvSlot>,
    /// `(transport, host, port)` to resolve directly when SRV gave nothing.
    direct: Option<(Transport, String, u16)>,
    addresses: BTreeMap<String, Addresses>,
    targets: Vec<Target>,
}

impl Locate {
    /// Starts locating the server of `uri`. `seed` drives the SRV weighted choice.
    ///
    /// Fails with [`Error::UnsupportedTransport`] when the URI's transport (or `sips:` TLS) is
    /// not among the configured ones.
    pub fn new(uri: &SipUri, config: LocateConfig, seed: u64) -> Result<Locate, Error> {
        let secure = uri.secure;
        let transport = match uri.transport() {
            Some(t) => Some(parse_transport(&t, secure)?),
            None if secure => Some(Transport::Tls),
            None => None,
        };
        if let Some(t) = transport.filter(|t| !config.transports.contains(t)) {
            return Err(Error::UnsupportedTransport(t.as_str().to_owned()));
        }
        if config.transports.is_empty() {
            return Err(Error::UnsupportedTransport(String::new()));
        }
        let mut locate = Locate {
            config,
            rng: SplitMix::new(seed),
            secure,
            host: String::new(),
            transport,
            phase: Phase::Done,
            to_send: VecDeque::new(),
            outstanding: Vec::new(),
            srv_slots: Vec::new(),
            direct: None,
            addresses: BTreeMap::new(),
            targets: Vec::new(),
        };
        let ip = match &uri.host {
            Host::Ipv4(a) => Some(IpAddr::V4(*a)),
            Host::Ipv6(a) => Some(IpAddr::V6(*a)),
            Host::Domain(d) => {
                locate.host = canonical_name(d);
                None
            }
        };
        let fallback = locate.default_transport();
        match (ip, uri.port, transport) {
            (Some(ip), port, _) => {
                locate.targets.push(Target {
                    transport: fallback,
                    ip,
                    port: port.unwrap_or(fallback.default_port()),
                });
            }
            (None, Some(port), _) => locate.resolve_directly(fallback, port),
            (None, None, Some(t)) => {
                let slot = SrvSlot {
                    transport: t,
                    name: format!("{}{}", t.srv_prefix(), locate.host),
                    records: None,
                };
                locate.ask_srv(vec![slot]);
            }
            (None, None, None) => {
                locate.phase = Phase::Naptr;
                locate.ask(locate.host.clone(), RecordType::Naptr);
            }
        }
        Ok(locate)
    }

    /// The next DNS query to make, if any. Several may be outstanding at once.
    pub fn poll_query(&mut self) -> Option<Query> {
        let q = self.to_send.pop_front()?;
        self.outstanding.push(q.clone());
        Some(q)
    }

    /// The records answering `query` (empty for NXDOMAIN, no data, SERVFAIL or a timeout).
    /// Answers to queries not outstanding are ignored.
    pub fn handle_answer(&mut self, query: &Query, records: Vec<Record>) {
        let Some(i) = self.outstanding.iter().position(|q| q == query) else {
            return;
        };
        self.outstanding.swap_remove(i);
        match query.kind {
            RecordType::Naptr => self.naptr_answered(records),
            RecordType::Srv => self.srv_answered(&query.name, records),
            RecordType::A | RecordType::Aaaa => self.addresses_answered(query, records),
        }
        if self.phase == Phase::Addresses && self.is_idle() {
            self.assemble();
        }
    }

    /// True once every query is answered and [`Locate::targets`] is final.
    pub fn is_done(&self) -> bool {
        self.phase == Phase::Done
    }

    /// The targets in the order to try them (empty until [`Locate::is_done`], and empty when
    /// the name has no usable records).
    pub fn targets(&self) -> &[Target] {
        &self.targets
    }

    fn is_idle(&self) -> bool {
        self.to_send.is_empty() && self.outstanding.is_empty()
    }

    fn ask(&mut self, name: String, kind: RecordType) {
        let q = Query { name, kind };
        if !self.to_send.contains(&q) && !self.outstanding.contains(&q) {
            self.to_send.push_back(q);
        }
    }

    fn ask_srv(&mut self, slots: Vec<SrvSlot>) {
        self.phase = Phase::Srv;
        for s in &slots {
            self.ask(s.name.clone(), RecordType::Srv);
        }
        self.srv_slots = slots;
    }

    fn ask_addresses(&mut self, name: &str) {
        if self.addresses.contains_key(name) {
            return;
        }
        self.addresses.insert(name.to_owned(), Addresses::default());
        self.ask(name.to_owned(), RecordType::A);
        self.ask(name.to_owned(), RecordType::Aaaa);
    }

    fn resolve_directly(&mut self, transport: Transport, port: u16) {
        self.phase = Phase::Addresses;
        let host = self.host.clone();
        self.ask_addresses(&host);
        self.direct = Some((transport, host, port));
    }

    fn naptr_answered(&mut self, records: Vec<Record>) {
        let mut naptr: Vec<NaptrRecord> = records
            .into_iter()
            .filter_map(|r| match r {
                Record::Naptr(n) => Some(n),
                _ => None,
            })
            .collect();
        naptr.sort_by_key(|n| (n.order, n.preference));
        let mut slots: Vec<SrvSlot> = Vec::new();
        for n in naptr {
            let name = canonical_name(&n.replacement);
            let transport = Transport::from_naptr_service(&n.service, self.secure)
                .filter(|t| self.config.transports.contains(t));
            let usable = n.flags.eq_ignore_ascii_case("s") && !name.is_empty();
            let Some(transport) = transport.filter(|_| usable && slots.len() < MAX_HOSTS) else {
                continue;
            };
            if !slots
                .iter()
                .any(|s| s.name == name && s.transport == transport)
            {
                slots.push(SrvSlot {
                    transport,
                    name,
                    records: None,
                });
            }
        }
        if slots.is_empty() {
            slots = self.fallback_srv_slots();
        }
        if slots.is_empty() {
            self.resolve_fallback();
        } else {
            self.ask_srv(slots);
        }
    }

    fn fallback_srv_slots(&self) -> Vec<SrvSlot> {
        let order: &[Transport] = if self.secure {
            &[Transport::Tls]
        } else {
            &[Transport::Udp, Transport::Tcp, Transport::Tls]
        };
        order
            .iter()
            .filter(|t| self.config.transports.contains(t))
            .map(|t| SrvSlot {
                transport: *t,
                name: format!("{}{}", t.srv_prefix(), self.host),
                records: None,
            })
            .collect()
    }

    /// The URI's transport, else UDP (TLS for `sips:`) when configured, else the first
    /// configured transport.
    fn default_transport(&self) -> Transport {
        self.transport.unwrap_or_else(|| {
            if self.config.transports.contains(&Transport::Udp) {
                Transport::Udp
            } else {
                self.config
                    .transports
                    .first()
                    .copied()
                    .unwrap_or(Transport::Udp)
            }
        })
    }

    fn resolve_fallback(&mut self) {
        let transport = self.default_transport();
        self.resolve_directly(transport, transport.default_port());
    }

    fn srv_answered(&mut self, name: &str, records: Vec<Record>) {
        let srv: Vec<SrvRecord> = records
            .into_iter()
            .filter_map(|r| match r {
                Record::Srv(s) => Some(s),
                _ => None,
            })
            .collect();
        let ordered = srv::order(srv, &mut self.rng);
        for slot in self.srv_slots.iter_mut().filter(|s| s.name == name) {
            slot.records = Some(ordered.clone());
        }
        if self.srv_slots.iter().any(|s| s.records.is_none()) {
            return;
        }
        let hosts: Vec<String> = self
            .srv_slots
            .iter()
            .flat_map(|s| s.records.iter().flatten())
            .map(|r| canonical_name(&r.target))
            .collect();
        if hosts.is_empty() {
            return self.resolve_fallback();
        }
        self.phase = Phase::Addresses;
        let mut distinct: Vec<String> = Vec::new();
        for h in hosts {
            if !distinct.contains(&h) && distinct.len() < MAX_HOSTS {
                distinct.push(h);
            }
        }
        for h in distinct {
            self.ask_addresses(&h);
        }
    }

    fn addresses_answered(&mut self, query: &Query, records: Vec<Record>) {
        let ips: Vec<IpAddr> = records
            .into_iter()
            .filter_map(|r| match r {
                Record::Address(ip) => Some(ip),
                _ => None,
            })
            .filter(|ip| ip.is_ipv4() == (query.kind == RecordType::A))
            .collect();
        if let Some(entry) = self.addresses.get_mut(&query.name) {
            match query.kind {
                RecordType::A => entry.v4 = Some(ips),
                _ => entry.v6 = Some(ips),
            }
        }
    }

    fn ips_of(&self, name: &str) -> Vec<IpAddr> {
        let Some(a) = self.addresses.get(name) else {
            return Vec::new();
        };
        let (v4, v6) = (a.v4.iter().flatten(), a.v6.iter().flatten());
        if self.config.prefer_ipv6 {
            v6.chain(v4).copied().collect()
        } else {
            v4.chain(v6).copied().collect()
        }
    }

    fn assemble(&mut self) {
        let mut out: Vec<Target> = Vec::new();
        let mut push = |t: Target| {
            if !out.contains(&t) {
                out.push(t);
            }
        };
        if let Some((transport, host, port)) = &self.direct {
            for ip in self.ips_of(host) {
                push(Target {
                    transport: *transport,
                    ip,
                    port: *port,
                });
            }
        } else {
            for slot in &self.srv_slots {
                for r in slot.records.iter().flatten() {
                    for ip in self.ips_of(&canonical_name(&r.target)) {
                        push(Target {
                            transport: slot.transport,
                            ip,
                            port: r.port,
                        });
                    }
                }
            }
        }
        self.targets = out;
        self.phase = Phase::Done;
    }
}

fn parse_transport(token: &str, secure: bool) -> Result<Transport, Error> {
    match (token, secure) {
        ("udp", false) => Ok(Transport::Udp),
        ("tcp", false) => Ok(Transport::Tcp),
        ("tcp" | "tls", true) | ("tls", false) => Ok(Transport::Tls),
        _ => Err(Error::UnsupportedTransport(token.to_owned())),
    }
}
