//! Context fields (`/api/admin/context`), with their legal values. The
//! global routes list the global fields (`?include=project`: every field);
//! a project's own fields have their routes in `project_context.rs`.

use crate::api::routes::{delete, get, post, Routes};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::ApiResult;
use crate::state::AppState;
use flagstaff_domain::ops::{
    AddLegalValue, ContextFieldInput, CreateContextField, DeleteContextField, LegalValue,
    RemoveLegalValue, UpdateContextField,
};
use flagstaff_domain::wire::ContextFieldView;
use flagstaff_storage::ContextFieldRow;
use serde::Deserialize;

pub fn router() -> Routes {
    Routes::new()
        .route("/api/admin/context", get(list).post(create))
        .route(
            "/api/admin/context/{name}",
            get(read).put(replace).delete(remove),
        )
        .route(
            "/api/admin/context/{name}/legal-values",
            post(add_legal_value),
        )
        .route(
            "/api/admin/context/{name}/legal-values/{value}",
            delete(remove_legal_value),
        )
}

/// Unleash's `include`: `project` on the global list adds every project's
/// fields; `root` on a project's list adds the global ones.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct Include {
    /// `project` (global list) or `root` (a project's list)
    include: Option<String>,
}

impl Include {
    fn is(&self, word: &str) -> bool {
        self.include
            .as_deref()
            .is_some_and(|i| i.eq_ignore_ascii_case(word))
    }
}

/// The fields a list shows: of `project` (none: the global ones), with the
/// others `include` adds.
pub(super) fn listed<'a>(
    fields: &'a [ContextFieldRow],
    project: Option<&str>,
    include: &Include,
) -> Vec<ContextFieldView<'a>> {
    fields
        .iter()
        .filter(|f| match project {
            None => f.project.is_none() || include.is("project"),
            Some(p) => {
                f.project.as_deref() == Some(p) || (include.is("root") && f.project.is_none())
            }
        })
        .map(ContextFieldView::from)
        .collect()
}

#[utoipa::path(
    get,
    path = "/api/admin/context",
    summary = "The global context fields (with every project's: `include=project`)",
    params(Include),
    responses(
        (status = 200, description = "Every context field", body = [ContextFieldView],
            example = json!([{"name": "userId", "description": "The user's id", "stickiness": true,
                "sortOrder": 1, "legalValues": [], "createdAt": "2025-03-01T09:00:00Z",
                "usedInFeatures": 0, "usedInProjects": 0}])),
    )
)]
async fn list(
    State(state): State<AppState>,
    _admin: AdminToken,
    Query(include): Query<Include>,
) -> ApiResult<Response> {
    let fields = state.store.context_fields().await?;
    Ok(Json(listed(&fields, None, &include)).into_response())
}

#[utoipa::path(
    get,
    path = "/api/admin/context/{name}",
    summary = "One context field",
    responses(
        (status = 200, description = "The context field", body = ContextFieldView),
    )
)]
async fn read(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(name): Path<String>,
) -> ApiResult<Response> {
    let field = state.store.context_field(&name).await?;
    Ok(Json(ContextFieldView::from(&field)).into_response())
}

#[utoipa::path(
    post,
    path = "/api/admin/context",
    summary = "Creates a context field",
    request_body = ContextFieldInput,
    responses(
        (status = 201, description = "The context field created", body = ContextFieldView),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn create(
    State(state): State<AppState>,
    admin: AdminToken,
    ApiObject(field): ApiObject<ContextFieldInput>,
) -> ApiResult<Response> {
    let field = state
        .apply(&admin.actor(), CreateContextField { field, scope: None })
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
    put,
    path = "/api/admin/context/{name}",
    summary = "Replaces a context field",
    request_body = ContextFieldInput,
    responses(
        (status = 200, description = "OK"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn replace(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(name): Path<String>,
    ApiObject(field): ApiObject<ContextFieldInput>,
) -> ApiResult<StatusCode> {
    state
        .apply(
            &admin.actor(),
            UpdateContextField {
                name,
                field,
                scope: None,
            },
        )
        .await?;
    Ok(StatusCode::OK)
}

#[utoipa::path(
    post,
    path = "/api/admin/context/{name}/legal-values",
    summary = "Adds or changes a legal value",
    request_body = LegalValue,
    responses(
        (status = 200, description = "OK"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn add_legal_value(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(name): Path<String>,
    ApiObject(value): ApiObject<LegalValue>,
) -> ApiResult<StatusCode> {
    state
        .apply(
            &admin.actor(),
            AddLegalValue {
                name,
                value,
                scope: None,
            },
        )
        .await?;
    Ok(StatusCode::OK)
}

#[utoipa::path(
    delete,
    path = "/api/admin/context/{name}",
    summary = "Deletes a context field",
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
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    state
        .apply(&admin.actor(), DeleteContextField { name, scope: None })
        .await?;
    Ok(StatusCode::OK)
}

#[utoipa::path(
    delete,
    path = "/api/admin/context/{name}/legal-values/{value}",
    summary = "Removes a legal value (one the field does not have: nothing changes)",
    responses(
        (status = 200, description = "OK"),
        (status = 404, description = "No such context field"),
    )
)]
async fn remove_legal_value(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((name, value)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    state
        .apply(
            &admin.actor(),
            RemoveLegalValue {
                name,
                value,
                scope: None,
            },
        )
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
        read,
        replace,
        remove,
        add_legal_value,
        remove_legal_value
    ))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Admin: context", "context")
}
