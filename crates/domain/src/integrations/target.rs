//! Which URLs an integration may call. Only `http` and `https`; and, as
//! Unleash 8 does against SSRF, no host that resolves to a loopback, private,
//! link-local or otherwise internal address — unless the operator allows
//! private URLs (`--integrations-allow-private-urls`) or lists the host
//! (`--integrations-allowed-hosts`). Checked when an integration is saved and
//! again at every delivery, where [`PolicyResolver`] filters the addresses
//! the HTTP client connects to (so a name that changes what it resolves to
//! between the two checks gains nothing), and redirects are not followed.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use ipnet::{Ipv4Net, Ipv6Net};

#[derive(Debug, Clone, Default)]
pub struct TargetPolicy {
    pub allow_private: bool,
    /// Hosts allowed whatever they resolve to (lower-case).
    pub allowed_hosts: Vec<String>,
}

const fn v4(a: u8, b: u8, c: u8, d: u8, prefix: u8) -> Ipv4Net {
    Ipv4Net::new_assert(Ipv4Addr::new(a, b, c, d), prefix)
}

const fn v6(segments: [u16; 8], prefix: u8) -> Ipv6Net {
    let [a, b, c, d, e, f, g, h] = segments;
    Ipv6Net::new_assert(Ipv6Addr::new(a, b, c, d, e, f, g, h), prefix)
}

/// IPv4 ranges an integration may not call by default: IANA's special-purpose
/// address registry, every block that is not globally reachable or is
/// reserved (RFC 6890 and its updates).
const INTERNAL_V4: &[Ipv4Net] = &[
    v4(0, 0, 0, 0, 8),       // "this network"
    v4(10, 0, 0, 0, 8),      // private
    v4(100, 64, 0, 0, 10),   // shared address space (carrier-grade NAT)
    v4(127, 0, 0, 0, 8),     // loopback
    v4(169, 254, 0, 0, 16),  // link-local (cloud metadata services)
    v4(172, 16, 0, 0, 12),   // private
    v4(192, 0, 0, 0, 24),    // IETF protocol assignments
    v4(192, 0, 2, 0, 24),    // documentation (TEST-NET-1)
    v4(192, 88, 99, 0, 24),  // 6to4 relay anycast (deprecated)
    v4(192, 168, 0, 0, 16),  // private
    v4(198, 18, 0, 0, 15),   // benchmarking
    v4(198, 51, 100, 0, 24), // documentation (TEST-NET-2)
    v4(203, 0, 113, 0, 24),  // documentation (TEST-NET-3)
    v4(224, 0, 0, 0, 4),     // multicast
    v4(240, 0, 0, 0, 4),     // reserved, and the broadcast address
];

/// IPv6 ranges an integration may not call by default (IANA's IPv6
/// special-purpose registry). The forms that carry an IPv4 address
/// (IPv4-mapped and -compatible, NAT64 64:ff9b::/96, 6to4, Teredo) are not
/// here: they are judged by the IPv4 address inside ([`embedded_ipv4`]).
const INTERNAL_V6: &[Ipv6Net] = &[
    v6([0, 0, 0, 0, 0, 0, 0, 0], 128),         // unspecified
    v6([0, 0, 0, 0, 0, 0, 0, 1], 128),         // loopback
    v6([0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48),  // local-use NAT64 (RFC 8215)
    v6([0x100, 0, 0, 0, 0, 0, 0, 0], 64),      // discard-only
    v6([0x2001, 2, 0, 0, 0, 0, 0, 0], 48),     // benchmarking
    v6([0x2001, 0x10, 0, 0, 0, 0, 0, 0], 28),  // ORCHID (deprecated)
    v6([0x2001, 0x20, 0, 0, 0, 0, 0, 0], 28),  // ORCHIDv2
    v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32), // documentation
    v6([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20),     // documentation (RFC 9637)
    v6([0x5f00, 0, 0, 0, 0, 0, 0, 0], 16),     // segment routing SIDs
    v6([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7),      // unique local
    v6([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10),     // link-local
    v6([0xfec0, 0, 0, 0, 0, 0, 0, 0], 10),     // site-local (deprecated)
    v6([0xff00, 0, 0, 0, 0, 0, 0, 0], 8),      // multicast
];

/// The IPv4 address an IPv6 address carries, and the form that carries it:
/// IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`), NAT64
/// (`64:ff9b::a.b.c.d`), 6to4 (`2002:AABB:CCDD::/48`) or Teredo
/// (`2001:0::/32`, the client's address in the last 32 bits, inverted).
/// Networks with these translators route such an address to the IPv4 one.
pub fn embedded_ipv4(ip: Ipv6Addr) -> Option<(Ipv4Addr, &'static str)> {
    let o = ip.octets();
    let last = Ipv4Addr::new(o[12], o[13], o[14], o[15]);
    let s = ip.segments();
    match s {
        [0, 0, 0, 0, 0, 0xffff, _, _] => Some((last, "IPv4-mapped")),
        // `::` and `::1` are not IPv4 forms (they are in INTERNAL_V6).
        [0, 0, 0, 0, 0, 0, 0, 0 | 1] => None,
        [0, 0, 0, 0, 0, 0, _, _] => Some((last, "IPv4-compatible")),
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some((last, "NAT64")),
        [0x2002, ..] => Some((Ipv4Addr::new(o[2], o[3], o[4], o[5]), "6to4")),
        [0x2001, 0, ..] => Some((Ipv4Addr::from(!u32::from(last)), "Teredo")),
        _ => None,
    }
}

/// Whether an address is one an integration may not reach by default; an
/// IPv6 form that carries an IPv4 address is judged by that address.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => INTERNAL_V4.iter().any(|net| net.contains(&ip)),
        IpAddr::V6(ip) => match embedded_ipv4(ip) {
            Some((inside, _)) => is_internal(IpAddr::V4(inside)),
            None => INTERNAL_V6.iter().any(|net| net.contains(&ip)),
        },
    }
}

/// Why `ip` may not be called, in words, if it may not.
fn internal_address(ip: IpAddr) -> Option<String> {
    if !is_internal(ip) {
        return None;
    }
    Some(match ip {
        IpAddr::V6(v6) => match embedded_ipv4(v6) {
            Some((inside, form)) => {
                format!("the internal address {ip} (the {form} form of {inside})")
            }
            None => format!("the internal address {ip}"),
        },
        IpAddr::V4(_) => format!("the internal address {ip}"),
    })
}

impl TargetPolicy {
    fn host_allowed(&self, host: &str) -> bool {
        self.allow_private
            || self
                .allowed_hosts
                .iter()
                .any(|h| h.eq_ignore_ascii_case(host))
    }

    /// Why `url` may not be called, if it may not. Resolves its host.
    pub async fn problem(&self, url: &str) -> Option<String> {
        let parsed = match url::Url::parse(url) {
            Ok(parsed) => parsed,
            Err(e) => return Some(format!("{url:?} is not a URL: {e}")),
        };
        if !matches!(parsed.scheme(), "http" | "https") {
            return Some(format!(
                "only http and https URLs are allowed, not {:?}",
                parsed.scheme()
            ));
        }
        let Some(host) = parsed.host_str() else {
            return Some(format!("{url:?} has no host"));
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if self.host_allowed(host) {
            return None;
        }
        let port = parsed.port_or_known_default().unwrap_or(80);
        let addresses: Vec<IpAddr> = match host.parse::<IpAddr>() {
            Ok(ip) => vec![ip],
            Err(_) => match tokio::time::timeout(
                Duration::from_secs(5),
                tokio::net::lookup_host((host, port)),
            )
            .await
            {
                Ok(Ok(found)) => found.map(|a| a.ip()).collect(),
                Ok(Err(e)) => return Some(format!("the host {host} does not resolve: {e}")),
                Err(_) => return Some(format!("resolving the host {host} took too long")),
            },
        };
        if addresses.is_empty() {
            return Some(format!("the host {host} does not resolve"));
        }
        let verb = if host.parse::<IpAddr>().is_ok() {
            "is"
        } else {
            "resolves to"
        };
        addresses
            .iter()
            .find_map(|ip| internal_address(*ip))
            .map(|what| {
                format!(
                    "{host} {verb} {what}; integrations may not call internal addresses unless \
                     INTEGRATIONS_ALLOW_PRIVATE_URLS=true or the host is listed in \
                     INTEGRATIONS_ALLOWED_HOSTS"
                )
            })
    }

    /// The HTTP client deliveries use: no redirects, this policy on every
    /// address it connects to.
    pub fn client(&self, timeout: Duration) -> reqwest::Client {
        reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(PolicyResolver {
                policy: self.clone(),
            }))
            .user_agent(concat!("flagstaff/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default()
    }
}

/// Resolves names for the delivery client, dropping addresses the policy
/// refuses (IP literals are checked by [`TargetPolicy::problem`] before each send).
struct PolicyResolver {
    policy: TargetPolicy,
}

impl PolicyResolver {
    /// The addresses of `host` the delivery client may connect to; an error
    /// naming what was dropped when none is left.
    async fn addresses(&self, host: &str) -> Result<Vec<SocketAddr>, String> {
        let found: Vec<SocketAddr> = tokio::net::lookup_host((host, 0))
            .await
            .map_err(|e| format!("the host {host} does not resolve: {e}"))?
            .collect();
        if self.policy.host_allowed(host) {
            return Ok(found);
        }
        let (allowed, dropped): (Vec<SocketAddr>, Vec<SocketAddr>) =
            found.into_iter().partition(|a| !is_internal(a.ip()));
        if !dropped.is_empty() {
            let dropped: Vec<String> = dropped.iter().map(|a| a.ip().to_string()).collect();
            tracing::warn!(
                host,
                dropped = dropped.join(", "),
                "an integration's host resolved to internal addresses; not connecting to them"
            );
            if allowed.is_empty() {
                return Err(format!(
                    "{host} resolves only to internal addresses ({}), which integrations may not call",
                    dropped.join(", ")
                ));
            }
        }
        if allowed.is_empty() {
            return Err(format!("the host {host} does not resolve"));
        }
        Ok(allowed)
    }
}

impl reqwest::dns::Resolve for PolicyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let resolver = PolicyResolver {
            policy: self.policy.clone(),
        };
        Box::pin(async move {
            let found = resolver.addresses(name.as_str()).await?;
            Ok(Box::new(found.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests;
