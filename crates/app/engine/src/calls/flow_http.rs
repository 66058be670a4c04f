//! The HTTP client of flows' `http` blocks, guarded against server-side request forgery: a
//! tenant's flow may reach public addresses, and internal ones only when the node's operator
//! allows their network (`flows.http_allow`). Loopback, private (RFC 1918, unique local),
//! shared (100.64/10), link-local (cloud metadata at 169.254.169.254 included), unspecified,
//! multicast and broadcast addresses are refused otherwise — for IP literals in the URL and for
//! every address a name resolves to (checked in the resolver, so the address connected to is
//! the one checked). Redirects are not followed.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use ipnet::IpNet;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// The client flows' requests go through, and the networks it may reach.
#[derive(Clone, Debug)]
pub struct FlowHttp {
    client: reqwest::Client,
    guard: Arc<Guard>,
}

/// Which addresses requests may go to.
#[derive(Debug)]
struct Guard {
    allow: Vec<IpNet>,
}

impl FlowHttp {
    /// A client that reaches public addresses and those in `allow`.
    pub fn new(allow: Vec<IpNet>) -> Result<FlowHttp, String> {
        // reqwest is built without a TLS provider of its own: the process's (aws-lc-rs) is used.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let guard = Arc::new(Guard { allow });
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Switchboard/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(5))
            .dns_resolver(Arc::clone(&guard))
            .no_proxy()
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        Ok(FlowHttp { client, guard })
    }

    /// Whether an address may be reached: public, or in the allowed networks. Other
    /// outbound connections of tenants' making (their mail servers) use the same rule.
    pub fn permits(&self, ip: IpAddr) -> bool {
        self.guard.permits(ip)
    }

    /// The client, for a URL [`check`](FlowHttp::check) accepted.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Refuses a URL whose host is an IP address the flow may not reach (names are checked
    /// when they are resolved).
    pub fn check(&self, url: &reqwest::Url) -> Result<(), String> {
        let host = url.host_str().ok_or("the URL has no host")?;
        let literal = host.trim_start_matches('[').trim_end_matches(']');
        let Ok(ip) = literal.parse::<IpAddr>() else {
            return Ok(());
        };
        if self.guard.permits(ip) {
            Ok(())
        } else {
            Err(refused(&ip.to_string()))
        }
    }
}

fn refused(host: &str) -> String {
    format!(
        "{host} is an internal address; flows may reach it only when flows.http_allow lists its network"
    )
}

impl Guard {
    fn permits(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        self.allow.iter().any(|net| net.contains(&ip)) || is_public(ip)
    }
}

impl Resolve for Guard {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        let allow = self.allow.clone();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let guard = Guard { allow };
            let permitted: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| guard.permits(a.ip()))
                .collect();
            if permitted.is_empty() {
                return Err(refused(&host).into());
            }
            let addrs: Addrs = Box::new(permitted.into_iter());
            Ok(addrs)
        })
    }
}

/// Whether `ip` is an address of the public internet.
fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    let shared = a == 100 && (64..128).contains(&b);
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_multicast()
        || ip.is_broadcast()
        || shared
        || a == 0)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    let unique_local = first & 0xfe00 == 0xfc00;
    let link_local = first & 0xffc0 == 0xfe80;
    !(ip.is_loopback() || ip.is_unspecified() || ip.is_multicast() || unique_local || link_local)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(allow: &[&str]) -> FlowHttp {
        FlowHttp::new(allow.iter().map(|n| n.parse().unwrap()).collect()).unwrap()
    }

    #[test]
    fn internal_addresses_are_refused_unless_their_network_is_allowed() {
        let none = http(&[]);
        for internal in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!none.guard.permits(internal.parse().unwrap()), "{internal}");
        }
        for public in ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "100.128.0.1"] {
            assert!(none.guard.permits(public.parse().unwrap()), "{public}");
        }
        let office = http(&["10.1.2.0/24", "::1/128"]);
        assert!(office.guard.permits("10.1.2.3".parse().unwrap()));
        assert!(office.guard.permits("::ffff:10.1.2.3".parse().unwrap()));
        assert!(office.guard.permits("::1".parse().unwrap()));
        assert!(!office.guard.permits("10.1.3.1".parse().unwrap()));
    }

    #[test]
    fn an_ip_literal_url_is_checked_before_any_request() {
        let none = http(&[]);
        let check = |u: &str| none.check(&reqwest::Url::parse(u).unwrap());
        assert!(check("http://127.0.0.1:8080/x").is_err());
        assert!(check("http://[::1]/x").is_err());
        assert!(check("http://169.254.169.254/latest/meta-data").is_err());
        assert!(check("https://93.184.216.34/").is_ok());
        assert!(
            check("https://crm.example.com/").is_ok(),
            "names: at resolution"
        );
    }

    #[tokio::test]
    async fn a_name_that_resolves_only_to_internal_addresses_is_refused() {
        let none = http(&[]);
        let err = none
            .client()
            .get("http://localhost:9/")
            .send()
            .await
            .unwrap_err();
        let text = format!("{err:?}");
        assert!(text.contains("internal address"), "{text}");
    }
}
