//! Signal endpoint operations: create, change, switch on or off and delete an
//! endpoint; create, rename and delete its tokens. A token's secret is made
//! here, returned once and stored only as its SHA-256, like an API token's —
//! but in its own table, so it opens nothing but `POST /api/signal-endpoint/<name>`.
//! Bounds are Unleash's (5 endpoints, 5 tokens per endpoint).

use serde::{Deserialize, Serialize};

use super::automation::{self, description};
use super::{Context, OpError, OpResult, Operation, SignalEndpointName};
use crate::api_tokens::hash_secret;
use flagstaff_storage::{now, SignalEndpointRow, SignalTokenRow, WriteTx};

pub const MAX_SIGNAL_ENDPOINTS: usize = 5;
pub const MAX_TOKENS_PER_ENDPOINT: usize = 5;

/// An endpoint as the admin API receives it (createSignalEndpointSchema).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"name": "jira", "description": "Issue changes from Jira",
    "enabled": true}))]
pub struct SignalEndpointInput {
    /// Letters, digits, `-` and `_`: the endpoint is `/api/signal-endpoint/<name>`.
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Unleash: true when not given.
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// The endpoint `id`, or `NotFound`.
pub(super) async fn existing_endpoint(w: &mut WriteTx<'_>, id: i64) -> OpResult<SignalEndpointRow> {
    w.signal_endpoint(id)
        .await?
        .ok_or_else(|| OpError::NotFound(format!("Could not find signal endpoint {id}")))
}

/// `name` is not taken by another endpoint than `id`.
async fn name_is_free(w: &mut WriteTx<'_>, name: &str, id: Option<i64>) -> OpResult<()> {
    if w.signal_endpoints()
        .await?
        .iter()
        .any(|e| e.name == name && Some(e.id) != id)
    {
        return Err(OpError::Conflict(format!(
            "A signal endpoint named {name} already exists"
        )));
    }
    Ok(())
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreateSignalEndpoint {
    pub endpoint: SignalEndpointInput,
}

impl Operation for CreateSignalEndpoint {
    type Output = SignalEndpointRow;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<SignalEndpointRow> {
        let name = SignalEndpointName::parse(&self.endpoint.name)?;
        let description = description(self.endpoint.description)?;
        let existing = w.signal_endpoints().await?.len();
        if existing >= MAX_SIGNAL_ENDPOINTS {
            return Err(OpError::invalid_input(format!(
                "There are already {existing} signal endpoints: at most {MAX_SIGNAL_ENDPOINTS} (the signal endpoints limit)"
            )));
        }
        name_is_free(w, &name, None).await?;
        let endpoint = SignalEndpointRow {
            id: 0,
            name: name.into(),
            description,
            enabled: self.endpoint.enabled.unwrap_or(true),
            created_at: now(),
            created_by: cx.actor.name.clone(),
        };
        automation::create(w, &cx.actor, endpoint).await
    }
}

/// Replaces an endpoint's name, description and switch (Unleash's PUT).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UpdateSignalEndpoint {
    pub id: i64,
    pub endpoint: SignalEndpointInput,
}

impl Operation for UpdateSignalEndpoint {
    type Output = SignalEndpointRow;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<SignalEndpointRow> {
        let before = existing_endpoint(w, self.id).await?;
        let name = SignalEndpointName::parse(&self.endpoint.name)?;
        let description = description(self.endpoint.description)?;
        name_is_free(w, &name, Some(self.id)).await?;
        let after = SignalEndpointRow {
            name: name.into(),
            description,
            enabled: self.endpoint.enabled.unwrap_or(true),
            ..before.clone()
        };
        automation::replace(w, &cx.actor, &before, after).await
    }
}

/// Switches an endpoint on or off (`…/on`, `…/off`). A disabled endpoint
/// stores no signal.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SwitchSignalEndpoint {
    pub id: i64,
    pub enabled: bool,
}

impl Operation for SwitchSignalEndpoint {
    type Output = SignalEndpointRow;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<SignalEndpointRow> {
        let before = existing_endpoint(w, self.id).await?;
        automation::switch(w, &cx.actor, before, self.enabled).await
    }
}

/// Deletes an endpoint with its tokens and signals; refused while an action
/// set listens to it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeleteSignalEndpoint {
    pub id: i64,
}

impl Operation for DeleteSignalEndpoint {
    type Output = ();

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        let before = existing_endpoint(w, self.id).await?;
        let users = w.action_sets_using(self.id).await?;
        if !users.is_empty() {
            return Err(OpError::Conflict(format!(
                "Signal endpoint {} is the source of action sets {}; change or delete them first",
                before.name,
                users.join(", ")
            )));
        }
        automation::delete(w, &cx.actor, &before).await
    }
}

/// The endpoint's token `token_id`, or `NotFound`.
async fn existing_token(
    w: &mut WriteTx<'_>,
    endpoint_id: i64,
    token_id: i64,
) -> OpResult<SignalTokenRow> {
    existing_endpoint(w, endpoint_id).await?;
    w.signal_tokens(endpoint_id)
        .await?
        .into_iter()
        .find(|t| t.id == token_id)
        .ok_or_else(|| {
            OpError::NotFound(format!("Could not find signal endpoint token {token_id}"))
        })
}

/// A stored signal token and its secret, which is never shown again.
#[derive(Debug)]
pub struct CreatedSignalToken {
    pub row: SignalTokenRow,
    pub secret: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreateSignalToken {
    pub endpoint_id: i64,
    pub name: String,
}

impl Operation for CreateSignalToken {
    type Output = CreatedSignalToken;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<CreatedSignalToken> {
        existing_endpoint(w, self.endpoint_id).await?;
        let name = automation::name(&self.name, "a token name")?;
        let existing = w.signal_tokens(self.endpoint_id).await?.len();
        if existing >= MAX_TOKENS_PER_ENDPOINT {
            return Err(OpError::invalid_input(format!(
                "The signal endpoint already has {existing} tokens: at most {MAX_TOKENS_PER_ENDPOINT} (the signal endpoint tokens limit)"
            )));
        }
        // 256 random bits as hex; not an API token's `project:env.` form.
        let secret: String = (0..2)
            .map(|_| uuid::Uuid::new_v4().simple().to_string())
            .collect();
        let row = SignalTokenRow {
            id: 0,
            endpoint_id: self.endpoint_id,
            name,
            secret_hash: hash_secret(&secret),
            created_at: now(),
            created_by: cx.actor.name.clone(),
        };
        let row = automation::create(w, &cx.actor, row).await?;
        Ok(CreatedSignalToken { row, secret })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RenameSignalToken {
    pub endpoint_id: i64,
    pub token_id: i64,
    pub name: String,
}

impl Operation for RenameSignalToken {
    type Output = SignalTokenRow;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<SignalTokenRow> {
        let before = existing_token(w, self.endpoint_id, self.token_id).await?;
        let after = SignalTokenRow {
            name: automation::name(&self.name, "a token name")?,
            ..before.clone()
        };
        automation::replace(w, &cx.actor, &before, after).await
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeleteSignalToken {
    pub endpoint_id: i64,
    pub token_id: i64,
}

impl Operation for DeleteSignalToken {
    type Output = ();

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        let before = existing_token(w, self.endpoint_id, self.token_id).await?;
        automation::delete(w, &cx.actor, &before).await
    }
}
