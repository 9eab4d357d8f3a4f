//! The screens around the flags: segments, context fields, API tokens,
//! projects, environments and applications.

use axum::Router;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
