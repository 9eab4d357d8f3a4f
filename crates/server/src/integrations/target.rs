//! Which URLs an integration may call. Only `http` and `https`; and, as
//! Unleash 8 does against SSRF, no host that resolves to a loopback, private,
//! link-local or otherwise internal address — unless the operator allows
//! private URLs (`--integrations-allow-private-urls`) or lists the host
//! (`--integrations-allowed-hosts`). Checked when an integration is saved and
//! again at every delivery, where [`PolicyResolver`] filters the addresses
//! the HTTP client connects to (so a name that changes what it resolves to
//! between the two checks gains nothing), and redirects are not followed.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, Default)]
pub struct TargetPolicy {
    pub allow_private: bool,
    /// Hosts allowed whatever they resolve to (lower-case).
    pub allowed_hosts: Vec<String>,
}

/// Whether an address is one an integration may not reach by default.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
                || a == 0
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_internal(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local
                || (first & 0xffc0) == 0xfe80 // link-local
        }
    }
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
        addresses.iter().find(|ip| is_internal(**ip)).map(|ip| {
            format!(
                "{host} resolves to the internal address {ip}; integrations may not call internal \
                 addresses unless INTEGRATIONS_ALLOW_PRIVATE_URLS=true or the host is listed in \
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

impl reqwest::dns::Resolve for PolicyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.policy.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| policy.host_allowed(&host) || !is_internal(a.ip()))
                .collect();
            if found.is_empty() {
                return Err(format!("{host} resolves to no address integrations may call").into());
            }
            Ok(Box::new(found.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn internal_targets_are_refused_unless_allowed() {
        let strict = TargetPolicy::default();
        for url in [
            "http://127.0.0.1:9/hook",
            "http://localhost:9/hook",
            "http://10.1.2.3/hook",
            "http://192.168.0.1/hook",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]:9/hook",
            "http://[fd00::1]/hook",
            "http://[::ffff:127.0.0.1]/hook",
        ] {
            assert!(
                strict.problem(url).await.is_some(),
                "{url} should be refused"
            );
        }
        for url in ["ftp://example.com/x", "not a url", "file:///etc/passwd"] {
            assert!(strict.problem(url).await.is_some(), "{url}");
        }
        assert!(strict.problem("https://93.184.215.14/hook").await.is_none());
        let open = TargetPolicy {
            allow_private: true,
            ..TargetPolicy::default()
        };
        assert!(open.problem("http://127.0.0.1:9/hook").await.is_none());
        let listed = TargetPolicy {
            allowed_hosts: vec!["localhost".to_owned()],
            ..TargetPolicy::default()
        };
        assert!(listed.problem("http://localhost:9/hook").await.is_none());
        assert!(listed.problem("http://127.0.0.1:9/hook").await.is_some());
    }
}
