//! `GET /health` (liveness: the process answers) and `GET /ready`
//! (readiness: the database answers too), in Unleash's shape
//! (`{"health": "GOOD"}`). A load balancer may keep sending SDK reads to a
//! server that is not ready — they are answered from memory — but writes
//! there are refused with 503 until the database answers again.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use crate::api::routes::{get, Routes};
use crate::state::AppState;

/// How long `/ready` waits for the database to answer `SELECT 1`.
pub const READY_TIMEOUT: Duration = Duration::from_secs(1);

pub fn router() -> Routes {
    Routes::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
}

/// Unleash's health body.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"health": "GOOD"}))]
struct Health {
    /// `GOOD` or `BAD`.
    health: &'static str,
    /// What is wrong, when `BAD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

impl Health {
    const GOOD: Health = Health {
        health: "GOOD",
        message: None,
    };
}

#[utoipa::path(
    get,
    path = "/health",
    summary = "Whether the server is up",
    security(()),
    responses((status = 200, description = "Always `{\"health\": \"GOOD\"}`, whether or not the database answers (see `/ready`)", body = Health))
)]
async fn health() -> Json<Health> {
    Json(Health::GOOD)
}

#[utoipa::path(
    get,
    path = "/ready",
    summary = "Whether the server can take writes: its database answers",
    description = "For a readiness probe. Asks the database a trivial query (at most 1 s) and checks \
        that the flags are loaded. While it answers 503, client and frontend APIs still answer \
        from memory, and writes answer 503.",
    security(()),
    responses(
        (status = 200, description = "`{\"health\": \"GOOD\"}`: the database answered and the flags are loaded", body = Health),
        (status = 503, description = "`{\"health\": \"BAD\", \"message\": …}`: what is wrong (the database is unreachable, or did not answer in time)", body = Health,
            example = json!({"health": "BAD", "message": "The database is unreachable."}))
    )
)]
async fn ready(State(state): State<AppState>) -> Response {
    let reachability = state.store.reachability();
    let problem = match tokio::time::timeout(READY_TIMEOUT, state.store.ping()).await {
        Ok(Ok(())) => {
            reachability.answered();
            None
        }
        Ok(Err(e)) if e.is_unreachable() => {
            reachability.down("the readiness check", &e);
            Some("The database is unreachable.".to_owned())
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "the readiness check's query failed");
            Some("The database did not run the readiness check's query.".to_owned())
        }
        Err(_) => {
            let late = format!(
                "The database did not answer within {} s.",
                READY_TIMEOUT.as_secs()
            );
            reachability.down("the readiness check", &late);
            Some(late)
        }
    };
    let problem = problem.or_else(|| {
        (!state.snapshots.load().is_built())
            .then(|| "The flags are not loaded from the database yet.".to_owned())
    });
    match problem {
        None => Json(Health::GOOD).into_response(),
        Some(message) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(Health {
                health: "BAD",
                message: Some(message),
            }),
        )
            .into_response(),
    }
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(health, ready))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Health", "health")
}
