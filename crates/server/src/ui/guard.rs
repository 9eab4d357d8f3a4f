//! The UI's front door, a layer over every UI route: a POST from another
//! origin is refused (so no other site can sign someone in or out, or send a
//! form in their name), every UI response gets its security headers, and a
//! notice (`feedback.rs`) is cleared once the page showing it is answered.

use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use super::{feedback, message};
use crate::state::AppState;

/// What every UI page may load: only this server's own resources.
const CSP: &str = "default-src 'self'; frame-ancestors 'none'; form-action 'self'";

/// Refuses POSTs from another origin (so no other site can sign someone in
/// or out), and gives every UI response its security headers.
pub(super) async fn guard(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() == Method::POST {
        match origin_of(request.headers(), state.ui.public_host.as_deref()) {
            Origin::Ours => {}
            Origin::Foreign => {
                return message(
                    StatusCode::FORBIDDEN,
                    "Not allowed",
                    "This form was sent from another site.",
                    None,
                )
            }
            Origin::UnknownName(host) => {
                return message(
                    StatusCode::FORBIDDEN,
                    "Not allowed",
                    &format!(
                        "This server does not know {host} as its address, so it refuses forms \
                         sent from there (another site could be using that name). If you open \
                         Flagstaff at {host}, start it with UNLEASH_URL (--public-url) set to \
                         that address, e.g. UNLEASH_URL=https://{host}."
                    ),
                    None,
                )
            }
        }
    }
    let had_notice = feedback::notice(request.headers()).is_some();
    let mut response = next.run(request).await;
    feedback::clear_shown(had_notice, &mut response);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Where a POST comes from, as its `Origin` header says.
#[derive(Debug, PartialEq, Eq)]
enum Origin {
    /// No `Origin` (older browsers, curl), the public URL's host, or the
    /// request's own `Host` when that is an IP address or `localhost`.
    Ours,
    /// Another host than the request's.
    Foreign,
    /// The request's own `Host`, a name that is not the public URL's: a page
    /// of that name posting to itself — or another site whose name was
    /// pointed at this server (DNS rebinding), which cannot be told apart.
    UnknownName(String),
}

/// Checks a POST's `Origin` against the public URL (`--public-url` /
/// `UNLEASH_URL`). The request's `Host` counts too only where DNS rebinding
/// cannot be behind it: when it is an IP address or `localhost` (a rebound
/// name keeps the attacker's name in both `Host` and `Origin`).
fn origin_of(headers: &HeaderMap, public_host: Option<&str>) -> Origin {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Origin::Ours;
    };
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .map(|(_, rest)| rest.trim_end_matches('/'));
    let Some(origin_host) = origin_host else {
        return Origin::Foreign;
    };
    if public_host.is_some_and(|h| origin_host.eq_ignore_ascii_case(h)) {
        return Origin::Ours;
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    match host {
        Some(host) if origin_host.eq_ignore_ascii_case(host) => {
            if cannot_be_rebound(host) {
                Origin::Ours
            } else {
                Origin::UnknownName(host.to_ascii_lowercase())
            }
        }
        _ => Origin::Foreign,
    }
}

/// `host[:port]` is an IP address or `localhost`: no DNS answer an attacker
/// controls decides where a browser sends it.
fn cannot_be_rebound(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or(bracketed),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.eq_ignore_ascii_case("localhost") || name.parse::<std::net::IpAddr>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::url_host;

    #[test]
    fn origins_are_the_public_url_or_an_address_host() {
        let headers = |host: &'static str, origin: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::HOST, HeaderValue::from_static(host));
            if let Ok(value) = HeaderValue::from_str(origin) {
                h.insert(header::ORIGIN, value);
            }
            h
        };
        let public = url_host("https://Flags.example.com/");
        let public = public.as_deref();
        assert_eq!(public, Some("flags.example.com"));
        let local = "127.0.0.1:4242";
        assert_eq!(
            origin_of(&headers(local, "http://127.0.0.1:4242"), None),
            Origin::Ours
        );
        assert_eq!(
            origin_of(&headers("[::1]:4242", "http://[::1]:4242"), None),
            Origin::Ours
        );
        assert_eq!(
            origin_of(&headers("localhost:4242", "http://localhost:4242"), None),
            Origin::Ours
        );
        assert_eq!(
            origin_of(&headers(local, "https://flags.example.com"), public),
            Origin::Ours
        );
        assert_eq!(
            origin_of(
                &headers("flags.example.com", "https://flags.example.com"),
                public
            ),
            Origin::Ours
        );
        assert_eq!(
            origin_of(&headers(local, "https://flags.example.com"), None),
            Origin::Foreign
        );
        assert_eq!(
            origin_of(&headers(local, "http://evil.example"), public),
            Origin::Foreign
        );
        assert_eq!(origin_of(&headers(local, "null"), public), Origin::Foreign);
        // DNS rebinding: the attacker's name in both Host and Origin.
        assert_eq!(
            origin_of(&headers("evil.example", "http://evil.example"), public),
            Origin::UnknownName("evil.example".to_owned())
        );
        assert_eq!(origin_of(&HeaderMap::new(), None), Origin::Ours);
        assert_eq!(
            url_host("http://localhost:8080").as_deref(),
            Some("localhost:8080")
        );
    }
}
