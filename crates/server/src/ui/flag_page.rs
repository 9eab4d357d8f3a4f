//! A flag's own pages: creating one, its environments' strategies (the
//! strategy form with rollout, stickiness, constraints, segments and
//! strategy variants), its environment variants and its settings.

use axum::Router;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
