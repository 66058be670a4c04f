//! RFC 3263 server location with a real DNS client: [`Resolver`] answers the NAPTR, SRV, A
//! and AAAA queries of the sans-IO [`Locate`] machine with `hickory-resolver`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::proto::rr::{RData, RecordType as DnsType};
use hickory_resolver::proto::xfer::Protocol;
use sb_sip::SipUri;
use sb_sip_dialog::locate::{
    Locate, LocateConfig, NaptrRecord, Query, Record, RecordType, SrvRecord,
};

use crate::client::Destination;

/// Most rounds of queries one resolution may take (NAPTR, SRV, addresses: 3 are enough).
const MAX_ROUNDS: usize = 8;

/// Why a SIP URI has no destination.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// The system resolver configuration (`/etc/resolv.conf`) cannot be read.
    #[error("cannot read the system DNS configuration: {0}")]
    Config(String),
    /// The URI asks for a transport we do not send over (`transport=sctp`, …).
    #[error("unsupported transport in the URI: {0}")]
    Unsupported(String),
    /// DNS gave no usable record (NXDOMAIN, no data, no answer in time).
    #[error("no SIP server found for {0}")]
    NotFound(String),
}

/// RFC 3263 resolution (NAPTR → SRV → A/AAAA) for SIP URIs; cheap to clone.
#[derive(Clone)]
pub struct Resolver {
    dns: Arc<TokioResolver>,
    locate: LocateConfig,
}

impl Resolver {
    /// The system resolver (`/etc/resolv.conf`).
    pub fn system() -> Result<Resolver, ResolveError> {
        let builder =
            TokioResolver::builder_tokio().map_err(|e| ResolveError::Config(e.to_string()))?;
        Ok(Resolver::from_dns(builder.build()))
    }

    /// A resolver that asks only these name servers over UDP (tests: a DNS server on
    /// 127.0.0.1), without search domains, with a 2 s timeout and two attempts.
    pub fn with_nameservers(servers: &[SocketAddr]) -> Resolver {
        let mut config = ResolverConfig::new();
        for s in servers {
            config.add_name_server(NameServerConfig::new(*s, Protocol::Udp));
        }
        let mut opts = ResolverOpts::default();
        opts.timeout = Duration::from_secs(2);
        opts.attempts = 2;
        opts.ndots = 0;
        let builder =
            TokioResolver::builder_with_config(config, TokioConnectionProvider::default())
                .with_options(opts);
        Resolver::from_dns(builder.build())
    }

    /// The same resolver, limited to these transports and address order (default: UDP, TCP
    /// and TLS, IPv4 first).
    pub fn with_locate_config(mut self, config: LocateConfig) -> Resolver {
        self.locate = config;
        self
    }

    fn from_dns(dns: TokioResolver) -> Resolver {
        Resolver {
            dns: Arc::new(dns),
            locate: LocateConfig::default(),
        }
    }

    /// The destinations for a SIP URI, in the order to try them (RFC 3263 § 4: numeric hosts
    /// need no DNS; SRV weights drawn at random). Queries of one round run concurrently.
    pub async fn resolve(&self, uri: &SipUri) -> Result<Vec<Destination>, ResolveError> {
        let mut locate = Locate::new(uri, self.locate.clone(), rand::random())
            .map_err(|e| ResolveError::Unsupported(e.to_string()))?;
        for _ in 0..MAX_ROUNDS {
            if locate.is_done() {
                break;
            }
            let queries: Vec<Query> = std::iter::from_fn(|| locate.poll_query()).collect();
            if queries.is_empty() {
                break;
            }
            let answers = futures::future::join_all(queries.iter().map(|q| self.lookup(q))).await;
            for (q, records) in queries.iter().zip(answers) {
                locate.handle_answer(q, records);
            }
        }
        let found: Vec<Destination> = locate.targets().iter().map(|t| (*t).into()).collect();
        if found.is_empty() {
            return Err(ResolveError::NotFound(uri.host.to_string()));
        }
        Ok(found)
    }

    /// One query; any failure (NXDOMAIN, no data, SERVFAIL, timeout) is an empty answer.
    async fn lookup(&self, query: &Query) -> Vec<Record> {
        let kind = match query.kind {
            RecordType::Naptr => DnsType::NAPTR,
            RecordType::Srv => DnsType::SRV,
            RecordType::A => DnsType::A,
            RecordType::Aaaa => DnsType::AAAA,
        };
        // Fully qualified: search domains never apply to a SIP server name.
        let name = format!("{}.", query.name);
        match self.dns.lookup(name.as_str(), kind).await {
            Ok(answer) => answer.iter().filter_map(record_of).collect(),
            Err(e) => {
                tracing::debug!(name = %query.name, ?kind, error = %e, "DNS lookup failed");
                Vec::new()
            }
        }
    }
}

fn record_of(data: &RData) -> Option<Record> {
    Some(match data {
        RData::A(a) => Record::Address(a.0.into()),
        RData::AAAA(a) => Record::Address(a.0.into()),
        RData::SRV(s) => Record::Srv(SrvRecord {
            priority: s.priority(),
            weight: s.weight(),
            port: s.port(),
            target: s.target().to_ascii(),
        }),
        RData::NAPTR(n) => Record::Naptr(NaptrRecord {
            order: n.order(),
            preference: n.preference(),
            flags: String::from_utf8_lossy(n.flags()).into_owned(),
            service: String::from_utf8_lossy(n.services()).into_owned(),
            replacement: n.replacement().to_ascii(),
        }),
        _ => return None,
    })
}
