//! The caller's personal access tokens (`/api/admin/user/tokens`, Unleash's
//! shapes): list (never a secret), create (the secret shown once, in the
//! answer), delete. Only a PAT's user calls these — with a PAT, whatever their
//! role; an API token belongs to nobody (403). The web UI's profile page
//! applies the same operations.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::id_in_path;
use crate::api::routes::{delete, get, Routes};
use crate::api::ApiObject;
use crate::auth::AdminUser;
use crate::error::ApiResult;
use crate::state::AppState;
use flagstaff_domain::ops::{Actor, CreatePat, DeletePat};
use flagstaff_domain::wire::tokens::PatView;

pub fn router() -> Routes {
    Routes::new()
        .route("/api/admin/user/tokens", get(list).post(create))
        .route("/api/admin/user/tokens/{id}", delete(remove))
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"pats": [{"id": 3, "description": "CI scripts",
    "expiresAt": "2026-03-01T00:00:00Z", "createdAt": "2025-03-01T09:00:00Z", "seenAt": null,
    "userId": 1}]}))]
struct PatList<'a> {
    pats: Vec<PatView<'a>>,
}

/// A personal access token just created: the only answer with its secret.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"id": 3, "description": "CI scripts",
    "expiresAt": "2026-03-01T00:00:00Z", "createdAt": "2025-03-01T09:00:00Z", "seenAt": null,
    "userId": 1, "secret": "user:0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5"}))]
struct CreatedPat<'a> {
    #[serde(flatten)]
    pat: PatView<'a>,
    secret: &'a str,
}

#[utoipa::path(
    get,
    path = "/api/admin/user/tokens",
    summary = "The caller's personal access tokens (never their secrets)",
    responses(
        (status = 200, description = "The caller's tokens", body = PatList),
    )
)]
async fn list(State(state): State<AppState>, AdminUser(user): AdminUser) -> ApiResult<Response> {
    let pats = state.store.pats_of_user(user.user_id).await?;
    let pats = pats.iter().map(PatView::from).collect();
    Ok(Json(PatList { pats }).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = PatInput, example = json!({"description": "CI scripts", "expiresAt": "2026-03-01T00:00:00Z"}))]
struct CreateBody {
    #[serde(default)]
    description: String,
    #[serde(default)]
    expires_at: String,
}

#[utoipa::path(
    post,
    path = "/api/admin/user/tokens",
    summary = "Creates a personal access token; its secret is in this answer only",
    request_body = CreateBody,
    responses(
        (status = 201, description = "The token, with its secret", body = CreatedPat),
        (status = 400, description = "Invalid input"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn create(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    ApiObject(body): ApiObject<CreateBody>,
) -> ApiResult<Response> {
    let operation = CreatePat {
        user_id: user.user_id,
        description: body.description,
        expires_at: body.expires_at,
    };
    let created = state
        .apply(&Actor::named(&user.username), operation)
        .await?;
    let answer = CreatedPat {
        pat: PatView::from(&created.row),
        secret: &created.secret,
    };
    Ok((StatusCode::CREATED, Json(answer)).into_response())
}

#[utoipa::path(
    delete,
    path = "/api/admin/user/tokens/{id}",
    summary = "Deletes one of the caller's personal access tokens",
    responses(
        (status = 200, description = "OK"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
    )
)]
async fn remove(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let operation = DeletePat {
        user_id: user.user_id,
        id: id_in_path(&id, "personal access token")?,
    };
    state
        .apply(&Actor::named(&user.username), operation)
        .await?;
    Ok(StatusCode::OK)
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(list, create, remove))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Admin: personal access tokens", "pats")
}
