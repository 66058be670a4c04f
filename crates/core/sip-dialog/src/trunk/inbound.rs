//! Which trunk and tenant an inbound INVITE belongs to.
//!
//! A call is accepted from a trunk when its source address is inside one of the trunk's
//! networks (the longest matching prefix wins; two trunks claiming the same network with the
//! same prefix are refused when the matcher is built) and when the dialled number — the
//! Request-URI user part, or the To URI's when the Request-URI has none, normalised to E.164
//! with the trunk's national dialing rules — is a point of contact of the trunk's tenant (and
//! one of the trunk's numbers when the trunk lists any).

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use ipnet::IpNet;
use sb_sip::{Request, Uri};
use sb_types::{TenantId, TrunkId};

use crate::Error;
use crate::e164::{E164, NationalDialing, normalize, normalize_uri};

/// One trunk as inbound matching sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrunkSource {
    /// The tenant owning the trunk.
    pub tenant: TenantId,
    /// The trunk.
    pub trunk: TrunkId,
    /// Networks the carrier sends from.
    pub sources: Vec<IpNet>,
    /// The numbers (DIDs) the trunk carries; empty for "any point of contact of the tenant".
    pub numbers: Vec<String>,
    /// How national numbers are written on this trunk (`None`: only international forms).
    pub national: Option<NationalDialing>,
}

/// A tenant's phone number that takes calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PointOfContact {
    /// The tenant.
    pub tenant: TenantId,
    /// The number, international form (`+…`, separators allowed).
    pub number: String,
}

/// A matched inbound call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundMatch {
    /// The trunk's tenant.
    pub tenant: TenantId,
    /// The trunk.
    pub trunk: TrunkId,
    /// The dialled number, E.164.
    pub number: E164,
}

#[derive(Debug, Clone)]
struct TrunkEntry {
    tenant: TenantId,
    trunk: TrunkId,
    numbers: BTreeSet<E164>,
    national: Option<NationalDialing>,
}

/// Matches inbound INVITEs to trunks and tenants. Immutable once built; rebuild it when the
/// configuration changes.
#[derive(Debug, Clone)]
pub struct TrunkMatcher {
    /// Networks, longest prefix first, with the index of their trunk.
    networks: Vec<(IpNet, usize)>,
    trunks: Vec<TrunkEntry>,
    contacts: BTreeSet<(TenantId, E164)>,
}

impl TrunkMatcher {
    /// Builds the matcher. Fails with [`Error::AmbiguousTrunk`] when two trunks list the same
    /// network (same address and prefix length after truncation), and with
    /// [`Error::InvalidNumber`] for a trunk number or point of contact that does not normalise.
    pub fn new(trunks: Vec<TrunkSource>, contacts: Vec<PointOfContact>) -> Result<Self, Error> {
        let mut owners: BTreeMap<IpNet, usize> = BTreeMap::new();
        let mut entries = Vec::with_capacity(trunks.len());
        for (i, t) in trunks.into_iter().enumerate() {
            for net in &t.sources {
                let net = canonical_net(net);
                match owners.get(&net) {
                    Some(&other) if other != i => {
                        return Err(Error::AmbiguousTrunk {
                            network: net.to_string(),
                        });
                    }
                    _ => {
                        owners.insert(net, i);
                    }
                }
            }
            let numbers = t
                .numbers
                .iter()
                .map(|n| normalize(n, t.national.as_ref()))
                .collect::<Result<_, _>>()?;
            entries.push(TrunkEntry {
                tenant: t.tenant,
                trunk: t.trunk,
                numbers,
                national: t.national,
            });
        }
        let mut networks: Vec<(IpNet, usize)> = owners.into_iter().collect();
        networks.sort_by_key(|(net, _)| std::cmp::Reverse(net.prefix_len()));
        let contacts = contacts
            .into_iter()
            .map(|c| normalize(&c.number, None).map(|n| (c.tenant, n)))
            .collect::<Result<_, _>>()?;
        Ok(TrunkMatcher {
            networks,
            trunks: entries,
            contacts,
        })
    }

    /// The trunk whose networks hold `source` most specifically.
    pub fn trunk_of(&self, source: IpAddr) -> Option<(TenantId, TrunkId)> {
        self.entry_of(source).map(|t| (t.tenant, t.trunk))
    }

    /// Matches an INVITE received from `source`: [`Error::NoTrunk`] (answer 403) for an unknown
    /// source, [`Error::UnknownNumber`] (answer 404) for a number that is not the tenant's.
    pub fn match_invite(&self, source: IpAddr, invite: &Request) -> Result<InboundMatch, Error> {
        let to = invite.headers().to().ok().map(|t| t.uri);
        self.match_uris(source, invite.uri(), to.as_ref())
    }

    /// [`TrunkMatcher::match_invite`] on the Request-URI and To URI themselves.
    pub fn match_uris(
        &self,
        source: IpAddr,
        request_uri: &Uri,
        to: Option<&Uri>,
    ) -> Result<InboundMatch, Error> {
        let trunk = self.entry_of(source).ok_or(Error::NoTrunk)?;
        let dialled = match (request_uri, to) {
            (Uri::Sip(s), Some(to)) if s.user.is_none() => to,
            _ => request_uri,
        };
        let number =
            normalize_uri(dialled, trunk.national.as_ref()).map_err(|_| Error::UnknownNumber)?;
        let carried = trunk.numbers.is_empty() || trunk.numbers.contains(&number);
        if !carried || !self.contacts.contains(&(trunk.tenant, number.clone())) {
            return Err(Error::UnknownNumber);
        }
        Ok(InboundMatch {
            tenant: trunk.tenant,
            trunk: trunk.trunk,
            number,
        })
    }

    fn entry_of(&self, source: IpAddr) -> Option<&TrunkEntry> {
        let source = source.to_canonical();
        self.networks
            .iter()
            .find(|(net, _)| net.contains(&source))
            .and_then(|(_, i)| self.trunks.get(*i))
    }
}

/// The network with host bits cleared; IPv4-mapped IPv6 networks as IPv4.
fn canonical_net(net: &IpNet) -> IpNet {
    if let IpNet::V6(v6) = net
        && v6.prefix_len() >= 96
        && let Some(v4) = v6.addr().to_ipv4_mapped()
        && let Ok(n) = ipnet::Ipv4Net::new(v4, v6.prefix_len() - 96)
    {
        return IpNet::V4(n.trunc());
    }
    net.trunc()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenant(n: u128) -> TenantId {
        TenantId::from_u128(n)
    }

    fn trunk(n: u128) -> TrunkId {
        TrunkId::from_u128(n)
    }

    fn source(t: u128, tr: u128, nets: &[&str], numbers: &[&str]) -> TrunkSource {
        TrunkSource {
            tenant: tenant(t),
            trunk: trunk(tr),
            sources: nets.iter().map(|n| n.parse().unwrap()).collect(),
            numbers: numbers.iter().map(|n| (*n).to_owned()).collect(),
            national: Some(NationalDialing::new("44", "0").unwrap()),
        }
    }

    fn poc(t: u128, number: &str) -> PointOfContact {
        PointOfContact {
            tenant: tenant(t),
            number: number.into(),
        }
    }

    fn matcher() -> TrunkMatcher {
        TrunkMatcher::new(
            vec![
                source(1, 10, &["192.0.2.0/24"], &[]),
                source(2, 20, &["192.0.2.128/25", "2001:db8::/32"], &[]),
                source(3, 30, &["198.51.100.7/32"], &["+44 20 7946 0003"]),
            ],
            vec![
                poc(1, "+44 20 7946 0001"),
                poc(2, "+44 20 7946 0002"),
                poc(3, "+44 20 7946 0003"),
                poc(3, "+44 20 7946 0033"),
            ],
        )
        .unwrap()
    }

    fn uri(s: &str) -> Uri {
        Uri::parse(s).unwrap()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn longest_prefix_decides_the_trunk() {
        let m = matcher();
        assert_eq!(m.trunk_of(ip("192.0.2.5")), Some((tenant(1), trunk(10))));
        assert_eq!(m.trunk_of(ip("192.0.2.200")), Some((tenant(2), trunk(20))));
        assert_eq!(
            m.trunk_of(ip("::ffff:192.0.2.200")),
            Some((tenant(2), trunk(20)))
        );
        assert_eq!(m.trunk_of(ip("2001:db8::5")), Some((tenant(2), trunk(20))));
        assert_eq!(m.trunk_of(ip("203.0.113.1")), None);
    }

    #[test]
    fn dialled_number_in_national_form_matches_the_tenants_point_of_contact() {
        let m = matcher();
        let got = m
            .match_uris(
                ip("192.0.2.5"),
                &uri("sip:020-7946-0001@sbc.example.com"),
                None,
            )
            .unwrap();
        assert_eq!(
            got,
            InboundMatch {
                tenant: tenant(1),
                trunk: trunk(10),
                number: normalize("+442079460001", None).unwrap(),
            }
        );
        let tel = m.match_uris(ip("192.0.2.5"), &uri("tel:+44-20-7946-0001"), None);
        assert!(tel.is_ok());
        let intl = m.match_uris(ip("192.0.2.5"), &uri("sip:00442079460001@sbc"), None);
        assert!(intl.is_ok());
    }

    #[test]
    fn empty_request_uri_user_falls_back_to_the_to_uri() {
        let m = matcher();
        let to = uri("sip:+442079460002@sbc.example.com");
        let got = m.match_uris(ip("192.0.2.130"), &uri("sip:sbc.example.com"), Some(&to));
        assert_eq!(got.map(|g| g.trunk), Ok(trunk(20)));
    }

    #[test]
    fn unknown_source_is_no_trunk_and_another_tenants_number_is_unknown() {
        let m = matcher();
        let r_uri = uri("sip:+442079460002@sbc.example.com");
        assert_eq!(
            m.match_uris(ip("203.0.113.1"), &r_uri, None),
            Err(Error::NoTrunk)
        );
        assert_eq!(
            m.match_uris(ip("192.0.2.5"), &r_uri, None),
            Err(Error::UnknownNumber),
            "tenant 2's number arriving on tenant 1's trunk"
        );
        let alice = uri("sip:alice@sbc.example.com");
        assert_eq!(
            m.match_uris(ip("192.0.2.5"), &alice, None),
            Err(Error::UnknownNumber)
        );
        assert_eq!(Error::NoTrunk.status(), 403);
        assert_eq!(Error::UnknownNumber.status(), 404);
    }

    #[test]
    fn a_trunk_listing_numbers_only_carries_those() {
        let m = matcher();
        let ok = m.match_uris(ip("198.51.100.7"), &uri("sip:02079460003@sbc"), None);
        assert!(ok.is_ok());
        let other = m.match_uris(ip("198.51.100.7"), &uri("sip:02079460033@sbc"), None);
        assert_eq!(other, Err(Error::UnknownNumber));
    }

    #[test]
    fn same_network_in_two_trunks_is_ambiguous_but_nested_networks_are_fine() {
        let err = TrunkMatcher::new(
            vec![
                source(1, 10, &["192.0.2.0/24"], &[]),
                source(2, 20, &["192.0.2.77/24"], &[]),
            ],
            vec![],
        );
        assert!(matches!(err, Err(Error::AmbiguousTrunk { network }) if network == "192.0.2.0/24"));
        let mapped = TrunkMatcher::new(
            vec![
                source(1, 10, &["192.0.2.0/24"], &[]),
                source(2, 20, &["::ffff:192.0.2.0/120"], &[]),
            ],
            vec![],
        );
        assert!(matches!(mapped, Err(Error::AmbiguousTrunk { .. })));
        let same_trunk_twice = TrunkMatcher::new(
            vec![source(1, 10, &["192.0.2.0/24", "192.0.2.0/24"], &[])],
            vec![],
        );
        assert!(same_trunk_twice.is_ok());
    }

    #[test]
    fn a_point_of_contact_that_is_not_e164_is_refused_at_build_time() {
        let err = TrunkMatcher::new(vec![], vec![poc(1, "02079460001")]);
        assert!(matches!(err, Err(Error::InvalidNumber(_))));
    }
}
