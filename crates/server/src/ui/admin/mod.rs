//! The screens around the flags, one module each: segments, context fields,
//! API tokens (Admins only), projects (with their environments),
//! environments and the applications SDKs reported. Every change is the
//! operation the admin API applies, in the signed-in user's name; Viewers see
//! the screens without controls and every POST of theirs is a 403.

mod applications;
mod context;
mod environments;
mod projects;
mod segments;
mod tokens;

use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::{message, SignedIn};
use crate::path_segment::path_segment;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/segments", get(segments::list).post(segments::create))
        .route("/segments/new", get(segments::new_form))
        .route(
            "/segments/{id}",
            get(segments::edit_form).post(segments::update),
        )
        .route("/segments/{id}/delete", post(segments::delete))
        .route("/context", get(context::list).post(context::create))
        .route("/context/new", get(context::new_form))
        .route(
            "/context/{name}",
            get(context::edit_form).post(context::update),
        )
        .route("/context/{name}/delete", post(context::delete))
        .route("/api-tokens", get(tokens::list).post(tokens::create))
        .route("/api-tokens/{id}/delete", post(tokens::delete))
        .route("/projects", get(projects::list).post(projects::create))
        .route(
            "/projects/{project}",
            get(projects::edit_form).post(projects::update),
        )
        .route("/projects/{project}/delete", post(projects::delete))
        .route(
            "/projects/{project}/environments",
            post(projects::enable_environment),
        )
        .route(
            "/projects/{project}/environments/{environment}/disable",
            post(projects::disable_environment),
        )
        .route(
            "/environments",
            get(environments::list).post(environments::create),
        )
        .route("/environments/{name}/switch", post(environments::switch))
        .route("/applications", get(applications::list))
        .route("/applications/{app}", get(applications::page))
}

/// Rows on one page of a list.
const PAGE: usize = 100;

/// `?page=N` (from 0).
#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<usize>,
}

/// Links to the neighbouring pages of a list.
pub struct Pager {
    pub page: usize,
    pub previous: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    /// `base` is the list's path; `more`: a further page exists.
    fn new(base: &str, page: usize, more: bool) -> Pager {
        let link = |page: usize| format!("{base}?page={page}");
        Pager {
            page,
            previous: (page > 0).then(|| link(page - 1)),
            next: more.then(|| link(page + 1)),
        }
    }
}

/// One page of `items` (all of them in memory), and its pager.
fn page_of<T>(items: Vec<T>, query: &PageQuery, base: &str) -> (Vec<T>, Pager) {
    let page = query.page.unwrap_or(0);
    let start = page.saturating_mul(PAGE);
    let more = items.len() > start.saturating_add(PAGE);
    let shown = items.into_iter().skip(start).take(PAGE).collect();
    (shown, Pager::new(base, page, more))
}

/// A 403 unless the form carries the session's CSRF token and the user may
/// change things (Admin or Editor).
fn refuse_change(signed: &SignedIn, csrf: Option<&str>) -> Option<Response> {
    signed.csrf_refusal(csrf).or_else(|| refuse_viewer(signed))
}

/// A 403 for Viewers asking for a "new …" form.
fn refuse_viewer(signed: &SignedIn) -> Option<Response> {
    (!signed.role.can_edit()).then(|| {
        message(
            StatusCode::FORBIDDEN,
            "Not allowed",
            "Viewers can look but not change anything.",
            signed.nav(),
        )
    })
}

/// The first value of `key` in a form posted as pairs.
fn field<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// Empty text (after trimming) is no value.
fn non_empty(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

fn not_found(signed: &SignedIn, what: &str) -> Response {
    message(StatusCode::NOT_FOUND, "Not found", what, signed.nav())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_of_a_list() {
        let (shown, pager) = page_of((0..250).collect(), &PageQuery { page: Some(1) }, "/x");
        assert_eq!(shown.first(), Some(&100));
        assert_eq!(shown.len(), 100);
        assert_eq!(pager.previous.as_deref(), Some("/x?page=0"));
        assert_eq!(pager.next.as_deref(), Some("/x?page=2"));
        let (shown, pager) = page_of(
            (0..250).collect::<Vec<i32>>(),
            &PageQuery { page: Some(2) },
            "/x",
        );
        assert_eq!(shown.len(), 50);
        assert_eq!(pager.next, None);
    }
}
