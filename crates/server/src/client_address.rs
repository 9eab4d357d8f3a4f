//! Who a request comes from: the one place that decides a request's client
//! address, which every quota (wrong tokens, sign-ins) and the frontend
//! API's and OFREP's default `remoteAddress` use.
//!
//! It is the TCP peer, unless the peer is a proxy named by
//! `--trusted-proxies`: then it is the rightmost address of the forwarding
//! chain that is not itself a trusted proxy — each proxy appends the address
//! it got the request from, so everything to the left of the last untrusted
//! hop may be made up by the client. The chain is `X-Forwarded-For` (every
//! such header, in order) when the request has one, else `Forwarded`'s `for=`
//! parameters (RFC 7239). A proxy that writes only `Forwarded` must therefore
//! drop an `X-Forwarded-For` a client sends. A chain entry that is no
//! address (`unknown`, an obfuscated `_id`) stops the walk: the address to
//! its right is used, since nothing further left can be trusted.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use ipnet::IpNet;

/// The networks whose forwarding headers are believed (`--trusted-proxies`).
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    pub fn new(networks: Vec<IpNet>) -> TrustedProxies {
        TrustedProxies(networks)
    }

    fn trusts(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        self.0.iter().any(|net| net.contains(&address))
    }

    /// The client address of a request from `peer` with `headers`.
    pub fn client_address(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if self.0.is_empty() || !self.trusts(peer) {
            return canonical(peer);
        }
        let mut client = canonical(peer);
        for hop in forwarding_chain(headers).into_iter().rev() {
            let Some(hop) = hop else { break };
            client = hop;
            if !self.trusts(hop) {
                break;
            }
        }
        client
    }
}

/// IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`, a dual-stack listener's
/// view of an IPv4 peer) as the IPv4 address they are.
fn canonical(address: IpAddr) -> IpAddr {
    address.to_canonical()
}

/// The forwarding chain, leftmost (furthest from us) first; `None` for an
/// entry that is no address.
fn forwarding_chain(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let forwarded_for: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .map(|v| v.to_str().unwrap_or("unknown"))
        .collect();
    if !forwarded_for.is_empty() {
        return forwarded_for
            .iter()
            .flat_map(|v| v.split(','))
            .map(node_address)
            .collect();
    }
    headers
        .get_all(header::FORWARDED)
        .iter()
        .map(|v| v.to_str().unwrap_or("for=unknown"))
        .flat_map(|v| v.split(','))
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (key, value) = pair.split_once('=')?;
                key.trim()
                    .eq_ignore_ascii_case("for")
                    .then(|| node_address(value))
            })
        })
        .collect()
}

/// An address as forwarding headers write it: `192.0.2.1`, `192.0.2.1:4711`,
/// `2001:db8::1`, `"[2001:db8::1]:4711"`.
fn node_address(text: &str) -> Option<IpAddr> {
    let text = text.trim().trim_matches('"');
    if let Ok(address) = text.parse::<IpAddr>() {
        return Some(canonical(address));
    }
    if let Ok(socket) = text.parse::<SocketAddr>() {
        return Some(canonical(socket.ip()));
    }
    text.strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .and_then(|inner| inner.parse().ok())
        .map(canonical)
}

/// The request's client address (see the module comment); `None` only for a
/// request that did not come through the connection loop.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub Option<IpAddr>);

impl ClientAddress {
    pub fn of(parts: &Parts, trusted: &TrustedProxies) -> ClientAddress {
        ClientAddress(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|peer| trusted.client_address(peer.0.ip(), &parts.headers)),
        )
    }
}

/// Extracted from any state that hands out the trusted proxies.
impl<S> FromRequestParts<S> for ClientAddress
where
    Arc<TrustedProxies>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress::of(parts, &Arc::from_ref(state)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse_network;
    use axum::http::HeaderValue;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn forwarding_headers_count_only_from_trusted_proxies() {
        let trusted = TrustedProxies::new(vec![
            parse_network("10.0.0.0/8").expect("net"),
            parse_network("192.168.1.1").expect("one address"),
        ]);
        let spoofed = headers(&[("x-forwarded-for", "6.6.6.6")]);
        // An untrusted peer's headers are ignored.
        assert_eq!(
            trusted.client_address(ip("203.0.113.9"), &spoofed),
            ip("203.0.113.9")
        );
        assert_eq!(
            TrustedProxies::default().client_address(ip("10.0.0.1"), &spoofed),
            ip("10.0.0.1")
        );
        // The rightmost untrusted hop: what the client wrote further left is ignored.
        let chain = headers(&[
            ("x-forwarded-for", "6.6.6.6, 198.51.100.7"),
            ("x-forwarded-for", "192.168.1.1"),
        ]);
        assert_eq!(
            trusted.client_address(ip("10.1.1.1"), &chain),
            ip("198.51.100.7")
        );
        // No header: the peer.
        assert_eq!(
            trusted.client_address(ip("10.1.1.1"), &HeaderMap::new()),
            ip("10.1.1.1")
        );
        // Every hop trusted: the furthest.
        let inside = headers(&[("x-forwarded-for", "10.9.9.9, 10.8.8.8")]);
        assert_eq!(
            trusted.client_address(ip("10.1.1.1"), &inside),
            ip("10.9.9.9")
        );
        // Not an address: the walk stops at the hop that wrote it.
        let unknown = headers(&[("x-forwarded-for", "198.51.100.7, unknown, 10.8.8.8")]);
        assert_eq!(
            trusted.client_address(ip("10.1.1.1"), &unknown),
            ip("10.8.8.8")
        );
        // RFC 7239, when there is no X-Forwarded-For.
        let forwarded = headers(&[(
            "forwarded",
            "for=6.6.6.6, For=\"[2001:db8:cafe::17]:4711\";proto=https, for=10.2.2.2",
        )]);
        assert_eq!(
            trusted.client_address(ip("10.1.1.1"), &forwarded),
            ip("2001:db8:cafe::17")
        );
        // An IPv4 peer seen through a dual-stack socket.
        assert_eq!(
            trusted.client_address(ip("::ffff:10.1.1.1"), &chain),
            ip("198.51.100.7")
        );
        assert_eq!(node_address("192.0.2.1:4711"), Some(ip("192.0.2.1")));
        assert!(parse_network("nonsense").is_err());
    }
}
