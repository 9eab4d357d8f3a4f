//! A project's own context fields (`/api/admin/projects/{project}/context`,
//! Unleash's project-specific context fields): the list shows the project's
//! fields (`?include=root`: and the global ones); creating one here makes it
//! the project's; a change or delete here finds only the project's fields
//! (404 otherwise). Reading one, checking a name and listing the strategies
//! that use a field answer as the global routes do (as Unleash's). The rules
//! are `ops::context`'s; a constraint of another project may not use the
//! field (`ops::context_checks`).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::context::{listed, Include};
use super::name_checks::{context_name_free, NameBody};
use crate::api::routes::{delete, get, post, Routes};
use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use flagstaff_domain::ops::{
    AddLegalValue, ContextFieldInput, CreateContextField, DeleteContextField, LegalValue,
    ProjectId, RemoveLegalValue, UpdateContextField,
};
use flagstaff_domain::wire::ContextFieldView;

pub fn router() -> Routes {
    const FIELD: &str = "/api/admin/projects/{project}/context/{name}";
    Routes::new()
        .route(
            "/api/admin/projects/{project}/context",
            get(list).post(create),
        )
        .route(
            "/api/admin/projects/{project}/context/validate",
            post(validate),
        )
        .route(FIELD, get(read).put(replace).delete(remove))
        .route(
            "/api/admin/projects/{project}/context/{name}/legal-values",
            post(add_legal_value),
        )
        .route(
            "/api/admin/projects/{project}/context/{name}/legal-values/{value}",
            delete(remove_legal_value),
        )
}

/// The project a path names, if it exists.
async fn project(state: &AppState, project: &str) -> ApiResult<ProjectId> {
    let project = ProjectId::in_path(project)?;
    if !state.store.project_exists(project.as_str()).await? {
        return Err(ApiError::NotFound(format!(
            "Could not find project {}",
            project.as_str()
        )));
    }
    Ok(project)
}

#[utoipa::path(
    get,
    path = "/api/admin/projects/{project}/context",
    summary = "The project's context fields (with the global ones: `include=root`)",
    params(Include),
    responses(
        (status = 200, description = "The project's context fields", body = [ContextFieldView],
            example = json!([{"name": "tenant", "description": "The customer's tenant",
                "stickiness": false, "sortOrder": 10, "legalValues": [],
                "createdAt": "2025-03-01T09:00:00Z", "usedInFeatures": 0, "usedInProjects": 0,
                "project": "checkout"}])),
        (status = 404, description = "No such project"),
    )
)]
async fn list(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(id): Path<String>,
    Query(include): Query<Include>,
) -> ApiResult<Response> {
    let id = project(&state, &id).await?;
    let fields = state.store.context_fields().await?;
    Ok(Json(listed(&fields, Some(id.as_str()), &include)).into_response())
}

#[utoipa::path(
    get,
    path = "/api/admin/projects/{project}/context/{name}",
    summary = "One context field",
    responses(
        (status = 200, description = "The context field", body = ContextFieldView),
        (status = 404, description = "No such context field"),
    )
)]
async fn read(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path((_project, name)): Path<(String, String)>,
) -> ApiResult<Response> {
    let field = state.store.context_field(&name).await?;
    Ok(Json(ContextFieldView::from(&field)).into_response())
}

#[utoipa::path(
    post,
    path = "/api/admin/projects/{project}/context",
    summary = "Creates a context field of the project",
    request_body = ContextFieldInput,
    responses(
        (status = 201, description = "The context field created", body = ContextFieldView),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "No such project"),
        (status = 409, description = "A context field has this name"),
    )
)]
async fn create(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(project): Path<String>,
    ApiObject(field): ApiObject<ContextFieldInput>,
) -> ApiResult<Response> {
    let scope = Some(ProjectId::in_path(&project)?);
    let field = state
        .apply(&admin.actor(), CreateContextField { field, scope })
        .await?;
    let location = [(
        axum::http::header::LOCATION,
        format!("context/{}", field.name),
    )];
    Ok((
        StatusCode::CREATED,
        location,
        Json(ContextFieldView::from(&field)),
    )
        .into_response())
}

#[utoipa::path(
    post,
    path = "/api/admin/projects/{project}/context/validate",
    summary = "Whether a context field may be created with this name",
    request_body = NameBody,
    responses(
        (status = 200, description = "It may"),
        (status = 400, description = "The name breaks the rules"),
        (status = 409, description = "A context field has this name"),
    )
)]
async fn validate(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(_project): Path<String>,
    ApiObject(body): ApiObject<NameBody>,
) -> ApiResult<StatusCode> {
    context_name_free(&state, &body).await
}

#[utoipa::path(
    put,
    path = "/api/admin/projects/{project}/context/{name}",
    summary = "Replaces one of the project's context fields",
    request_body = ContextFieldInput,
    responses(
        (status = 200, description = "OK"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not a context field of this project"),
    )
)]
async fn replace(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((project, name)): Path<(String, String)>,
    ApiObject(field): ApiObject<ContextFieldInput>,
) -> ApiResult<StatusCode> {
    let scope = Some(ProjectId::in_path(&project)?);
    state
        .apply(&admin.actor(), UpdateContextField { name, field, scope })
        .await?;
    Ok(StatusCode::OK)
}

#[utoipa::path(
    delete,
    path = "/api/admin/projects/{project}/context/{name}",
    summary = "Deletes one of the project's context fields (not while a strategy uses it)",
    responses(
        (status = 200, description = "OK"),
        (status = 404, description = "Not a context field of this project"),
        (status = 409, description = "A strategy's constraint uses it"),
    )
)]
async fn remove(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((project, name)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let scope = Some(ProjectId::in_path(&project)?);
    state
        .apply(&admin.actor(), DeleteContextField { name, scope })
        .await?;
    Ok(StatusCode::OK)
}

#[utoipa::path(
    post,
    path = "/api/admin/projects/{project}/context/{name}/legal-values",
    summary = "Adds or changes a legal value of one of the project's context fields",
    request_body = LegalValue,
    responses(
        (status = 200, description = "OK"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not a context field of this project"),
    )
)]
async fn add_legal_value(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((project, name)): Path<(String, String)>,
    ApiObject(value): ApiObject<LegalValue>,
) -> ApiResult<StatusCode> {
    let scope = Some(ProjectId::in_path(&project)?);
    state
        .apply(&admin.actor(), AddLegalValue { name, value, scope })
        .await?;
    Ok(StatusCode::OK)
}

#[utoipa::path(
    delete,
    path = "/api/admin/projects/{project}/context/{name}/legal-values/{value}",
    summary = "Removes a legal value of one of the project's context fields",
    responses(
        (status = 200, description = "OK"),
        (status = 404, description = "Not a context field of this project"),
    )
)]
async fn remove_legal_value(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((project, name, value)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let scope = Some(ProjectId::in_path(&project)?);
    state
        .apply(&admin.actor(), RemoveLegalValue { name, value, scope })
        .await?;
    Ok(StatusCode::OK)
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(
        list,
        create,
        validate,
        read,
        replace,
        remove,
        add_legal_value,
        remove_legal_value
    ))]
    struct Doc;
    crate::api::openapi::area(
        Doc::openapi(),
        "Admin: project context fields",
        "project-context",
    )
}
