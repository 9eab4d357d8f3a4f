//! Favorites (`/api/admin/projects/:p/favorites` and
//! `/api/admin/projects/:p/features/:f/favorites`): the caller stars or
//! unstars a project or a flag for themselves. The caller is a personal
//! access token's user; an API token belongs to no user, so it is answered
//! 400 (Unleash has no user to store it for either). Answers 200 with no
//! body, as Unleash does; every role may star (it changes only the caller's
//! own view).

use std::collections::BTreeSet;

use crate::api::routes::{post, Routes};
use axum::extract::{Path, State};
use axum::http::StatusCode;

use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use flagstaff_domain::ops::{FavoriteTarget, FlagName, ProjectId, SetFavorite};
use flagstaff_storage::FavoriteKind;

pub fn router() -> Routes {
    Routes::new()
        .route(
            "/api/admin/projects/{project}/favorites",
            post(star_project).delete(unstar_project),
        )
        .route(
            "/api/admin/projects/{project}/features/{feature}/favorites",
            post(star_flag).delete(unstar_flag),
        )
}

/// What the caller has starred of `kind`: none for an API token.
pub(super) async fn starred(
    state: &AppState,
    admin: &AdminToken,
    kind: FavoriteKind,
) -> ApiResult<BTreeSet<String>> {
    Ok(match &admin.user {
        Some(user) => state.store.favorites(kind, user.user_id).await?,
        None => BTreeSet::new(),
    })
}

/// The caller's user id: favorites belong to users.
fn user_of(admin: &AdminToken) -> ApiResult<i64> {
    admin.user.as_ref().map(|u| u.user_id).ok_or_else(|| {
        ApiError::BadData(
            "Favorites belong to users: use a personal access token, not an API token".to_owned(),
        )
    })
}

async fn set(
    state: &AppState,
    admin: &AdminToken,
    target: FavoriteTarget,
    favorite: bool,
) -> ApiResult<StatusCode> {
    let operation = SetFavorite {
        user_id: user_of(admin)?,
        target,
        favorite,
    };
    state.apply(&admin.actor(), operation).await?;
    Ok(StatusCode::OK)
}

fn flag_target(project: &str, feature: &str) -> ApiResult<FavoriteTarget> {
    Ok(FavoriteTarget::Flag {
        project: ProjectId::in_path(project)?,
        flag: FlagName::in_path(feature)?,
    })
}

#[utoipa::path(
    post,
    path = "/api/admin/projects/{project}/favorites",
    summary = "Stars a project for the caller",
    responses(
        (status = 200, description = "Starred (starring again changes nothing)"),
        (status = 400, description = "An API token (favorites belong to users)"),
        (status = 404, description = "No such project"),
    )
)]
async fn star_project(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(project): Path<String>,
) -> ApiResult<StatusCode> {
    let target = FavoriteTarget::Project(ProjectId::in_path(&project)?);
    set(&state, &admin, target, true).await
}

#[utoipa::path(
    delete,
    path = "/api/admin/projects/{project}/favorites",
    summary = "Unstars a project for the caller",
    responses(
        (status = 200, description = "Not starred any more"),
        (status = 400, description = "An API token (favorites belong to users)"),
        (status = 404, description = "No such project"),
    )
)]
async fn unstar_project(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(project): Path<String>,
) -> ApiResult<StatusCode> {
    let target = FavoriteTarget::Project(ProjectId::in_path(&project)?);
    set(&state, &admin, target, false).await
}

#[utoipa::path(
    post,
    path = "/api/admin/projects/{project}/features/{feature}/favorites",
    summary = "Stars a flag for the caller",
    responses(
        (status = 200, description = "Starred (starring again changes nothing)"),
        (status = 400, description = "An API token (favorites belong to users)"),
        (status = 404, description = "No such project or live flag in it"),
    )
)]
async fn star_flag(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((project, feature)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    set(&state, &admin, flag_target(&project, &feature)?, true).await
}

#[utoipa::path(
    delete,
    path = "/api/admin/projects/{project}/features/{feature}/favorites",
    summary = "Unstars a flag for the caller",
    responses(
        (status = 200, description = "Not starred any more"),
        (status = 400, description = "An API token (favorites belong to users)"),
        (status = 404, description = "No such project or live flag in it"),
    )
)]
async fn unstar_flag(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((project, feature)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    set(&state, &admin, flag_target(&project, &feature)?, false).await
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(star_project, unstar_project, star_flag, unstar_flag))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Admin: flags", "favorites")
}
