//! Signal endpoints, their tokens and signals, action sets and their runs as
//! Unleash Enterprise's admin API shows them (signalEndpointSchema,
//! signalEndpointTokenSchema, signalSchema, actionSetSchema,
//! actionSetEventSchema). Where Unleash names a user by id
//! (`createdByUserId`) we name the actor (`createdBy`): we have no users.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use flagstaff_storage::{
    instant_text, ActionRunRow, ActionSetRow, PayloadFilter, SignalEndpointRow, SignalRow,
    SignalTokenRow,
};

/// The only kind of signal source (Unleash's too).
pub const SIGNAL_SOURCE: &str = "signal-endpoint";

/// A signal endpoint's token, without its secret.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"id": 1, "name": "jira-token", "signalEndpointId": 1,
    "createdAt": "2025-03-01T09:00:00Z", "createdBy": "admin"}))]
pub struct SignalTokenView<'a> {
    pub id: i64,
    pub name: &'a str,
    pub signal_endpoint_id: i64,
    pub created_at: String,
    pub created_by: &'a str,
}

impl<'a> From<&'a SignalTokenRow> for SignalTokenView<'a> {
    fn from(t: &'a SignalTokenRow) -> Self {
        SignalTokenView {
            id: t.id,
            name: &t.name,
            signal_endpoint_id: t.endpoint_id,
            created_at: instant_text(&t.created_at),
            created_by: &t.created_by,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"id": 1, "name": "jira", "description": "Issue changes from Jira",
    "enabled": true, "url": "/api/signal-endpoint/jira", "createdAt": "2025-03-01T09:00:00Z",
    "createdBy": "admin", "tokens": [{"id": 1, "name": "jira-token", "signalEndpointId": 1,
        "createdAt": "2025-03-01T09:00:00Z", "createdBy": "admin"}]}))]
pub struct SignalEndpointView<'a> {
    pub id: i64,
    pub name: &'a str,
    pub description: Option<&'a str>,
    pub enabled: bool,
    /// Where signals are sent (a path on this server).
    pub url: String,
    pub created_at: String,
    pub created_by: &'a str,
    /// Without secrets. Events leave them out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tokens: Option<Vec<SignalTokenView<'a>>>,
}

impl<'a> SignalEndpointView<'a> {
    pub fn new(e: &'a SignalEndpointRow) -> Self {
        SignalEndpointView {
            id: e.id,
            name: &e.name,
            description: e.description.as_deref(),
            enabled: e.enabled,
            url: format!("/api/signal-endpoint/{}", e.name),
            created_at: instant_text(&e.created_at),
            created_by: &e.created_by,
            tokens: None,
        }
    }

    /// With the endpoint's tokens (those of `tokens` whose endpoint it is).
    pub fn with_tokens(self, tokens: &'a [SignalTokenRow]) -> Self {
        let id = self.id;
        SignalEndpointView {
            tokens: Some(
                tokens
                    .iter()
                    .filter(|t| t.endpoint_id == id)
                    .map(SignalTokenView::from)
                    .collect(),
            ),
            ..self
        }
    }
}

/// A signal an endpoint received.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"id": 7, "source": "signal-endpoint", "sourceId": 1,
    "createdAt": "2025-03-01T09:00:00Z", "tokenName": "jira-token",
    "payload": {"issue": {"key": "CHK-12", "fields": {"status": {"name": "In QA"}}}}}))]
pub struct SignalView<'a> {
    pub id: i64,
    /// Always `signal-endpoint`.
    pub source: &'static str,
    /// The endpoint's id.
    pub source_id: i64,
    pub created_at: String,
    /// The name of the token it was sent with.
    pub token_name: &'a str,
    /// The JSON object sent; `null` once pruned while a run still names it.
    pub payload: &'a Value,
}

impl<'a> From<&'a SignalRow> for SignalView<'a> {
    fn from(s: &'a SignalRow) -> Self {
        SignalView {
            id: s.id,
            source: SIGNAL_SOURCE,
            source_id: s.endpoint_id,
            created_at: instant_text(&s.created_at),
            token_name: &s.token_name,
            payload: &s.payload,
        }
    }
}

/// Which signals set an action set off: those of one endpoint whose payload
/// passes every filter.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MatchView<'a> {
    /// Always `signal-endpoint`.
    pub source: &'a str,
    /// The endpoint's id.
    pub source_id: i64,
    /// Dotted payload path → condition.
    pub payload: &'a BTreeMap<String, PayloadFilter>,
}

/// One step of an action set; in a run's log, with how it went.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActionView<'a> {
    /// Its position in the set, from 1.
    pub id: i64,
    /// `TOGGLE_FEATURE_ON`, `TOGGLE_FEATURE_OFF` or `SET_ROLLOUT`.
    pub action: &'a str,
    pub sort_order: i64,
    #[schema(value_type = crate::ops::ExecutionParams)]
    pub execution_params: &'a BTreeMap<String, Value>,
    pub created_at: String,
    pub created_by: &'a str,
    /// In a run's log only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<StepOutcome>,
    /// In a run's log only: why a step failed or did not run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

/// How a step of a run went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StepOutcome {
    Success,
    Failed,
    #[serde(rename = "not started")]
    NotStarted,
}

/// An action set (Unleash's actionSetSchema); a run's log shows it as it ran,
/// each action with its `state`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"id": 1, "project": "default", "name": "qa-enables-checkout",
    "description": null, "enabled": true, "actorId": 7,
    "match": {"source": "signal-endpoint", "sourceId": 1,
        "payload": {"issue.fields.status.name": {"operator": "IN", "values": ["In QA"],
            "caseInsensitive": false, "inverted": false}}},
    "actions": [{"id": 1, "action": "TOGGLE_FEATURE_ON", "sortOrder": 1,
        "executionParams": {"project": "default", "featureName": "new-checkout",
            "environment": "development"},
        "createdAt": "2025-03-01T09:00:00Z", "createdBy": "admin"}],
    "createdAt": "2025-03-01T09:00:00Z", "createdBy": "admin"}))]
pub struct ActionSetView<'a> {
    pub id: i64,
    pub project: &'a str,
    pub name: &'a str,
    pub description: Option<&'a str>,
    pub enabled: bool,
    pub actor_id: Option<i64>,
    #[serde(rename = "match")]
    pub matching: MatchView<'a>,
    pub actions: Vec<ActionView<'a>>,
    pub created_at: String,
    pub created_by: &'a str,
}

impl<'a> From<&'a ActionSetRow> for ActionSetView<'a> {
    fn from(a: &'a ActionSetRow) -> Self {
        ActionSetView {
            id: a.id,
            project: &a.project,
            name: &a.name,
            description: a.description.as_deref(),
            enabled: a.enabled,
            actor_id: a.actor_id,
            matching: MatchView {
                source: &a.source,
                source_id: a.source_id,
                payload: &a.filters,
            },
            actions: a
                .actions
                .iter()
                .map(|step| ActionView {
                    id: step.id,
                    action: &step.action,
                    sort_order: step.sort_order,
                    execution_params: &step.execution_params,
                    created_at: instant_text(&a.created_at),
                    created_by: &a.created_by,
                    state: None,
                    details: None,
                })
                .collect(),
            created_at: instant_text(&a.created_at),
            created_by: &a.created_by,
        }
    }
}

/// One run of an action set (Unleash's actionSetEventSchema).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"id": 3, "actionSetId": 1, "signalId": 7,
    "createdAt": "2025-03-01T09:00:00Z", "state": "success",
    "signal": {"id": 7, "source": "signal-endpoint", "sourceId": 1,
        "createdAt": "2025-03-01T09:00:00Z", "tokenName": "jira-token",
        "payload": {"issue": {"key": "CHK-12"}}},
    "actionSet": {"id": 1, "project": "default", "name": "qa-enables-checkout",
        "description": null, "enabled": true, "actorId": 7,
        "match": {"source": "signal-endpoint", "sourceId": 1, "payload": {}},
        "actions": [{"id": 1, "action": "TOGGLE_FEATURE_ON", "sortOrder": 1,
            "executionParams": {"project": "default", "featureName": "new-checkout",
                "environment": "development"},
            "createdAt": "2025-03-01T09:00:00Z", "createdBy": "admin", "state": "success"}],
        "createdAt": "2025-03-01T09:00:00Z", "createdBy": "admin"}}))]
pub struct ActionRunView<'a> {
    pub id: i64,
    pub action_set_id: i64,
    pub signal_id: i64,
    pub created_at: String,
    /// `success`, `failed`, or `skipped` (not run: the loop guard).
    pub state: &'static str,
    /// The signal it ran for (stored once, read with the run); `null` when
    /// that signal is gone.
    pub signal: Option<SignalView<'a>>,
    /// The action set as it ran, each action with its `state` (as
    /// [`ActionSetView`] wrote it to the log).
    #[schema(value_type = ActionSetView)]
    pub action_set: &'a Value,
}

impl<'a> From<&'a ActionRunRow> for ActionRunView<'a> {
    fn from(r: &'a ActionRunRow) -> Self {
        ActionRunView {
            id: r.id,
            action_set_id: r.action_set_id,
            signal_id: r.signal_id,
            created_at: instant_text(&r.created_at),
            state: r.state.as_str(),
            signal: r.signal.as_ref().map(SignalView::from),
            action_set: &r.action_set,
        }
    }
}
