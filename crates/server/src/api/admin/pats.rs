//! The caller's personal access tokens (`/api/admin/user/tokens`, Unleash's
//! shapes): list (never a secret), create (the secret shown once, in the
//! answer), delete. Only a PAT's user calls these — with a PAT, whatever their
//! role; an API token belongs to nobody (403). The web UI's profile page
//! applies the same operations.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::id_in_path;
use crate::api::ApiObject;
use crate::auth::AdminUser;
use crate::error::ApiResult;
use crate::ops::pats::public_json;
use crate::ops::{Actor, CreatePat, DeletePat};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/admin/user/tokens", get(list).post(create))
        .route("/api/admin/user/tokens/{id}", delete(remove))
}

async fn list(State(state): State<AppState>, AdminUser(user): AdminUser) -> ApiResult<Json<Value>> {
    let pats: Vec<Value> = state
        .store
        .pats_of_user(user.user_id)
        .await?
        .iter()
        .map(public_json)
        .collect();
    Ok(Json(json!({"pats": pats})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateBody {
    #[serde(default)]
    description: String,
    #[serde(default)]
    expires_at: String,
}

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
    let mut answer = public_json(&created.row);
    answer["secret"] = json!(created.secret);
    Ok((StatusCode::CREATED, Json(answer)).into_response())
}

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
