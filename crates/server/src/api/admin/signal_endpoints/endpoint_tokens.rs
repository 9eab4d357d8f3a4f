//! An endpoint's tokens: listed, created (the secret is shown once, in the
//! create answer), renamed and revoked, each change an operation.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{check_endpoint, endpoint_id, id_in_path};
use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::ApiResult;
use crate::state::AppState;
use flagstaff_domain::ops::{CreateSignalToken, DeleteSignalToken, RenameSignalToken};
use flagstaff_domain::wire::automation::SignalTokenView;
use flagstaff_domain::wire::to_value;

#[utoipa::path(
    get,
    path = "/api/admin/signal-endpoints/{id}/tokens",
    summary = "An endpoint's tokens",
    responses(
        (status = 200, description = "OK", body = Object),
    )
)]
pub(super) async fn tokens(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let id = endpoint_id(&id)?;
    check_endpoint(&state, id).await?;
    let tokens = state.store.signal_tokens(id).await?;
    let shown: Vec<SignalTokenView> = tokens.iter().map(SignalTokenView::from).collect();
    Ok(Json(json!({"signalEndpointTokens": shown})))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(super) struct TokenBody {
    name: String,
}

#[utoipa::path(
    post,
    path = "/api/admin/signal-endpoints/{id}/tokens",
    summary = "Creates an endpoint token (the secret is shown once)",
    request_body = TokenBody,
    responses(
        (status = 201, description = "Created", body = Object),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
pub(super) async fn create_token(
    State(state): State<AppState>,
    admin: AdminToken,
    Path(id): Path<String>,
    ApiObject(body): ApiObject<TokenBody>,
) -> ApiResult<Response> {
    let endpoint_id = endpoint_id(&id)?;
    let operation = CreateSignalToken {
        endpoint_id,
        name: body.name,
    };
    let created = state.apply(&admin.actor(), operation).await?;
    let mut shown = to_value(&SignalTokenView::from(&created.row));
    if let Value::Object(fields) = &mut shown {
        fields.insert("token".to_owned(), Value::String(created.secret));
    }
    Ok((StatusCode::CREATED, Json(shown)).into_response())
}

#[utoipa::path(
    put,
    path = "/api/admin/signal-endpoints/{id}/tokens/{token}",
    summary = "Renames an endpoint token",
    request_body = TokenBody,
    responses(
        (status = 200, description = "OK", body = Object),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
pub(super) async fn rename_token(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((id, token)): Path<(String, String)>,
    ApiObject(body): ApiObject<TokenBody>,
) -> ApiResult<Json<Value>> {
    let operation = RenameSignalToken {
        endpoint_id: endpoint_id(&id)?,
        token_id: id_in_path(&token, "signal endpoint token")?,
        name: body.name,
    };
    let token = state.apply(&admin.actor(), operation).await?;
    Ok(Json(to_value(&SignalTokenView::from(&token))))
}

#[utoipa::path(
    delete,
    path = "/api/admin/signal-endpoints/{id}/tokens/{token}",
    summary = "Deletes an endpoint token",
    responses(
        (status = 204, description = "Done"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
pub(super) async fn remove_token(
    State(state): State<AppState>,
    admin: AdminToken,
    Path((id, token)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let operation = DeleteSignalToken {
        endpoint_id: endpoint_id(&id)?,
        token_id: id_in_path(&token, "signal endpoint token")?,
    };
    state.apply(&admin.actor(), operation).await?;
    Ok(StatusCode::NO_CONTENT)
}
