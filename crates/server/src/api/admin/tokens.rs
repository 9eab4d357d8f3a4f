//! API tokens: list, create (the secret is shown once, in the answer), delete.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::ApiObject;
use crate::auth::{hash_secret, AdminToken, TokenKind};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::storage::{now_text, NewEvent, TokenRow};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/admin/api-tokens", get(list).post(create))
        .route("/api/admin/api-tokens/{secret}", delete(remove))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
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

fn token_json(t: &TokenRow, secret: Option<&str>) -> Value {
    let mut v = json!({
        "tokenName": t.token_name,
        "type": if t.token_type == "client" { "backend" } else { t.token_type.as_str() },
        "environment": t.environment,
        "projects": t.projects,
        "project": if t.projects.len() == 1 { t.projects[0].as_str() } else { "[]" },
        "createdAt": t.created_at,
        "expiresAt": t.expires_at,
    });
    if let Some(secret) = secret {
        v["secret"] = json!(secret);
    }
    v
}

async fn list(State(state): State<AppState>, _admin: AdminToken) -> ApiResult<Json<Value>> {
    let tokens: Vec<Value> = state
        .store
        .tokens()
        .await?
        .iter()
        .map(|t| token_json(t, None))
        .collect();
    Ok(Json(json!({"tokens": tokens})))
}

async fn create(
    State(state): State<AppState>,
    AdminToken(admin): AdminToken,
    ApiObject(body): ApiObject<CreateBody>,
) -> ApiResult<Response> {
    let kind = TokenKind::parse(&body.token_type)
        .ok_or_else(|| ApiError::BadData(format!("unknown token type {:?}", body.token_type)))?;
    if body.token_name.trim().is_empty() {
        return Err(ApiError::BadData("tokenName is required".to_owned()));
    }
    let mut projects = body
        .projects
        .or_else(|| body.project.map(|p| vec![p]))
        .unwrap_or_else(|| vec!["*".to_owned()]);
    if projects.is_empty() || projects.iter().any(|p| p == "*") {
        projects = vec!["*".to_owned()];
    }
    let environment = match kind {
        TokenKind::Admin => {
            if projects != ["*"] || body.environment.as_deref().is_some_and(|e| e != "*") {
                return Err(ApiError::BadData(
                    "Admin token cannot be scoped to single project or environment".to_owned(),
                ));
            }
            "*".to_owned()
        }
        _ => {
            let env = body.environment.unwrap_or_else(|| "development".to_owned());
            if env == "*" {
                return Err(ApiError::BadData(
                    "Client token cannot be scoped to all environments".to_owned(),
                ));
            }
            if !state
                .store
                .environments()
                .await?
                .iter()
                .any(|e| e.name == env)
            {
                return Err(ApiError::BadData(format!(
                    "Environment={env} does not exist"
                )));
            }
            env
        }
    };
    for p in projects.iter().filter(|p| *p != "*") {
        if !state.store.project_exists(p).await? {
            return Err(ApiError::BadData(format!("Project={p} does not exist")));
        }
    }
    let prefix = match projects.as_slice() {
        [one] => one.clone(),
        _ => "[]".to_owned(),
    };
    let random: String = (0..2)
        .map(|_| uuid::Uuid::new_v4().simple().to_string())
        .collect();
    let secret = format!("{prefix}:{environment}.{}", &random[..56]);
    let row = TokenRow {
        secret_hash: hash_secret(&secret),
        token_name: body.token_name.trim().to_owned(),
        token_type: kind.as_str().to_owned(),
        projects,
        environment,
        created_at: now_text(),
        expires_at: body.expires_at,
    };
    let mut w = state.store.write().await?;
    w.insert_token(&row).await?;
    w.record_event(NewEvent {
        event_type: "api-token-created",
        created_by: admin.name,
        environment: Some(row.environment.clone()),
        data: Some(token_json(&row, None)),
        ..NewEvent::default()
    })
    .await?;
    w.commit().await?;
    state.refresh_tokens().await?;
    Ok((StatusCode::CREATED, Json(token_json(&row, Some(&secret)))).into_response())
}

async fn remove(
    State(state): State<AppState>,
    AdminToken(admin): AdminToken,
    Path(secret): Path<String>,
) -> ApiResult<StatusCode> {
    let hash = hash_secret(&secret);
    let before = state
        .store
        .tokens()
        .await?
        .into_iter()
        .find(|t| t.secret_hash == hash);
    let Some(before) = before else {
        return Err(ApiError::NotFound("Could not find API token".to_owned()));
    };
    let mut w = state.store.write().await?;
    w.delete_token(&hash).await?;
    w.record_event(NewEvent {
        event_type: "api-token-deleted",
        created_by: admin.name,
        environment: Some(before.environment.clone()),
        pre_data: Some(token_json(&before, None)),
        ..NewEvent::default()
    })
    .await?;
    w.commit().await?;
    state.refresh_tokens().await?;
    Ok(StatusCode::OK)
}
