//! Signal endpoints, their tokens and signals, action sets and their runs as
//! Unleash Enterprise's admin API shows them (signalEndpointSchema,
//! signalEndpointTokenSchema, signalSchema, actionSetSchema,
//! actionSetEventSchema). Where Unleash names a user by id
//! (`createdByUserId`) we name the actor (`createdBy`): we have no users.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use flagstaff_storage::{
    instant_text, ActionRunRow, ActionSetRow, ActionStep, PayloadFilter, SignalEndpointRow,
    SignalRow, SignalTokenRow,
};

/// The only kind of signal source (Unleash's too).
pub const SIGNAL_SOURCE: &str = "signal-endpoint";

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
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

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
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

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignalView<'a> {
    pub id: i64,
    pub source: &'static str,
    pub source_id: i64,
    pub created_at: String,
    pub token_name: &'a str,
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

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MatchView<'a> {
    pub source: &'a str,
    pub source_id: i64,
    pub payload: &'a BTreeMap<String, PayloadFilter>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionView<'a> {
    #[serde(flatten)]
    pub step: &'a ActionStep,
    pub created_at: String,
    pub created_by: &'a str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
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
                    step,
                    created_at: instant_text(&a.created_at),
                    created_by: &a.created_by,
                })
                .collect(),
            created_at: instant_text(&a.created_at),
            created_by: &a.created_by,
        }
    }
}

/// One run of an action set (Unleash's actionSetEventSchema).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionRunView<'a> {
    pub id: i64,
    pub action_set_id: i64,
    pub signal_id: i64,
    pub created_at: String,
    pub state: &'static str,
    /// The signal it ran for (stored once, read with the run); `null` when
    /// that signal is gone.
    pub signal: Option<SignalView<'a>>,
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
