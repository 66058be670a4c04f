//! NAT keep-alives towards phones registered over UDP: a CRLF ping (RFC 5626 § 4.4.1) to each
//! binding's source address every `udp_keepalive`, so that the phone's NAT pinhole stays open
//! for the calls we send it. Phones answer with a lone CRLF (a pong), which we do not answer.

use std::collections::BTreeSet;
use std::net::SocketAddr;

use bytes::Bytes;
use sb_types::Timestamp;

use super::Endpoint;
use crate::peer::Transport;

/// The RFC 5626 ping.
const PING: &[u8] = b"\r\n\r\n";

impl Endpoint {
    /// Pings every live UDP binding's source when the keep-alive period is due.
    pub(super) fn keep_nat_open(&mut self, now: Timestamp) {
        let Some(every) = self.config.udp_keepalive else {
            return;
        };
        if now < self.next_keepalive {
            return;
        }
        self.next_keepalive = now + every;
        let targets: BTreeSet<SocketAddr> = self
            .registrar
            .bindings()
            .filter(|b| b.expires_at > now)
            .filter_map(|b| udp_source(b.source.as_deref()?))
            .collect();
        for to in targets {
            self.transmit(Transport::Udp, to, Bytes::from_static(PING));
        }
    }

    /// When the next round of pings is due (`None`: keep-alives are off, or nobody is
    /// registered).
    pub(super) fn keepalive_deadline(&self) -> Option<Timestamp> {
        let anyone = self.registrar.bindings().next().is_some();
        self.config
            .udp_keepalive
            .filter(|_| anyone)
            .map(|_| self.next_keepalive)
    }
}

/// The address of a `udp:IP:port` binding source.
fn udp_source(source: &str) -> Option<SocketAddr> {
    source.strip_prefix("udp:")?.parse().ok()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use sb_sip_dialog::registrar::Binding;
    use sb_types::Timestamp;

    use super::super::{Endpoint, Output};
    use crate::config::SipConfig;
    use crate::peer::Transport;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_secs(1_000_000 + s)
    }

    fn binding(user: &str, source: &str, expires: i64) -> Binding {
        Binding {
            aor: format!("sip:{user}@sb.test"),
            contact: format!("sip:{user}@10.0.0.1"),
            call_id: format!("c-{user}"),
            cseq: 1,
            expires_at: at(expires),
            q: None,
            path: Vec::new(),
            source: Some(source.to_owned()),
        }
    }

    fn pings(ep: &mut Endpoint) -> Vec<String> {
        std::iter::from_fn(|| ep.poll_output())
            .filter_map(|o| match o {
                Output::Transmit(t) if &t.data[..] == b"\r\n\r\n" => {
                    assert_eq!(t.transport, Transport::Udp);
                    Some(t.to.to_string())
                }
                _ => None,
            })
            .collect()
    }

    fn endpoint(keepalive: Option<Duration>) -> Endpoint {
        let mut config =
            SipConfig::new("127.0.0.1:5060".parse().expect("addr"), "sb.test", vec![1]);
        config.udp_keepalive = keepalive;
        let bindings = vec![
            binding("1001", "udp:192.0.2.10:5060", 600),
            binding("1002", "udp:192.0.2.10:5060", 600),
            binding("1003", "tcp:192.0.2.11:40000", 600),
            binding("1004", "udp:[2001:db8::1]:5062", 40),
            binding("1005", "wss:192.0.2.12:443", 600),
        ];
        Endpoint::new(config, bindings, Vec::new(), 1)
    }

    #[test]
    fn udp_phones_get_one_crlf_ping_per_address_every_period() {
        let mut ep = endpoint(Some(Duration::from_secs(25)));
        assert!(
            ep.poll_timeout().is_some_and(|t| t <= at(0)),
            "due at start"
        );
        ep.handle_timeout(at(0));
        assert_eq!(pings(&mut ep), ["192.0.2.10:5060", "[2001:db8::1]:5062"]);
        assert!(ep.poll_timeout().is_some_and(|t| t <= at(25)));
        ep.handle_timeout(at(10));
        assert!(pings(&mut ep).is_empty(), "not before the period");
        ep.handle_timeout(at(25));
        assert_eq!(pings(&mut ep), ["192.0.2.10:5060", "[2001:db8::1]:5062"]);
        ep.handle_timeout(at(50));
        assert_eq!(
            pings(&mut ep),
            ["192.0.2.10:5060"],
            "an expired binding gets none"
        );
    }

    #[test]
    fn keepalives_can_be_turned_off() {
        let mut ep = endpoint(None);
        ep.handle_timeout(at(0));
        ep.handle_timeout(at(100));
        assert!(pings(&mut ep).is_empty());
    }
}
