//! What Unleash Edge asks of its upstream besides the client API:
//! `POST /edge/validate` (which of these secrets are live tokens, and their
//! scope — Edge sends no `Authorization` header) and
//! `POST /api/client/metrics/edge` (Edge's own instance data, accepted and
//! not kept). SDK metrics relayed by Edge arrive on
//! `POST /api/client/metrics/bulk` (`client_metrics.rs`); flags on
//! `/api/client/features`, or `/api/client/delta` and `/api/client/streaming`
//! with Edge's `--streaming`.

use crate::api::routes::{post, Routes};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::api::{ApiJson, ApiObject};
use crate::auth::ClientToken;
use crate::client_address::ClientAddress;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Most secrets one validation may ask about.
const MAX_TOKENS: usize = 1_000;

pub fn router() -> Routes {
    Routes::new()
        .route("/edge/validate", post(validate))
        .route("/api/client/metrics/edge", post(instance_data))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = EdgeValidateBody, example = json!({"tokens": ["*:development.4a1b2c3d", "default:development.9e8f7a6b"]}))]
struct ValidateBody {
    tokens: Vec<String>,
}

/// The live tokens among those asked about.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = EdgeValidated, example = json!({"tokens": [{"token": "*:development.4a1b2c3d", "type": "client", "environment": "development", "projects": ["*"]}]}))]
struct Validated {
    tokens: Vec<EdgeToken>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct EdgeToken {
    token: String,
    /// `client` or `frontend`.
    #[serde(rename = "type")]
    kind: &'static str,
    environment: String,
    projects: Vec<String>,
}

/// The live tokens among those asked about, with their scope. Asking about a
/// secret that is not a token counts as a wrong token for the caller's
/// address, so this is no faster an oracle than guessing on any other route.
#[utoipa::path(
    post,
    path = "/edge/validate",
    summary = "Which of these secrets are live client or frontend tokens, and their scope",
    security(()),
    request_body = ValidateBody,
    responses(
        (status = 200, description = "The live tokens and their scope", body = Validated),
        (status = 400, description = "Invalid input"),
        (status = 429, description = "Too many requests"),
    )
)]
async fn validate(
    State(state): State<AppState>,
    address: ClientAddress,
    ApiObject(body): ApiObject<ValidateBody>,
) -> ApiResult<Json<Validated>> {
    if body.tokens.len() > MAX_TOKENS {
        return Err(ApiError::BadData(format!(
            "at most {MAX_TOKENS} tokens in one validation"
        )));
    }
    let mut tokens = Vec::new();
    let mut wrong = 0;
    for secret in body.tokens {
        match state.tokens.find(&secret) {
            Some(token) => tokens.push(EdgeToken {
                token: secret,
                kind: token.kind.as_str(),
                environment: token.environment,
                projects: token.projects,
            }),
            None => wrong += 1,
        }
    }
    // Each wrong token counts, and a validation naming one is refused once
    // the address is over its budget: one naming only valid tokens never is.
    if let Some(address) = address.0 {
        for _ in 0..wrong {
            if let Err(retry_after) = state.quotas.failed_auth.take(&address) {
                return Err(ApiError::TooManyRequests {
                    message:
                        "Too many requests with a wrong token from this address; try again later"
                            .to_owned(),
                    retry_after,
                });
            }
        }
    }
    Ok(Json(Validated { tokens }))
}

/// Edge's report about itself (traffic, latency, connected SDKs): accepted so
/// Edge does not back off, and not stored.
#[utoipa::path(
    post,
    path = "/api/client/metrics/edge",
    summary = "Edge's own instance data (accepted, not kept)",
    request_body(content = Object, description = "Edge's report about itself, in whatever shape its version sends: any JSON object",
        example = json!({"identifier": "edge-1", "appName": "unleash-edge", "edgeVersion": "19.6.0", "started": "2025-03-01T09:00:00Z"})),
    responses(
        (status = 202, description = "Accepted"),
        (status = 400, description = "Invalid input"),
    )
)]
async fn instance_data(
    ClientToken(_token): ClientToken,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<StatusCode> {
    if !body.is_object() {
        return Err(ApiError::BadData(
            "the body must be a JSON object".to_owned(),
        ));
    }
    Ok(StatusCode::ACCEPTED)
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(validate, instance_data))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Edge", "edge")
}
