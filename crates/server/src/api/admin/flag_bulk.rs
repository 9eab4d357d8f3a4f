//! Many flags of a project at once: archive (and check what archiving would
//! break), revive and delete archived flags.

use crate::api::routes::{post, Routes};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;

use super::flag_batches::{names, FlagNamesBody};
use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::ApiResult;
use crate::state::AppState;
use flagstaff_domain::ops::{check_archive, ArchiveFlags, DeleteFlags, ProjectId, ReviveFlags};

pub fn router() -> Routes {
    let project = "/api/admin/projects/{project}";
    Routes::new()
        .route(&format!("{project}/archive"), post(archive))
        .route(&format!("{project}/archive/validate"), post(validate))
        .route(&format!("{project}/revive"), post(revive))
        .route(&format!("{project}/delete"), post(delete_archived))
}

#[utoipa::path(
    post,
    path = "/api/admin/projects/{project}/archive",
    summary = "Archives many flags of a project",
    request_body = FlagNamesBody,
    responses(
        (status = 202, description = "Archived"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn archive(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(project): Path<String>,
    ApiObject(body): ApiObject<FlagNamesBody>,
) -> ApiResult<StatusCode> {
    let operation = ArchiveFlags {
        project: ProjectId::in_path(&project)?,
        names: names(&body.features)?,
    };
    state.apply(&admin.actor(), operation).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Unleash's validateArchiveFeaturesSchema.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"parentsWithChildFeatures": ["new-checkout"], "hasDeletedDependencies": true}))]
struct ArchiveValidation {
    /// Flags of the list that flags outside it depend on (archiving them is refused).
    parents_with_child_features: Vec<String>,
    /// Whether archiving the list removes dependencies.
    has_deleted_dependencies: bool,
}

#[utoipa::path(
    post,
    path = "/api/admin/projects/{project}/archive/validate",
    summary = "What archiving these flags would do to dependencies",
    request_body = FlagNamesBody,
    responses(
        (status = 200, description = "The dependencies archiving would break or remove", body = ArchiveValidation),
        (status = 400, description = "Invalid input"),
    )
)]
async fn validate(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(project): Path<String>,
    ApiObject(body): ApiObject<FlagNamesBody>,
) -> ApiResult<Json<ArchiveValidation>> {
    ProjectId::in_path(&project)?;
    let check = check_archive(&state.store, &body.features).await?;
    Ok(Json(ArchiveValidation {
        parents_with_child_features: check.parents_with_child_features,
        has_deleted_dependencies: check.has_deleted_dependencies,
    }))
}

#[utoipa::path(
    post,
    path = "/api/admin/projects/{project}/revive",
    summary = "Revives many archived flags of a project",
    request_body = FlagNamesBody,
    responses(
        (status = 200, description = "Revived"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn revive(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(project): Path<String>,
    ApiObject(body): ApiObject<FlagNamesBody>,
) -> ApiResult<StatusCode> {
    let operation = ReviveFlags {
        project: ProjectId::in_path(&project)?,
        names: names(&body.features)?,
    };
    state.apply(&admin.actor(), operation).await?;
    Ok(StatusCode::OK)
}

#[utoipa::path(
    post,
    path = "/api/admin/projects/{project}/delete",
    summary = "Deletes many archived flags of a project",
    request_body = FlagNamesBody,
    responses(
        (status = 200, description = "Deleted"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn delete_archived(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(project): Path<String>,
    ApiObject(body): ApiObject<FlagNamesBody>,
) -> ApiResult<StatusCode> {
    let operation = DeleteFlags {
        project: ProjectId::in_path(&project)?,
        names: names(&body.features)?,
    };
    state.apply(&admin.actor(), operation).await?;
    Ok(StatusCode::OK)
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(archive, validate, revive, delete_archived))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Admin: flags", "flag_bulk")
}
