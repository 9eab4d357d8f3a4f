//! Integrations as the addons API shows them (Unleash's addon schemas, with
//! how deliveries go), and their delivery log.

use serde::Serialize;
use serde_json::{Map, Value};

use flagstaff_domain::integrations::{self, Provider, SIGNATURE_HEADER};
use flagstaff_storage::{instant_text, AttemptRow, IntegrationRow};

/// An integration (Unleash's addonSchema), with how its deliveries go.
/// Sensitive parameters are masked.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"id": 1, "provider": "webhook", "description": "Changes to the audit service",
    "enabled": true, "parameters": {"url": "*****", "contentType": "application/json"},
    "events": ["feature-created", "feature-environment-enabled"], "projects": ["default"],
    "environments": [], "createdAt": "2025-03-01T09:00:00Z",
    "delivery": {"state": "ok", "consecutiveFailures": 0, "pausedUntil": null}}))]
pub(super) struct IntegrationView<'a> {
    id: i64,
    provider: &'a str,
    description: Option<&'a str>,
    enabled: bool,
    /// The provider's parameters by name; a sensitive one as `*****`.
    #[schema(value_type = BTreeMap<String, String>)]
    parameters: Map<String, Value>,
    events: &'a [String],
    projects: &'a [String],
    environments: &'a [String],
    created_at: String,
    delivery: DeliveryStatus,
}

/// How an integration's deliveries go: `paused` after failing too often in a
/// row, until `pausedUntil` (when one is tried again; the first that
/// succeeds resumes it).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct DeliveryStatus {
    state: DeliveryState,
    consecutive_failures: i64,
    paused_until: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
enum DeliveryState {
    Ok,
    Paused,
}

impl<'a> From<&'a IntegrationRow> for IntegrationView<'a> {
    fn from(addon: &'a IntegrationRow) -> Self {
        let circuit = &addon.circuit;
        IntegrationView {
            id: addon.id,
            provider: &addon.provider,
            description: addon.description.as_deref(),
            enabled: addon.enabled,
            parameters: integrations::masked(&addon.provider, &addon.parameters),
            events: &addon.events,
            projects: &addon.projects,
            environments: &addon.environments,
            created_at: instant_text(&addon.created_at),
            delivery: DeliveryStatus {
                state: match circuit.paused_until {
                    Some(_) => DeliveryState::Paused,
                    None => DeliveryState::Ok,
                },
                consecutive_failures: circuit.failures,
                paused_until: circuit.paused_until.as_ref().map(instant_text),
            },
        }
    }
}

/// An integration just created: the only answer that carries its signing
/// secret, with which receivers check the signature header.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"id": 1, "provider": "webhook", "description": null,
    "enabled": true, "parameters": {"url": "*****"}, "events": ["feature-created"],
    "projects": [], "environments": [], "createdAt": "2025-03-01T09:00:00Z",
    "delivery": {"state": "ok", "consecutiveFailures": 0, "pausedUntil": null},
    "signingSecret": "9f8e7d6c5b4a39281706f5e4d3c2b1a0", "signatureHeader": "X-Flagstaff-Signature"}))]
pub(super) struct CreatedIntegrationView<'a> {
    #[serde(flatten)]
    integration: IntegrationView<'a>,
    signing_secret: &'a str,
    signature_header: &'static str,
}

impl<'a> CreatedIntegrationView<'a> {
    pub(super) fn new(addon: &'a IntegrationRow) -> Self {
        CreatedIntegrationView {
            integration: IntegrationView::from(addon),
            signing_secret: &addon.signing_secret,
            signature_header: SIGNATURE_HEADER,
        }
    }
}

/// Every integration, and the providers one can be made of.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"addons": [{"id": 1, "provider": "webhook", "description": null,
    "enabled": true, "parameters": {"url": "*****"}, "events": ["feature-created"],
    "projects": [], "environments": [], "createdAt": "2025-03-01T09:00:00Z",
    "delivery": {"state": "ok", "consecutiveFailures": 0, "pausedUntil": null}}],
    "providers": [{"name": "teams", "displayName": "Microsoft Teams",
        "description": "Posts a card about each event to a Teams incoming webhook or workflow URL.",
        "documentationUrl": "https://docs.getunleash.io/reference/integrations/teams",
        "parameters": [{"name": "url", "displayName": "Teams webhook URL", "type": "url",
            "description": "(Required) The incoming webhook or workflow URL", "required": true,
            "sensitive": true}],
        "events": ["feature-created"]}]}))]
pub(super) struct IntegrationList<'a> {
    pub(super) addons: Vec<IntegrationView<'a>>,
    pub(super) providers: &'static [Provider],
}

/// One delivery attempt, as Unleash's integration events show deliveries.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct AttemptView<'a> {
    id: i64,
    integration_id: i64,
    created_at: String,
    state: AttemptState,
    /// What happened (the answer's status, or why it was not sent).
    state_details: &'a str,
    event: AttemptEvent<'a>,
    details: AttemptDetails,
    /// When this delivery is tried again (the latest attempt of a failed
    /// delivery still being retried); `null` otherwise.
    next_attempt_at: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
enum AttemptState {
    Success,
    Failed,
}

/// The event an attempt delivered (its type and flag: `null` once the event
/// is gone).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct AttemptEvent<'a> {
    id: i64,
    #[serde(rename = "type")]
    event_type: Option<&'a str>,
    feature_name: Option<&'a str>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct AttemptDetails {
    /// 1 for the first attempt at a delivery.
    attempt: i64,
    /// The receiver's HTTP status; `null` when none answered.
    status: Option<i64>,
    latency_ms: i64,
}

impl<'a> From<&'a AttemptRow> for AttemptView<'a> {
    fn from(a: &'a AttemptRow) -> Self {
        AttemptView {
            id: a.id,
            integration_id: a.addon_id,
            created_at: instant_text(&a.created_at),
            state: if a.succeeded {
                AttemptState::Success
            } else {
                AttemptState::Failed
            },
            state_details: &a.details,
            event: AttemptEvent {
                id: a.event_id,
                event_type: a.event_type.as_deref(),
                feature_name: a.feature_name.as_deref(),
            },
            details: AttemptDetails {
                attempt: a.attempt,
                status: a.status,
                latency_ms: a.latency_ms,
            },
            next_attempt_at: a.next_attempt_at.as_ref().map(instant_text),
        }
    }
}

/// An integration's recent delivery attempts, newest first.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"integrationEvents": [{"id": 12, "integrationId": 1,
    "createdAt": "2025-03-01T09:00:01Z", "state": "success", "stateDetails": "200 OK",
    "event": {"id": 42, "type": "feature-created", "featureName": "new-checkout"},
    "details": {"attempt": 1, "status": 200, "latencyMs": 35}, "nextAttemptAt": null}]}))]
pub(super) struct DeliveryList<'a> {
    pub(super) integration_events: Vec<AttemptView<'a>>,
}
