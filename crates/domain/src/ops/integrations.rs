//! Integration (addon) operations. The input is checked in two steps: what
//! needs the network (the target URL resolves to an address integrations may
//! call) in [`IntegrationInput::checked`], before the change transaction — never
//! while holding the change lock — and the rest inside it.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::{Context, FieldPath, OpError, OpResult, Operation};
use crate::integrations::{self, target::TargetPolicy, MASK};
use chrono::{DateTime, Utc};
use flagstaff_storage::{
    instant_text, now, DeliveryCircuit, EventKind, IntegrationRow, NewEvent, WriteTx,
};

/// An integration as the admin API receives it (Unleash's addonCreateUpdateSchema).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"provider": "webhook", "description": "Changes to the audit service",
    "enabled": true, "parameters": {"url": "https://audit.example.com/flags"},
    "events": ["feature-created", "feature-environment-enabled"], "projects": ["default"],
    "environments": []}))]
pub struct IntegrationInput {
    /// `webhook`, `slack`, `teams` or `datadog`.
    pub provider: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// The provider's parameters by name (its `parameters` in the providers
    /// list), each a string; a sensitive one sent back masked keeps its value.
    #[serde(default)]
    #[schema(value_type = BTreeMap<String, String>)]
    pub parameters: Map<String, Value>,
    /// The event types to send (at least one).
    #[serde(default)]
    pub events: Vec<String>,
    /// Only events of these projects (none, or `*`: every project).
    #[serde(default)]
    pub projects: Vec<String>,
    /// Only events of these environments (none, or `*`: every one).
    #[serde(default)]
    pub environments: Vec<String>,
}

fn yes() -> bool {
    true
}

/// An input whose URL passed the target policy (see the module comment).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckedIntegration(IntegrationInput);

impl IntegrationInput {
    /// Checks everything that does not need the stored state: the provider,
    /// its parameters and events, and that its URL may be called (a masked
    /// URL is the stored one, checked when it was stored and at every delivery).
    pub async fn checked(self, policy: &TargetPolicy) -> OpResult<CheckedIntegration> {
        let provider = integrations::provider(&self.provider).ok_or_else(|| {
            OpError::invalid(
                FieldPath::root().field("provider"),
                format!("Unknown addon provider {}", self.provider),
            )
        })?;
        if let Some((field, why)) = integrations::problem(provider, &self.parameters, &self.events)
        {
            return Err(OpError::invalid(field, why));
        }
        if self.description.as_ref().is_some_and(|d| d.len() > 1000) {
            return Err(OpError::invalid(
                FieldPath::root().field("description"),
                "the description is at most 1,000 characters",
            ));
        }
        for (list, names) in [
            ("projects", &self.projects),
            ("environments", &self.environments),
        ] {
            if names.len() > 1000 {
                return Err(OpError::invalid(
                    FieldPath::root().field(list),
                    "at most 1,000 projects and environments",
                ));
            }
        }
        if let Some(url) = integrations::target_url(&self.provider, &self.parameters) {
            if url != MASK {
                if let Some(why) = policy.problem(&url).await {
                    return Err(OpError::invalid(
                        FieldPath::root().field("parameters").field("url"),
                        why,
                    ));
                }
            }
        }
        Ok(CheckedIntegration(self))
    }
}

impl CheckedIntegration {
    /// Projects and environments named must exist (`*` is every one).
    async fn check_scope(&self, w: &mut WriteTx<'_>) -> OpResult<()> {
        for (i, project) in self.0.projects.iter().enumerate() {
            if project != "*" && !w.project_exists(project).await? {
                return Err(OpError::invalid(
                    FieldPath::root().field("projects").index(i),
                    format!("Project={project} does not exist"),
                ));
            }
        }
        let environments = w.environments().await?;
        for (i, environment) in self.0.environments.iter().enumerate() {
            if environment != "*" && !environments.iter().any(|e| &e.name == environment) {
                return Err(OpError::invalid(
                    FieldPath::root().field("environments").index(i),
                    format!("Environment={environment} does not exist"),
                ));
            }
        }
        Ok(())
    }
}

/// The event data of an integration: never its parameters (they may hold secrets).
fn integration_data(addon: &IntegrationRow) -> Value {
    json!({"id": addon.id, "provider": addon.provider, "enabled": addon.enabled,
           "events": addon.events, "projects": addon.projects, "environments": addon.environments})
}

fn integration_event(event_type: EventKind, cx: &Context) -> NewEvent {
    NewEvent {
        created_by: cx.actor.name.clone(),
        ..NewEvent::new(event_type)
    }
}

/// What creating an integration made: the row and its signing secret (shown once).
#[derive(Debug, Clone)]
pub struct CreatedIntegration {
    pub addon: IntegrationRow,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreateIntegration {
    pub addon: CheckedIntegration,
}

impl Operation for CreateIntegration {
    type Output = CreatedIntegration;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<CreatedIntegration> {
        self.addon.check_scope(w).await?;
        let input = self.addon.0;
        if let Some(name) = input
            .parameters
            .iter()
            .find_map(|(name, v)| (v == MASK).then_some(name))
        {
            return Err(OpError::invalid(
                FieldPath::root().field("parameters").field(name.as_str()),
                format!("{MASK} is not a parameter value"),
            ));
        }
        let mut addon = IntegrationRow {
            id: 0,
            provider: input.provider,
            description: input.description,
            enabled: input.enabled,
            parameters: input.parameters,
            events: input.events,
            projects: input.projects,
            environments: input.environments,
            signing_secret: hex::encode(uuid::Uuid::new_v4().as_bytes())
                + &hex::encode(uuid::Uuid::new_v4().as_bytes()),
            created_at: now(),
            circuit: DeliveryCircuit::default(),
        };
        addon.id = w.insert_integration(&addon).await?;
        w.record_event(NewEvent {
            data: Some(integration_data(&addon)),
            ..integration_event(EventKind::AddonConfigCreated, cx)
        })
        .await?;
        Ok(CreatedIntegration { addon })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UpdateIntegration {
    pub id: i64,
    pub addon: CheckedIntegration,
}

impl Operation for UpdateIntegration {
    type Output = IntegrationRow;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<IntegrationRow> {
        let before = w.integration(self.id).await?;
        self.addon.check_scope(w).await?;
        let input = self.addon.0;
        if input.provider != before.provider {
            return Err(OpError::invalid(
                FieldPath::root().field("provider"),
                "an integration's provider cannot change; create another",
            ));
        }
        // A masked value keeps the stored one (the API never shows it).
        let mut parameters = input.parameters;
        for (name, value) in parameters.iter_mut() {
            if value == MASK {
                *value = before.parameters.get(name).cloned().ok_or_else(|| {
                    OpError::invalid(
                        FieldPath::root().field("parameters").field(name.as_str()),
                        format!("{name} has no stored value to keep"),
                    )
                })?;
            }
        }
        let addon = IntegrationRow {
            description: input.description,
            enabled: input.enabled,
            parameters,
            events: input.events,
            projects: input.projects,
            environments: input.environments,
            ..before.clone()
        };
        w.update_integration(&addon).await?;
        w.record_event(NewEvent {
            pre_data: Some(integration_data(&before)),
            data: Some(integration_data(&addon)),
            ..integration_event(EventKind::AddonConfigUpdated, cx)
        })
        .await?;
        Ok(addon)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeleteIntegration {
    pub id: i64,
}

impl Operation for DeleteIntegration {
    type Output = ();

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        let before = w.integration(self.id).await?;
        w.delete_integration(self.id).await?;
        w.record_event(NewEvent {
            pre_data: Some(integration_data(&before)),
            ..integration_event(EventKind::AddonConfigDeleted, cx)
        })
        .await?;
        Ok(())
    }
}

/// The delivery worker's change to an integration's circuit, decided on its
/// stored state under the change lock (so, with several replicas, one of
/// them records each change): pauses it after `pause_after` failed attempts
/// in a row (`addon-delivery-paused`, until `paused_until`), resumes it when
/// a delivery succeeded while it was paused (`addon-delivery-resumed`); does
/// nothing if neither holds any more.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SetDeliveryCircuit {
    pub id: i64,
    pub pause_after: i64,
    pub paused_until: DateTime<Utc>,
}

impl Operation for SetDeliveryCircuit {
    /// The event recorded, if the circuit changed.
    type Output = Option<EventKind>;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<Option<EventKind>> {
        let addon = match w.integration(self.id).await {
            Ok(addon) => addon,
            Err(flagstaff_storage::StorageError::NotFound(_)) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let circuit = &addon.circuit;
        let mut data = json!({"id": addon.id, "provider": addon.provider,
            "description": addon.description, "consecutiveFailures": circuit.failures});
        let event_type = match &circuit.paused_until {
            None if circuit.failures >= self.pause_after => {
                w.pause_integration(addon.id, &self.paused_until).await?;
                data["pausedUntil"] = json!(instant_text(&self.paused_until));
                EventKind::AddonDeliveryPaused
            }
            Some(_) if circuit.failures == 0 => {
                w.resume_integration(addon.id).await?;
                EventKind::AddonDeliveryResumed
            }
            _ => return Ok(None),
        };
        w.record_event(NewEvent {
            data: Some(data),
            ..integration_event(event_type, cx)
        })
        .await?;
        Ok(Some(event_type))
    }
}

/// Sends a test notification through integration `id`: an `addon-test-sent`
/// event queued for this integration only (whatever its event filter, and
/// even while it is disabled), which the delivery worker sends as it sends
/// every event — rendered by the provider, signed, retried — and logs in the
/// integration's delivery log.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SendTestNotification {
    pub id: i64,
}

impl Operation for SendTestNotification {
    type Output = ();

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        let addon = w.integration(self.id).await?;
        let event = NewEvent {
            data: Some(json!({"id": addon.id, "provider": addon.provider,
                "description": addon.description,
                "message": "A test notification from Flagstaff: this integration reaches its target."})),
            ..integration_event(EventKind::AddonTestSent, cx)
        };
        w.record_event_for(event, addon.id).await?;
        Ok(())
    }
}
