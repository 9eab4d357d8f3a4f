//! Context fields (`/api/admin/context`), with their legal values.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::storage::{now_text, ContextFieldRow, NewEvent};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/admin/context", get(list).post(create))
        .route(
            "/api/admin/context/{name}",
            get(read).put(replace).delete(remove),
        )
        .route(
            "/api/admin/context/{name}/legal-values",
            post(add_legal_value),
        )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FieldBody {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    stickiness: Option<bool>,
    #[serde(default)]
    sort_order: Option<i64>,
    #[serde(default)]
    legal_values: Option<Vec<LegalValue>>,
}

#[derive(Deserialize, serde::Serialize, Clone)]
struct LegalValue {
    value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
}

fn field_json(f: &ContextFieldRow) -> Value {
    json!({
        "name": f.name, "description": f.description, "stickiness": f.stickiness,
        "sortOrder": f.sort_order, "legalValues": f.legal_values, "createdAt": f.created_at,
        "usedInFeatures": 0, "usedInProjects": 0,
    })
}

fn legal_values(values: Vec<LegalValue>) -> ApiResult<Vec<Value>> {
    let mut seen = std::collections::HashSet::new();
    values
        .into_iter()
        .map(|v| {
            if v.value.is_empty() || v.value.len() > 100 || !seen.insert(v.value.clone()) {
                return Err(ApiError::BadData(format!(
                    "legal values are unique, 1–100 characters: {:?}",
                    v.value
                )));
            }
            Ok(json!(v))
        })
        .collect()
}

async fn list(State(state): State<AppState>, _admin: AdminToken) -> ApiResult<Json<Vec<Value>>> {
    Ok(Json(
        state
            .store
            .context_fields()
            .await?
            .iter()
            .map(field_json)
            .collect(),
    ))
}

async fn read(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(name): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(field_json(&state.store.context_field(&name).await?)))
}

async fn save(
    state: &AppState,
    token_name: String,
    before: Option<ContextFieldRow>,
    after: ContextFieldRow,
) -> ApiResult<()> {
    let mut w = state.store.write().await?;
    w.upsert_context_field(&after).await?;
    w.record_event(NewEvent {
        event_type: if before.is_some() {
            "context-field-updated"
        } else {
            "context-field-created"
        },
        created_by: token_name,
        pre_data: before.as_ref().map(field_json),
        data: Some(field_json(&after)),
        ..NewEvent::default()
    })
    .await?;
    w.commit().await?;
    state.after_commit().await;
    Ok(())
}

async fn create(
    State(state): State<AppState>,
    AdminToken(token): AdminToken,
    ApiObject(body): ApiObject<FieldBody>,
) -> ApiResult<Response> {
    let name = body
        .name
        .as_deref()
        .map(str::trim)
        .unwrap_or_default()
        .to_owned();
    if name.is_empty() || name.len() > 100 {
        return Err(ApiError::BadData(
            "\"name\" is required (1–100 characters)".to_owned(),
        ));
    }
    if state.store.context_field(&name).await.is_ok() {
        return Err(ApiError::NameExists(format!(
            "A context field with name {name:?} already exists"
        )));
    }
    let field = ContextFieldRow {
        name: name.clone(),
        description: body.description,
        stickiness: body.stickiness.unwrap_or(false),
        sort_order: body.sort_order.unwrap_or(10),
        legal_values: legal_values(body.legal_values.unwrap_or_default())?,
        created_at: now_text(),
    };
    save(&state, token.name, None, field.clone()).await?;
    let location = [(axum::http::header::LOCATION, format!("context/{name}"))];
    Ok((StatusCode::CREATED, location, Json(field_json(&field))).into_response())
}

async fn replace(
    State(state): State<AppState>,
    AdminToken(token): AdminToken,
    Path(name): Path<String>,
    ApiObject(body): ApiObject<FieldBody>,
) -> ApiResult<StatusCode> {
    let before = state.store.context_field(&name).await?;
    let after = ContextFieldRow {
        description: body.description.or(before.description.clone()),
        stickiness: body.stickiness.unwrap_or(before.stickiness),
        sort_order: body.sort_order.unwrap_or(before.sort_order),
        legal_values: match body.legal_values {
            Some(values) => legal_values(values)?,
            None => before.legal_values.clone(),
        },
        ..before.clone()
    };
    save(&state, token.name, Some(before), after).await?;
    Ok(StatusCode::OK)
}

async fn add_legal_value(
    State(state): State<AppState>,
    AdminToken(token): AdminToken,
    Path(name): Path<String>,
    ApiObject(value): ApiObject<LegalValue>,
) -> ApiResult<StatusCode> {
    let before = state.store.context_field(&name).await?;
    let mut values: Vec<LegalValue> = before
        .legal_values
        .iter()
        .filter_map(|v| serde_json::from_value(v.clone()).ok())
        .filter(|v: &LegalValue| v.value != value.value)
        .collect();
    values.push(value);
    let after = ContextFieldRow {
        legal_values: legal_values(values)?,
        ..before.clone()
    };
    save(&state, token.name, Some(before), after).await?;
    Ok(StatusCode::OK)
}

async fn remove(
    State(state): State<AppState>,
    AdminToken(token): AdminToken,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    let before = state.store.context_field(&name).await?;
    let mut w = state.store.write().await?;
    w.delete_context_field(&name).await?;
    w.record_event(NewEvent {
        event_type: "context-field-deleted",
        created_by: token.name,
        pre_data: Some(field_json(&before)),
        ..NewEvent::default()
    })
    .await?;
    w.commit().await?;
    state.after_commit().await;
    Ok(StatusCode::OK)
}
