//! An event as the event log shows it and integrations send it (Unleash's
//! eventSchema).

use serde::Serialize;
use serde_json::Value;

use flagstaff_storage::{instant_text, EventRecord, Tag};

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"id": 42, "revision": 40, "type": "feature-environment-enabled",
    "createdAt": "2025-03-01T09:00:00Z", "createdBy": "admin", "project": "default",
    "environment": "production", "featureName": "new-checkout", "preData": null, "data": null,
    "tags": [{"type": "simple", "value": "checkout"}]}))]
pub struct EventView<'a> {
    pub id: i64,
    /// The revision of the change that recorded it (several events can share one).
    pub revision: i64,
    /// `feature-created`, `feature-strategy-update`, ... (Unleash's event types).
    #[serde(rename = "type")]
    pub event_type: &'a str,
    pub created_at: String,
    pub created_by: &'a str,
    pub project: Option<&'a str>,
    pub environment: Option<&'a str>,
    pub feature_name: Option<&'a str>,
    /// What the change replaced, as the admin API showed it (a flag, a
    /// strategy, a segment, ... whichever the type is about).
    pub pre_data: Option<&'a Value>,
    /// What the change made, as the admin API shows it.
    pub data: Option<&'a Value>,
    /// The flag's tags when the event was recorded.
    pub tags: &'a [Tag],
}

impl<'a> From<&'a EventRecord> for EventView<'a> {
    fn from(e: &'a EventRecord) -> Self {
        EventView {
            id: e.id,
            revision: e.revision,
            event_type: &e.event_type,
            created_at: instant_text(&e.created_at),
            created_by: &e.created_by,
            project: e.project.as_deref(),
            environment: e.environment.as_deref(),
            feature_name: e.feature_name.as_deref(),
            pre_data: e.pre_data.as_ref(),
            data: e.data.as_ref(),
            tags: &e.tags,
        }
    }
}
