//! A project's API tokens (`/api/admin/projects/:p/api-tokens`, Unleash's
//! shapes): list the tokens scoped to exactly that project, create a
//! backend or frontend token of it (the secret in this answer only), delete
//! one of them. Admins only (a path with `api-tokens`: `auth::role_allows`);
//! the rules are `ops::project_tokens`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use super::super::tokens::{CreatedToken, TokenList};
use crate::api::routes::{delete, get, Routes};
use crate::api::ApiObject;
use crate::auth::{AdminToken, TokenKind};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use flagstaff_domain::ops::{CreateProjectToken, ProjectId, RevokeProjectToken};
use flagstaff_domain::wire::tokens::TokenView;

pub fn router() -> Routes {
    Routes::new()
        .route(
            "/api/admin/projects/{project}/api-tokens",
            get(list).post(create),
        )
        .route(
            "/api/admin/projects/{project}/api-tokens/{token}",
            delete(remove),
        )
}

#[utoipa::path(
    get,
    path = "/api/admin/projects/{project}/api-tokens",
    summary = "The API tokens of exactly this project (without secrets)",
    responses(
        (status = 200, description = "The project's tokens", body = TokenList),
        (status = 404, description = "No such project"),
    )
)]
async fn list(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(project): Path<String>,
) -> ApiResult<Response> {
    let project = ProjectId::in_path(&project)?;
    if !state.store.project_exists(project.as_str()).await? {
        return Err(ApiError::NotFound(format!(
            "Could not find project {}",
            project.as_str()
        )));
    }
    let tokens = state.store.tokens().await?;
    let tokens = tokens
        .iter()
        .filter(|t| t.projects == [project.as_str()])
        .map(TokenView::from)
        .collect();
    Ok(Json(TokenList { tokens }).into_response())
}

/// A new token of the project: `type` is `client` (or `backend`) or `frontend`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ProjectApiTokenInput, example = json!({"tokenName": "checkout-service",
    "type": "backend", "environment": "production"}))]
struct CreateBody {
    #[serde(alias = "username")]
    token_name: String,
    #[serde(rename = "type")]
    token_type: String,
    #[serde(default)]
    environment: Option<String>,
    #[serde(default)]
    expires_at: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/admin/projects/{project}/api-tokens",
    summary = "Creates a backend or frontend token of this project (the secret is shown once)",
    request_body = CreateBody,
    responses(
        (status = 201, description = "The token, with its secret", body = CreatedToken),
        (status = 400, description = "Invalid input (an admin token, an unknown environment)"),
        (status = 404, description = "No such project"),
    )
)]
async fn create(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(project): Path<String>,
    ApiObject(body): ApiObject<CreateBody>,
) -> ApiResult<Response> {
    let project = ProjectId::in_path(&project)?;
    let kind = TokenKind::parse(&body.token_type)
        .ok_or_else(|| ApiError::BadData(format!("unknown token type {:?}", body.token_type)))?;
    let operation = CreateProjectToken {
        project,
        name: body.token_name,
        kind,
        environment: body.environment,
        expires_at: body.expires_at,
    };
    let created = state.apply(&admin.actor(), operation).await?;
    let answer = CreatedToken {
        token: TokenView::from(&created.row),
        secret: &created.secret,
    };
    Ok((StatusCode::CREATED, Json(answer)).into_response())
}

/// `:token` is the token's public id or its secret.
#[utoipa::path(
    delete,
    path = "/api/admin/projects/{project}/api-tokens/{token}",
    summary = "Deletes a token of this project",
    responses(
        (status = 200, description = "OK"),
        (status = 404, description = "No such project, or no such token of it"),
    )
)]
async fn remove(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((project, token)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let operation = RevokeProjectToken {
        project: ProjectId::in_path(&project)?,
        id_or_secret: token,
    };
    state.apply(&admin.actor(), operation).await?;
    Ok(StatusCode::OK)
}

/// This module's part of the projects' OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(list, create, remove))]
    struct Doc;
    Doc::openapi()
}
