//! API tokens: list (with public ids, never secrets), create (the secret is
//! shown once, in the answer), delete by id or secret.

use crate::api::routes::{get, Routes};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::api::ApiObject;
use crate::auth::{AdminToken, TokenKind};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use flagstaff_domain::ops::tokens::{CreateToken, RevokeToken, SetTokenExpiry, TokenRequest};
use flagstaff_domain::wire::tokens::TokenView;

pub fn router() -> Routes {
    Routes::new()
        .route("/api/admin/api-tokens", get(list).post(create))
        .route(
            "/api/admin/api-tokens/{token}",
            get(named).put(set_expiry).delete(remove),
        )
}

/// A new token: `type` is `client` (or `backend`), `frontend` or `admin`;
/// `projects` (or one `project`) defaults to every project.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ApiTokenInput, example = json!({"tokenName": "checkout-service", "type": "backend",
    "environment": "production", "projects": ["default"], "expiresAt": "2026-01-01T00:00:00Z"}))]
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

#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"tokens": [{"id": "4f0c1a5e-2b7d-4e8f-9a1b-3c5d7e9f1a2b",
    "secretPrefix": "default:production.a1b2", "tokenName": "checkout-service",
    "type": "backend", "environment": "production", "projects": ["default"],
    "project": "default", "createdAt": "2025-03-01T09:00:00Z", "expiresAt": null}]}))]
pub(super) struct TokenList<'a> {
    pub(super) tokens: Vec<TokenView<'a>>,
}

/// A token just created: the only answer that carries its secret.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"id": "4f0c1a5e-2b7d-4e8f-9a1b-3c5d7e9f1a2b",
    "secretPrefix": "default:production.a1b2", "tokenName": "checkout-service",
    "type": "backend", "environment": "production", "projects": ["default"],
    "project": "default", "createdAt": "2025-03-01T09:00:00Z", "expiresAt": null,
    "secret": "default:production.a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c"}))]
pub(super) struct CreatedToken<'a> {
    #[serde(flatten)]
    pub(super) token: TokenView<'a>,
    pub(super) secret: &'a str,
}

#[utoipa::path(
    get,
    path = "/api/admin/api-tokens",
    summary = "Every API token (without secrets)",
    responses(
        (status = 200, description = "Every token", body = TokenList),
    )
)]
async fn list(State(state): State<AppState>, _admin: AdminToken) -> ApiResult<Response> {
    let tokens = state.store.tokens().await?;
    let tokens = tokens.iter().map(TokenView::from).collect();
    Ok(Json(TokenList { tokens }).into_response())
}

#[utoipa::path(
    post,
    path = "/api/admin/api-tokens",
    summary = "Creates an API token (the secret is shown once)",
    request_body = CreateBody,
    responses(
        (status = 201, description = "The token, with its secret", body = CreatedToken),
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
    let answer = CreatedToken {
        token: TokenView::from(&created.row),
        secret: &created.secret,
    };
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
        (status = 200, description = "The tokens of this name", body = TokenList),
    )
)]
async fn named(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(name): Path<String>,
) -> ApiResult<Response> {
    let tokens = state.store.tokens().await?;
    let tokens = tokens
        .iter()
        .filter(|t| t.token_name == name)
        .map(TokenView::from)
        .collect();
    Ok(Json(TokenList { tokens }).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"expiresAt": "2026-06-30T00:00:00Z"}))]
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
