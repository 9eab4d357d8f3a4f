//! API tokens: list (with public ids, never secrets), create (the secret is
//! shown once, in the answer), delete by id or secret.

use crate::api::routes::{get, Routes};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::ApiObject;
use crate::auth::{AdminToken, TokenKind};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use flagstaff_domain::ops::tokens::{self, CreateToken, RevokeToken, SetTokenExpiry, TokenRequest};

pub fn router() -> Routes {
    Routes::new()
        .route("/api/admin/api-tokens", get(list).post(create))
        .route(
            "/api/admin/api-tokens/{token}",
            get(named).put(set_expiry).delete(remove),
        )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateBody {
    #[serde(alias = "username")]
    token_name: String,
    #[serde(rename = "type")]
    token_type: String,
    #[serde(default)]
    environment: Option<String>,
    #[serde(default)]
    project: Option<String>,
    #[serde(default)]
    projects: Option<Vec<String>>,
    #[serde(default)]
    expires_at: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/admin/api-tokens",
    summary = "Every API token (without secrets)",
    responses(
        (status = 200, description = "OK", body = Object),
    )
)]
async fn list(State(state): State<AppState>, _admin: AdminToken) -> ApiResult<Json<Value>> {
    let tokens: Vec<Value> = state
        .store
        .tokens()
        .await?
        .iter()
        .map(tokens::public_json)
        .collect();
    Ok(Json(json!({"tokens": tokens})))
}

#[utoipa::path(
    post,
    path = "/api/admin/api-tokens",
    summary = "Creates an API token (the secret is shown once)",
    request_body = Object,
    responses(
        (status = 201, description = "Created", body = Object),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn create(
    State(state): State<AppState>,
    admin: AdminToken,
    ApiObject(body): ApiObject<CreateBody>,
) -> ApiResult<Response> {
    let kind = TokenKind::parse(&body.token_type)
        .ok_or_else(|| ApiError::BadData(format!("unknown token type {:?}", body.token_type)))?;
    let request = TokenRequest {
        name: body.token_name,
        kind,
        projects: body
            .projects
            .or_else(|| body.project.map(|p| vec![p]))
            .unwrap_or_default(),
        environment: body.environment,
        expires_at: body.expires_at,
    };
    let created = state.apply(&admin.actor(), CreateToken(request)).await?;
    let mut answer = tokens::public_json(&created.row);
    answer["secret"] = json!(created.secret);
    Ok((StatusCode::CREATED, Json(answer)).into_response())
}

/// `:token` is the token's public id or its secret (Unleash's form).
#[utoipa::path(
    delete,
    path = "/api/admin/api-tokens/{token}",
    summary = "Deletes a token",
    responses(
        (status = 200, description = "OK"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn remove(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(token): Path<String>,
) -> ApiResult<StatusCode> {
    let operation = RevokeToken {
        id_or_secret: token,
    };
    state.apply(&admin.actor(), operation).await?;
    Ok(StatusCode::OK)
}

/// The tokens with this name (Unleash's `GET /api/admin/api-tokens/:name`).
#[utoipa::path(
    get,
    path = "/api/admin/api-tokens/{token}",
    summary = "The tokens of this name",
    responses(
        (status = 200, description = "OK", body = Object),
    )
)]
async fn named(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(name): Path<String>,
) -> ApiResult<Json<Value>> {
    let tokens: Vec<Value> = state
        .store
        .tokens()
        .await?
        .iter()
        .filter(|t| t.token_name == name)
        .map(tokens::public_json)
        .collect();
    Ok(Json(json!({"tokens": tokens})))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct ExpiryBody {
    expires_at: String,
}

/// `:token` is the token's public id or its secret.
#[utoipa::path(
    put,
    path = "/api/admin/api-tokens/{token}",
    summary = "Changes a token's expiry",
    request_body = ExpiryBody,
    responses(
        (status = 200, description = "OK"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn set_expiry(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(token): Path<String>,
    ApiObject(body): ApiObject<ExpiryBody>,
) -> ApiResult<StatusCode> {
    let operation = SetTokenExpiry {
        id_or_secret: token,
        expires_at: body.expires_at,
    };
    state.apply(&admin.actor(), operation).await?;
    Ok(StatusCode::OK)
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(list, create, named, set_expiry, remove))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Admin: API tokens", "tokens")
}
