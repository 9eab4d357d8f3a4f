//! Segments (`/api/admin/segments`): named constraint lists strategies refer to by id.

use crate::api::routes::{get, Routes};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::ApiResult;
use crate::state::AppState;
use flagstaff_domain::ops::{CreateSegment, DeleteSegment, SegmentInput, UpdateSegment};
use flagstaff_domain::wire::SegmentView;

pub fn router() -> Routes {
    Routes::new()
        .route("/api/admin/segments", get(list).post(create))
        .route(
            "/api/admin/segments/{id}",
            get(read).put(replace).delete(remove),
        )
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"segments": [{"id": 1, "name": "beta-users", "description": null,
    "project": null, "constraints": [{"contextName": "userId", "operator": "IN", "values": ["42"],
    "caseInsensitive": false, "inverted": false}], "createdAt": "2025-03-01T09:00:00Z",
    "createdBy": "admin", "usedInFeatures": 2, "usedInProjects": 0}]}))]
struct SegmentList<'a> {
    segments: Vec<SegmentView<'a>>,
}

#[utoipa::path(
    get,
    path = "/api/admin/segments",
    summary = "Every segment",
    responses(
        (status = 200, description = "Every segment, with how many flags use it", body = SegmentList),
    )
)]
async fn list(State(state): State<AppState>, _admin: AdminToken) -> ApiResult<Response> {
    // Two queries whatever the number of segments and flags.
    let users = state.store.segment_users().await?;
    let segments = state.store.segments().await?;
    let segments = segments
        .iter()
        .map(|s| SegmentView::new(s, users.get(&s.id).map_or(0, |names| names.len())))
        .collect();
    Ok(Json(SegmentList { segments }).into_response())
}

#[utoipa::path(
    get,
    path = "/api/admin/segments/{id}",
    summary = "One segment",
    params(("id" = i64, Path, description = "A segment's id")),
    responses(
        (status = 200, description = "The segment", body = SegmentView),
    )
)]
async fn read(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let segment = state.store.segment(id).await?;
    let used = state
        .store
        .segment_users()
        .await?
        .get(&id)
        .map_or(0, |names| names.len());
    Ok(Json(SegmentView::new(&segment, used)).into_response())
}

#[utoipa::path(
    post,
    path = "/api/admin/segments",
    summary = "Creates a segment",
    request_body(content = SegmentInput, example = json!({"name": "beta-users", "description": "Who tries things first",
        "constraints": [{"contextName": "userId", "operator": "IN", "values": ["42", "43"]}]})),
    responses(
        (status = 201, description = "The segment created", body = SegmentView),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn create(
    State(state): State<AppState>,
    admin: AdminToken,
    ApiObject(segment): ApiObject<SegmentInput>,
) -> ApiResult<Response> {
    let segment = state
        .apply(&admin.actor(), CreateSegment { segment })
        .await?;
    let location = [(
        axum::http::header::LOCATION,
        format!("segments/{}", segment.id),
    )];
    Ok((
        StatusCode::CREATED,
        location,
        Json(SegmentView::new(&segment, 0)),
    )
        .into_response())
}

#[utoipa::path(
    put,
    path = "/api/admin/segments/{id}",
    summary = "Replaces a segment",
    params(("id" = i64, Path, description = "A segment's id")),
    request_body(content = SegmentInput, example = json!({"name": "beta-users", "description": "Who tries things first",
        "constraints": [{"contextName": "userId", "operator": "IN", "values": ["42", "43"]}]})),
    responses(
        (status = 204, description = "Done"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn replace(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(id): Path<i64>,
    ApiObject(segment): ApiObject<SegmentInput>,
) -> ApiResult<StatusCode> {
    state
        .apply(&admin.actor(), UpdateSegment { id, segment })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    delete,
    path = "/api/admin/segments/{id}",
    summary = "Deletes a segment no strategy uses",
    params(("id" = i64, Path, description = "A segment's id")),
    responses(
        (status = 204, description = "Done"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn remove(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    state.apply(&admin.actor(), DeleteSegment { id }).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(list, create, read, replace, remove))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Admin: segments", "segments")
}
