//! The integration providers Flagstaff offers, as Unleash's addons API lists
//! them: each with its parameters (which are required, which are sensitive)
//! and the event types it can send.

use serde::Serialize;

use flagstaff_storage::EventKind;

/// A parameter of a provider (Unleash's addonParameterSchema): every value is text.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Parameter {
    pub name: &'static str,
    pub display_name: &'static str,
    /// How a form shows it: `url`, `text` or `textfield`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub description: &'static str,
    pub required: bool,
    /// Shown masked once stored.
    pub sensitive: bool,
}

/// A kind of integration (Unleash's addonTypeSchema).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Provider {
    pub name: &'static str,
    pub display_name: &'static str,
    pub description: &'static str,
    pub documentation_url: &'static str,
    pub parameters: &'static [Parameter],
    /// The event types it can send.
    pub events: &'static [EventKind],
}

/// The events an integration can be sent: every kind whose
/// [`EventKind::integrations_may_send`] says so, in the order the addons API
/// lists them (serialized by their wire names).
pub const EVENT_TYPES: &[EventKind] = &[
    EventKind::FeatureCreated,
    EventKind::FeatureMetadataUpdated,
    EventKind::FeatureArchived,
    EventKind::FeatureRevived,
    EventKind::FeatureDeleted,
    EventKind::FeatureStaleOn,
    EventKind::FeatureStaleOff,
    EventKind::FeatureEnvironmentEnabled,
    EventKind::FeatureEnvironmentDisabled,
    EventKind::FeatureStrategyAdd,
    EventKind::FeatureStrategyUpdate,
    EventKind::FeatureStrategyRemove,
    EventKind::FeatureEnvironmentVariantsUpdated,
    EventKind::FeatureLinkAdded,
    EventKind::FeatureLinkUpdated,
    EventKind::FeatureLinkRemoved,
    EventKind::FeatureDependencyAdded,
    EventKind::FeatureDependencyRemoved,
    EventKind::FeatureDependenciesRemoved,
    EventKind::FeaturesExported,
    EventKind::FeaturesImported,
    EventKind::SegmentCreated,
    EventKind::SegmentUpdated,
    EventKind::SegmentDeleted,
    EventKind::ContextFieldCreated,
    EventKind::ContextFieldUpdated,
    EventKind::ContextFieldDeleted,
    EventKind::ProjectCreated,
    EventKind::ProjectUpdated,
    EventKind::ProjectDeleted,
    EventKind::ProjectEnvironmentAdded,
    EventKind::ProjectEnvironmentRemoved,
    EventKind::EnvironmentCreated,
    EventKind::ApiTokenCreated,
    EventKind::ApiTokenUpdated,
    EventKind::ApiTokenDeleted,
    EventKind::AddonConfigCreated,
    EventKind::AddonConfigUpdated,
    EventKind::AddonConfigDeleted,
    EventKind::AddonDeliveryPaused,
    EventKind::AddonDeliveryResumed,
    EventKind::SignalEndpointCreated,
    EventKind::SignalEndpointUpdated,
    EventKind::SignalEndpointDeleted,
    EventKind::SignalEndpointTokenCreated,
    EventKind::SignalEndpointTokenUpdated,
    EventKind::SignalEndpointTokenDeleted,
    EventKind::ActionsCreated,
    EventKind::ActionsUpdated,
    EventKind::ActionsDeleted,
    EventKind::FeatureTagged,
    EventKind::FeatureUntagged,
    EventKind::TagCreated,
    EventKind::TagDeleted,
    EventKind::TagTypeCreated,
    EventKind::TagTypeUpdated,
    EventKind::TagTypeDeleted,
    EventKind::StrategyCreated,
    EventKind::StrategyUpdated,
    EventKind::StrategyDeprecated,
    EventKind::StrategyReactivated,
    EventKind::StrategyDeleted,
    EventKind::DefaultStrategyUpdated,
    EventKind::ChangeRequestConfigurationUpdated,
    EventKind::ChangeRequestCreated,
    EventKind::ChangeRequestDiscarded,
    EventKind::ChangeAdded,
    EventKind::ChangeDiscarded,
    EventKind::ChangeEdited,
    EventKind::ChangeRequestSentToReview,
    EventKind::ChangeRequestApprovalAdded,
    EventKind::ChangeRequestApproved,
    EventKind::ChangeRequestRejected,
    EventKind::ChangeRequestCancelled,
    EventKind::ChangeRequestApplied,
    EventKind::ChangeRequestScheduled,
    EventKind::ChangeRequestScheduledApplicationSuccess,
    EventKind::ChangeRequestScheduledApplicationFailure,
    EventKind::ChangeRequestRequestedApproversUpdated,
    EventKind::ReleasePlanTemplateCreated,
    EventKind::ReleasePlanTemplateUpdated,
    EventKind::ReleasePlanTemplateDeleted,
    EventKind::ReleasePlanTemplateArchived,
    EventKind::ReleasePlanAdded,
    EventKind::ReleasePlanRemoved,
    EventKind::ReleasePlanMilestoneStarted,
    EventKind::MilestoneProgressionCreated,
    EventKind::MilestoneProgressionUpdated,
    EventKind::MilestoneProgressionDeleted,
    EventKind::SafeguardChanged,
    EventKind::SafeguardDeleted,
    EventKind::SafeguardProgressionsPaused,
    EventKind::SafeguardProgressionsResumed,
    EventKind::ImpactMetricCreated,
    EventKind::ImpactMetricUpdated,
    EventKind::ImpactMetricDeleted,
];

const fn text(
    name: &'static str,
    display_name: &'static str,
    description: &'static str,
    required: bool,
    sensitive: bool,
) -> Parameter {
    Parameter {
        name,
        display_name,
        kind: "text",
        description,
        required,
        sensitive,
    }
}

const CUSTOM_HEADERS: Parameter = Parameter {
    name: "customHeaders",
    display_name: "Extra HTTP headers",
    kind: "textfield",
    description:
        "(Optional) A JSON object of header names and string values added to every request",
    required: false,
    sensitive: true,
};

pub static PROVIDERS: &[Provider] = &[
    Provider {
        name: "webhook",
        display_name: "Webhook",
        description: "POSTs each event to a URL of yours, signed, retried until it is accepted.",
        documentation_url: "https://docs.getunleash.io/reference/integrations/webhook",
        parameters: &[
            Parameter {
                name: "url",
                display_name: "Webhook URL",
                kind: "url",
                description: "(Required) The URL each event is POSTed to",
                required: true,
                sensitive: true,
            },
            text("contentType", "Content-Type", "(Optional) Defaults to application/json", false, false),
            text("authorization", "Authorization", "(Optional) The Authorization header to send", false, true),
            Parameter {
                name: "bodyTemplate",
                display_name: "Body template",
                kind: "textfield",
                description: "(Optional) The body as a template over the event, e.g. {\"event\": \"{{event.type}}\", \"flag\": \"{{event.featureName}}\", \"by\": \"{{event.createdBy}}\"}; without it the event as JSON",
                required: false,
                sensitive: false,
            },
            CUSTOM_HEADERS,
        ],
        events: EVENT_TYPES,
    },
    Provider {
        name: "slack",
        display_name: "Slack",
        description: "Posts a message about each event to a Slack incoming webhook.",
        documentation_url: "https://docs.getunleash.io/reference/integrations/slack",
        parameters: &[
            Parameter {
                name: "url",
                display_name: "Slack webhook URL",
                kind: "url",
                description: "(Required) The incoming webhook URL",
                required: true,
                sensitive: true,
            },
            text("username", "Username", "(Optional) Defaults to Flagstaff", false, false),
            text("emojiIcon", "Emoji icon", "(Optional) e.g. :rocket:", false, false),
            text("defaultChannel", "Default channel", "(Optional) The channel to post to", false, false),
            CUSTOM_HEADERS,
        ],
        events: EVENT_TYPES,
    },
    Provider {
        name: "teams",
        display_name: "Microsoft Teams",
        description: "Posts a card about each event to a Teams incoming webhook or workflow URL.",
        documentation_url: "https://docs.getunleash.io/reference/integrations/teams",
        parameters: &[
            Parameter {
                name: "url",
                display_name: "Teams webhook URL",
                kind: "url",
                description: "(Required) The incoming webhook or workflow URL",
                required: true,
                sensitive: true,
            },
            CUSTOM_HEADERS,
        ],
        events: EVENT_TYPES,
    },
    Provider {
        name: "datadog",
        display_name: "Datadog",
        description: "Sends each event to Datadog's events API.",
        documentation_url: "https://docs.getunleash.io/reference/integrations/datadog",
        parameters: &[
            Parameter {
                name: "url",
                display_name: "Datadog events URL",
                kind: "url",
                description: "(Optional) Defaults to https://api.datadoghq.com/api/v1/events",
                required: false,
                sensitive: false,
            },
            text("apiKey", "Datadog API key", "(Required) Sent as DD-API-KEY", true, true),
            text("sourceTypeName", "Source type", "(Optional) Datadog's source_type_name", false, false),
            CUSTOM_HEADERS,
        ],
        events: EVENT_TYPES,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_providers_offer_every_kind_integrations_may_send_once() {
        let offered: Vec<EventKind> = EventKind::ALL
            .iter()
            .copied()
            .filter(|kind| kind.integrations_may_send())
            .collect();
        let mut listed = EVENT_TYPES.to_vec();
        listed.sort_by_key(|kind| EventKind::ALL.iter().position(|k| k == kind));
        listed.dedup();
        assert_eq!(listed.len(), EVENT_TYPES.len(), "no kind listed twice");
        assert_eq!(listed, offered);
        assert!(PROVIDERS.iter().all(|p| p.events == EVENT_TYPES));
    }
}
