//! An endpoint's tokens: listed, created (the secret is shown once, in the
//! create answer), renamed and revoked, each change an operation.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::{check_endpoint, endpoint_id, id_in_path};
use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::ApiResult;
use crate::state::AppState;
use flagstaff_domain::ops::{CreateSignalToken, DeleteSignalToken, RenameSignalToken};
use flagstaff_domain::wire::automation::SignalTokenView;

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"signalEndpointTokens": [{"id": 1, "name": "jira-token",
    "signalEndpointId": 1, "createdAt": "2025-03-01T09:00:00Z", "createdBy": "admin"}]}))]
pub(super) struct TokenList<'a> {
    signal_endpoint_tokens: Vec<SignalTokenView<'a>>,
}

/// A token just created: the only answer that carries its secret.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"id": 1, "name": "jira-token", "signalEndpointId": 1,
    "createdAt": "2025-03-01T09:00:00Z", "createdBy": "admin",
    "token": "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"}))]
pub(super) struct CreatedSignalToken<'a> {
    #[serde(flatten)]
    token_view: SignalTokenView<'a>,
    /// The secret to send signals with (`Authorization`, `Bearer ` optional).
    token: &'a str,
}

#[utoipa::path(
    get,
    path = "/api/admin/signal-endpoints/{id}/tokens",
    summary = "An endpoint's tokens",
    responses(
        (status = 200, description = "The endpoint's tokens, without their secrets", body = TokenList),
    )
)]
pub(super) async fn tokens(
    State(state): State<AppState>,
    _admin: AdminToken,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id = endpoint_id(&id)?;
    check_endpoint(&state, id).await?;
    let tokens = state.store.signal_tokens(id).await?;
    let signal_endpoint_tokens = tokens.iter().map(SignalTokenView::from).collect();
    Ok(Json(TokenList {
        signal_endpoint_tokens,
    })
    .into_response())
}

/// A token's name (Unleash's signalEndpointTokenSchema input).
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = SignalTokenInput, example = json!({"name": "jira-token"}))]
pub(super) struct TokenBody {
    /// 1 to 100 characters.
    name: String,
}

#[utoipa::path(
    post,
    path = "/api/admin/signal-endpoints/{id}/tokens",
    summary = "Creates an endpoint token (the secret is shown once)",
    request_body = TokenBody,
    responses(
        (status = 201, description = "The token, with its secret", body = CreatedSignalToken),
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
    let shown = CreatedSignalToken {
        token_view: SignalTokenView::from(&created.row),
        token: &created.secret,
    };
    Ok((StatusCode::CREATED, Json(shown)).into_response())
}

#[utoipa::path(
    put,
    path = "/api/admin/signal-endpoints/{id}/tokens/{token}",
    summary = "Renames an endpoint token",
    request_body = TokenBody,
    responses(
        (status = 200, description = "The token", body = SignalTokenView),
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
) -> ApiResult<Response> {
    let operation = RenameSignalToken {
        endpoint_id: endpoint_id(&id)?,
        token_id: id_in_path(&token, "signal endpoint token")?,
        name: body.name,
    };
    let token = state.apply(&admin.actor(), operation).await?;
    Ok(Json(SignalTokenView::from(&token)).into_response())
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
