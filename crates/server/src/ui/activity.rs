//! What happened and what would happen: a flag's metrics chart, the event
//! log (per flag and global) with before/after diffs, and the playground.

use axum::Router;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
