//! What a user is told around a change, with and without JavaScript.
//!
//! - **Confirmation** before a destructive action. The form carries
//!   `data-confirm="Delete token “x”?"`; with JavaScript `flagstaff.js` asks
//!   in a `<dialog>` and adds `confirmed=yes`. Without it the POST arrives
//!   unconfirmed and [`unconfirmed`] answers a page with the question, a form
//!   re-posting the same fields plus `confirmed=yes`, and a Cancel link —
//!   nothing is changed until that second POST.
//! - **Notices** after Post/Redirect/Get: [`done`] redirects with a
//!   short-lived cookie holding the sentence; the next page shows it in the
//!   `role="status"` region of `base.html` (`SignedIn` reads it into `Nav`)
//!   and the UI's front door (`guard.rs`) clears it once an HTML page has
//!   been answered. A cookie rather than a query parameter, so a reload or a
//!   shared link does not repeat it.
//! - **In place**: a request that asks for JSON (`Accept: application/json`,
//!   what `flagstaff.js` sends for a switch) gets [`InPlace`]'s JSON answer
//!   instead of a redirect.

use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use serde::Serialize;

use super::{cookie, render, Nav};

/// The field a confirmed destructive form carries (`confirmed=yes`).
pub const CONFIRMED: &str = "confirmed";
/// The cookie that carries a notice to the next page.
pub const NOTICE_COOKIE: &str = "flagstaff_notice";
/// A notice is a sentence, not a document: longer ones are cut.
const NOTICE_MAX: usize = 300;

/// What the confirmation page asks.
pub struct Ask<'a> {
    /// "Delete the API token “ci”?" — the same text as the form's `data-confirm`.
    pub question: &'a str,
    /// What happens, in a sentence (or empty).
    pub detail: &'a str,
    /// The button that does it: "Delete token".
    pub button: &'a str,
    /// Where Cancel goes (the page the form was on).
    pub cancel: &'a str,
}

#[derive(Template)]
#[template(path = "confirm.html")]
struct ConfirmPage<'a> {
    nav: Option<Nav>,
    ask: &'a Ask<'a>,
    action: &'a str,
    fields: Vec<&'a (String, String)>,
}

/// The form said `confirmed=yes`.
pub fn confirmed(fields: &[(String, String)]) -> bool {
    fields.iter().any(|(k, v)| k == CONFIRMED && v == "yes")
}

/// `Some(the confirmation page)` for a form posted to `action` without
/// `confirmed=yes`; `None` when it is confirmed and the change may go ahead.
/// Call it after the CSRF and role checks, before the operation.
pub fn unconfirmed(
    fields: &[(String, String)],
    action: &str,
    ask: &Ask<'_>,
    nav: Option<Nav>,
) -> Option<Response> {
    if confirmed(fields) {
        return None;
    }
    let page = ConfirmPage {
        nav,
        ask,
        action,
        fields: fields.iter().filter(|(k, _)| k != CONFIRMED).collect(),
    };
    Some(render(StatusCode::OK, &page))
}

/// `303 See Other` to `to`, with `notice` shown on that page.
pub fn done(to: &str, notice: &str) -> Response {
    with_notice(Redirect::to(to).into_response(), notice)
}

/// `response` with `notice` set for the next page.
pub fn with_notice(mut response: Response, notice: &str) -> Response {
    let text: String = notice.chars().take(NOTICE_MAX).collect();
    let value: String = url::form_urlencoded::byte_serialize(text.as_bytes()).collect();
    if let Ok(cookie) = HeaderValue::from_str(&format!(
        "{NOTICE_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=120"
    )) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// The notice the request's cookie carries, if any.
pub fn notice(headers: &HeaderMap) -> Option<String> {
    let value = cookie(headers, NOTICE_COOKIE).filter(|v| !v.is_empty())?;
    let (text, _) = url::form_urlencoded::parse(value.as_bytes()).next()?;
    let text: String = text.chars().take(NOTICE_MAX).collect();
    (!text.trim().is_empty()).then_some(text)
}

/// Clears a notice the request carried once `response` is an HTML page
/// (the page that showed it) and sets no new one; a redirect keeps it for
/// the page it leads to.
pub(super) fn clear_shown(had_notice: bool, response: &mut Response) {
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|t| t.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    let sets_one = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|c| c.as_bytes().starts_with(NOTICE_COOKIE.as_bytes()));
    if had_notice && html && !sets_one {
        response.headers_mut().append(
            header::SET_COOKIE,
            HeaderValue::from_static(
                "flagstaff_notice=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0",
            ),
        );
    }
}

/// Whether the request asked for a JSON answer (`Accept: application/json`):
/// a change made in place by `flagstaff.js`, which updates the page itself.
pub struct InPlace(pub bool);

impl<S: Send + Sync> FromRequestParts<S> for InPlace {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let json = parts
            .headers
            .get(header::ACCEPT)
            .and_then(|a| a.to_str().ok())
            .is_some_and(|a| a.contains("application/json"));
        Ok(InPlace(json))
    }
}

/// What a change made in place answers: the sentence to announce and, for a
/// switch, its new state.
#[derive(Serialize)]
pub struct Changed {
    pub notice: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

impl Changed {
    /// What an environment switch says it did.
    pub fn switched(feature: &str, environment: &str, enabled: bool) -> Changed {
        let state = if enabled { "on" } else { "off" };
        Changed {
            notice: format!("Switched {feature} {state} in {environment}."),
            enabled: Some(enabled),
        }
    }
}

/// A switch form's `enabled`: `true` (switch on) or `false` (off).
pub fn on_or_off(enabled: Option<&str>) -> Option<bool> {
    match enabled {
        Some("true") => Some(true),
        Some("false") => Some(false),
        _ => None,
    }
}

impl InPlace {
    /// JSON for `flagstaff.js`, or the redirect to `to` with the notice.
    pub fn answer(&self, to: &str, changed: Changed) -> Response {
        if self.0 {
            Json(changed).into_response()
        } else {
            done(to, &changed.notice)
        }
    }
}

/// Whether a request is a browser's page load (it accepts HTML), as opposed
/// to an API client or a script asking for something else.
pub fn from_browser(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .is_some_and(|a| a.contains("text/html"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn only_confirmed_yes_confirms() {
        assert!(confirmed(&pairs(&[("_csrf", "x"), ("confirmed", "yes")])));
        assert!(!confirmed(&pairs(&[("_csrf", "x"), ("confirmed", "no")])));
        assert!(!confirmed(&pairs(&[("_csrf", "x")])));
    }

    #[test]
    fn a_notice_survives_its_cookie() {
        let response = done("/api-tokens", "Deleted the token “ci; a=b”.");
        let set = response.headers()[header::SET_COOKIE]
            .to_str()
            .expect("text");
        let value = set.split(';').next().expect("pair");
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_str(value).expect("value"));
        assert_eq!(
            notice(&headers).as_deref(),
            Some("Deleted the token “ci; a=b”.")
        );
    }
}
