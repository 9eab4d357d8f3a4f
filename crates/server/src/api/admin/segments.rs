//! Segments (`/api/admin/segments`): named constraint lists strategies refer to by id.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use flagstaff_engine::document::Constraint;
use serde::Deserialize;
use serde_json::{json, Value};

use super::strategies::check_constraints;
use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::storage::{now_text, NewEvent, SegmentRow};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/admin/segments", get(list).post(create))
        .route(
            "/api/admin/segments/{id}",
            get(read).put(replace).delete(remove),
        )
}

#[derive(Deserialize)]
struct SegmentBody {
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    project: Option<String>,
    #[serde(default)]
    constraints: Vec<Constraint>,
}

fn segment_json(s: &SegmentRow, used_in_features: usize) -> Value {
    json!({
        "id": s.id, "name": s.name, "description": s.description, "project": s.project,
        "constraints": s.constraints, "createdAt": s.created_at, "createdBy": s.created_by,
        "usedInFeatures": used_in_features, "usedInProjects": 0,
    })
}

/// Names of flags whose strategies use segment `id`.
async fn users_of(state: &AppState, id: i64) -> ApiResult<Vec<String>> {
    Ok(state
        .store
        .segment_users()
        .await?
        .remove(&id)
        .map(|names| names.into_iter().collect())
        .unwrap_or_default())
}

async fn validated(state: &AppState, body: SegmentBody, id: Option<i64>) -> ApiResult<SegmentBody> {
    let name = body.name.trim();
    if name.is_empty() || name.len() > 100 {
        return Err(ApiError::BadData(
            "a segment name is 1–100 characters".to_owned(),
        ));
    }
    check_constraints(&body.constraints)?;
    if state
        .store
        .segments()
        .await?
        .iter()
        .any(|s| s.name == name && Some(s.id) != id)
    {
        return Err(ApiError::NameExists(format!(
            "There is already a segment named {name:?}"
        )));
    }
    if let Some(p) = &body.project {
        if !state.store.project_exists(p).await? {
            return Err(ApiError::BadData(format!("Project={p} does not exist")));
        }
    }
    Ok(SegmentBody {
        name: name.to_owned(),
        ..body
    })
}

async fn list(State(state): State<AppState>, _admin: AdminToken) -> ApiResult<Json<Value>> {
    // Two queries whatever the number of segments and flags.
    let users = state.store.segment_users().await?;
    let segments: Vec<Value> = state
        .store
        .segments()
        .await?
        .iter()
        .map(|s| segment_json(s, users.get(&s.id).map_or(0, |names| names.len())))
        .collect();
    Ok(Json(json!({"segments": segments})))
}

async fn read(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let segment = state.store.segment(id).await?;
    let used = users_of(&state, id).await?.len();
    Ok(Json(segment_json(&segment, used)))
}

async fn create(
    State(state): State<AppState>,
    AdminToken(token): AdminToken,
    ApiObject(body): ApiObject<SegmentBody>,
) -> ApiResult<Response> {
    let body = validated(&state, body, None).await?;
    let mut segment = SegmentRow {
        id: 0,
        name: body.name,
        description: body.description,
        project: body.project,
        constraints: body.constraints,
        created_at: now_text(),
        created_by: token.name.clone(),
    };
    let mut w = state.store.write().await?;
    segment.id = w.insert_segment(&segment).await?;
    state
        .commit_change(
            w,
            NewEvent {
                event_type: "segment-created",
                created_by: token.name,
                project: segment.project.clone(),
                data: Some(segment_json(&segment, 0)),
                ..NewEvent::default()
            },
        )
        .await?;
    let location = [(
        axum::http::header::LOCATION,
        format!("segments/{}", segment.id),
    )];
    Ok((
        StatusCode::CREATED,
        location,
        Json(segment_json(&segment, 0)),
    )
        .into_response())
}

async fn replace(
    State(state): State<AppState>,
    AdminToken(token): AdminToken,
    Path(id): Path<i64>,
    ApiObject(body): ApiObject<SegmentBody>,
) -> ApiResult<StatusCode> {
    let before = state.store.segment(id).await?;
    let body = validated(&state, body, Some(id)).await?;
    let after = SegmentRow {
        name: body.name,
        description: body.description,
        project: body.project,
        constraints: body.constraints,
        ..before.clone()
    };
    let mut w = state.store.write().await?;
    w.update_segment(&after).await?;
    state
        .commit_change(
            w,
            NewEvent {
                event_type: "segment-updated",
                created_by: token.name,
                project: after.project.clone(),
                pre_data: Some(segment_json(&before, 0)),
                data: Some(segment_json(&after, 0)),
                ..NewEvent::default()
            },
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn remove(
    State(state): State<AppState>,
    AdminToken(token): AdminToken,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let before = state.store.segment(id).await?;
    // Checked under the write lock: a strategy added meanwhile cannot be left
    // naming a deleted segment.
    let mut w = state.store.write().await?;
    let users: Vec<String> = w
        .segment_users()
        .await?
        .remove(&id)
        .map(|names| names.into_iter().collect())
        .unwrap_or_default();
    if !users.is_empty() {
        return Err(ApiError::NameExists(format!(
            "Segment {id} is in use by {}",
            users.join(", ")
        )));
    }
    w.delete_segment(id).await?;
    state
        .commit_change(
            w,
            NewEvent {
                event_type: "segment-deleted",
                created_by: token.name,
                project: before.project.clone(),
                pre_data: Some(segment_json(&before, 0)),
                ..NewEvent::default()
            },
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
