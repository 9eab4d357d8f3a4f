//! What happened and what would happen: a flag's metrics chart
//! (`activity/metrics.rs`), the event log, global and per flag, with
//! before/after diffs (`activity/events.rs`, `activity/diff.rs`), and the
//! playground (`activity/playground.rs`). All read-only: every role sees them.

mod diff;
mod events;
mod metrics;
mod playground;

use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::{internal, message, minute, SignedIn};
use crate::state::AppState;
use flagstaff_storage::FlagRow;

pub fn routes() -> Router<AppState> {
    let feature = "/projects/{project}/features/{feature}";
    Router::new()
        .route(&format!("{feature}/metrics"), get(metrics::page))
        .route(&format!("{feature}/events"), get(events::for_flag))
        .route("/events", get(events::global))
        .route("/playground", get(playground::page))
}

/// The flag of a path, live or archived, if it is in that project (else the
/// 404 page or a 500).
async fn flag_in_project(
    state: &AppState,
    signed: &SignedIn,
    project: &str,
    feature: &str,
) -> Result<FlagRow, Response> {
    match state.store.flag(feature).await {
        Ok(Some(flag)) if flag.project == project => Ok(flag),
        Ok(_) => Err(message(
            StatusCode::NOT_FOUND,
            "No such flag",
            &format!("Project {project} has no flag {feature}."),
            signed.nav(),
        )),
        Err(e) => Err(internal(e)),
    }
}
