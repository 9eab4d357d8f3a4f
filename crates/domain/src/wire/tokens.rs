//! API tokens and personal access tokens as the admin API lists them and the
//! event log records them: who a token is, never its secret (which only the
//! answer that creates it carries).

use serde::Serialize;

use flagstaff_storage::{instant_text, PatRow, TokenRow};

use crate::ops::tokens::display_prefix;

/// An API token (Unleash's apiTokenSchema, without the secret).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"id": "4f0c1a5e-2b7d-4e8f-9a1b-3c5d7e9f1a2b",
    "secretPrefix": "default:production.a1b2", "tokenName": "checkout-service",
    "type": "backend", "environment": "production", "projects": ["default"],
    "project": "default", "createdAt": "2025-03-01T09:00:00Z", "expiresAt": null}))]
pub struct TokenView<'a> {
    pub id: &'a str,
    pub secret_prefix: String,
    pub token_name: &'a str,
    /// `backend`, `frontend` or `admin` (client tokens are shown as Unleash names them).
    #[serde(rename = "type")]
    pub token_type: &'static str,
    pub environment: &'a str,
    pub projects: &'a [String],
    /// The one project, or `[]` for a token of several or all.
    pub project: &'a str,
    pub created_at: String,
    pub expires_at: Option<String>,
}

impl<'a> From<&'a TokenRow> for TokenView<'a> {
    fn from(t: &'a TokenRow) -> Self {
        TokenView {
            id: &t.id,
            secret_prefix: display_prefix(t),
            token_name: &t.token_name,
            token_type: t.token_type.shown(),
            environment: &t.environment,
            projects: &t.projects,
            project: match t.projects.as_slice() {
                [one] => one,
                _ => "[]",
            },
            created_at: instant_text(&t.created_at),
            expires_at: t.expires_at.as_ref().map(instant_text),
        }
    }
}

/// A personal access token (never its secret).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"id": 3, "description": "CI scripts",
    "expiresAt": "2026-03-01T00:00:00Z", "createdAt": "2025-03-01T09:00:00Z", "seenAt": null,
    "userId": 1}))]
pub struct PatView<'a> {
    pub id: i64,
    pub description: &'a str,
    pub expires_at: String,
    pub created_at: String,
    pub seen_at: Option<String>,
    pub user_id: i64,
}

impl<'a> From<&'a PatRow> for PatView<'a> {
    fn from(pat: &'a PatRow) -> Self {
        PatView {
            id: pat.id,
            description: &pat.description,
            expires_at: instant_text(&pat.expires_at),
            created_at: instant_text(&pat.created_at),
            seen_at: pat.seen_at.as_ref().map(instant_text),
            user_id: pat.user_id,
        }
    }
}
