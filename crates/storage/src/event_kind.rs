//! The kinds of event Flagstaff records, by Unleash's wire names, and what
//! each one touches (the snapshot decides what to reload from it) and whether
//! integrations may send it: a new kind does not compile until
//! [`EventKind::touches`] and [`EventKind::integrations_may_send`] say so.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

macro_rules! event_kinds {
    ($($variant:ident => $name:literal,)*) => {
        /// A kind of event Flagstaff records (the `type` of an event row).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum EventKind {
            $(#[serde(rename = $name)] $variant,)*
        }

        /// On the wire: its name, one of [`EventKind::ALL`]'s.
        impl utoipa::PartialSchema for EventKind {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::Type::String)
                    .enum_values(Some([$($name,)*]))
                    .into()
            }
        }

        impl utoipa::ToSchema for EventKind {}

        impl EventKind {
            /// Every kind, in declaration order.
            pub const ALL: &'static [EventKind] = &[$(EventKind::$variant,)*];

            /// Its wire name, e.g. `feature-created`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(EventKind::$variant => $name,)*
                }
            }
        }

        impl FromStr for EventKind {
            type Err = UnknownEventKind;

            fn from_str(name: &str) -> Result<EventKind, UnknownEventKind> {
                match name {
                    $($name => Ok(EventKind::$variant),)*
                    _ => Err(UnknownEventKind(name.to_owned())),
                }
            }
        }
    };
}

event_kinds! {
    FeatureCreated => "feature-created",
    FeatureMetadataUpdated => "feature-metadata-updated",
    FeatureArchived => "feature-archived",
    FeatureRevived => "feature-revived",
    FeatureDeleted => "feature-deleted",
    FeatureStaleOn => "feature-stale-on",
    FeatureStaleOff => "feature-stale-off",
    FeatureEnvironmentEnabled => "feature-environment-enabled",
    FeatureEnvironmentDisabled => "feature-environment-disabled",
    FeatureStrategyAdd => "feature-strategy-add",
    FeatureStrategyUpdate => "feature-strategy-update",
    FeatureStrategyRemove => "feature-strategy-remove",
    FeatureEnvironmentVariantsUpdated => "feature-environment-variants-updated",
    FeatureLinkAdded => "feature-link-added",
    FeatureLinkUpdated => "feature-link-updated",
    FeatureLinkRemoved => "feature-link-removed",
    FeatureCompleted => "feature-completed",
    FeatureUncompleted => "feature-uncompleted",
    FeatureDependencyAdded => "feature-dependency-added",
    FeatureDependencyRemoved => "feature-dependency-removed",
    FeatureDependenciesRemoved => "feature-dependencies-removed",
    FeaturesExported => "features-exported",
    FeaturesImported => "features-imported",
    SegmentCreated => "segment-created",
    SegmentUpdated => "segment-updated",
    SegmentDeleted => "segment-deleted",
    ContextFieldCreated => "context-field-created",
    ContextFieldUpdated => "context-field-updated",
    ContextFieldDeleted => "context-field-deleted",
    ProjectCreated => "project-created",
    ProjectUpdated => "project-updated",
    ProjectDeleted => "project-deleted",
    ProjectEnvironmentAdded => "project-environment-added",
    ProjectEnvironmentRemoved => "project-environment-removed",
    EnvironmentCreated => "environment-created",
    EnvironmentUpdated => "environment-updated",
    ApiTokenCreated => "api-token-created",
    ApiTokenUpdated => "api-token-updated",
    ApiTokenDeleted => "api-token-deleted",
    PatCreated => "pat-created",
    PatDeleted => "pat-deleted",
    UserCreated => "user-created",
    SettingCreated => "setting-created",
    SettingUpdated => "setting-updated",
    FeatureTypeUpdated => "feature-type-updated",
    UserPasswordChanged => "user-password-changed",
    UserUpdated => "user-updated",
    UserDeleted => "user-deleted",
    UserResetLinkCreated => "user-reset-link-created",
    AddonConfigCreated => "addon-config-created",
    AddonConfigUpdated => "addon-config-updated",
    AddonConfigDeleted => "addon-config-deleted",
    AddonDeliveryPaused => "addon-delivery-paused",
    AddonDeliveryResumed => "addon-delivery-resumed",
    AddonTestSent => "addon-test-sent",
    SignalEndpointCreated => "signal-endpoint-created",
    SignalEndpointUpdated => "signal-endpoint-updated",
    SignalEndpointDeleted => "signal-endpoint-deleted",
    SignalEndpointTokenCreated => "signal-endpoint-token-created",
    SignalEndpointTokenUpdated => "signal-endpoint-token-updated",
    SignalEndpointTokenDeleted => "signal-endpoint-token-deleted",
    ActionsCreated => "actions-created",
    ActionsUpdated => "actions-updated",
    ActionsDeleted => "actions-deleted",
    FeatureTagged => "feature-tagged",
    FeatureUntagged => "feature-untagged",
    TagCreated => "tag-created",
    TagDeleted => "tag-deleted",
    TagTypeCreated => "tag-type-created",
    TagTypeUpdated => "tag-type-updated",
    TagTypeDeleted => "tag-type-deleted",
    StrategyCreated => "strategy-created",
    StrategyUpdated => "strategy-updated",
    StrategyDeprecated => "strategy-deprecated",
    StrategyReactivated => "strategy-reactivated",
    StrategyDeleted => "strategy-deleted",
    DefaultStrategyUpdated => "default-strategy-updated",
    ChangeRequestConfigurationUpdated => "change-request-configuration-updated",
    ChangeRequestCreated => "change-request-created",
    ChangeRequestDiscarded => "change-request-discarded",
    ChangeAdded => "change-added",
    ChangeDiscarded => "change-discarded",
    ChangeEdited => "change-edited",
    ChangeRequestSentToReview => "change-request-sent-to-review",
    ChangeRequestApprovalAdded => "change-request-approval-added",
    ChangeRequestApproved => "change-request-approved",
    ChangeRequestRejected => "change-request-rejected",
    ChangeRequestCancelled => "change-request-cancelled",
    ChangeRequestApplied => "change-request-applied",
    ChangeRequestScheduled => "change-request-scheduled",
    ChangeRequestScheduledApplicationSuccess => "change-request-scheduled-application-success",
    ChangeRequestScheduledApplicationFailure => "change-request-scheduled-application-failure",
    ChangeRequestRequestedApproversUpdated => "change-request-requested-approvers-updated",
    ReleasePlanTemplateCreated => "release-plan-template-created",
    ReleasePlanTemplateUpdated => "release-plan-template-updated",
    ReleasePlanTemplateDeleted => "release-plan-template-deleted",
    ReleasePlanTemplateArchived => "release-plan-template-archived",
    ReleasePlanAdded => "release-plan-added",
    ReleasePlanRemoved => "release-plan-removed",
    ReleasePlanMilestoneStarted => "release-plan-milestone-started",
    MilestoneProgressionCreated => "milestone-progression-created",
    MilestoneProgressionUpdated => "milestone-progression-updated",
    MilestoneProgressionDeleted => "milestone-progression-deleted",
    SafeguardChanged => "safeguard-changed",
    SafeguardDeleted => "safeguard-deleted",
    SafeguardProgressionsPaused => "safeguard-progressions-paused",
    SafeguardProgressionsResumed => "safeguard-progressions-resumed",
    ImpactMetricCreated => "impact-metric-created",
    ImpactMetricUpdated => "impact-metric-updated",
    ImpactMetricDeleted => "impact-metric-deleted",
}

/// A name that is no event kind Flagstaff records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownEventKind(pub String);

impl fmt::Display for UnknownEventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no event kind is named {:?}", self.0)
    }
}

impl std::error::Error for UnknownEventKind {}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an event touches, as far as the client documents and the caches
/// built beside them go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Touches {
    /// The token cache, whatever the event names (signal endpoint tokens:
    /// in no client document, the cache knows their hashes).
    Tokens,
    /// Nothing any client document holds, whatever the event names (links,
    /// signal endpoints, action sets, integrations, exports, an import's
    /// summary: a step an action set or an import runs records its own events;
    /// web UI users, whose PATs are looked up at every request, never cached).
    Nothing,
    /// The flag the event names; an event naming none touches the part given.
    FlagElse(Part),
}

/// What an event that names no flag touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The segment whose id the change records (everything without one).
    Segment,
    /// The token cache (API tokens, personal access tokens).
    Tokens,
    /// The set of projects.
    Projects,
    /// The set of tags (a new tag is in no flag until its own event).
    Tags,
    /// Nothing any client document holds (context fields, strategy types,
    /// tag types; a default strategy is copied into a flag by its own event).
    Nothing,
    /// Something the log does not narrow down (a new environment, a deleted
    /// tag or tag type, which leaves flags, …): rebuild.
    Everything,
}

impl EventKind {
    /// What an event of this kind touches. No wildcard arm: a new kind does
    /// not compile until it is placed here.
    pub const fn touches(self) -> Touches {
        match self {
            EventKind::SignalEndpointDeleted
            | EventKind::SignalEndpointTokenCreated
            | EventKind::SignalEndpointTokenUpdated
            | EventKind::SignalEndpointTokenDeleted => Touches::Tokens,
            EventKind::FeatureLinkAdded
            | EventKind::FeatureLinkUpdated
            | EventKind::FeatureLinkRemoved
            | EventKind::FeatureCompleted
            | EventKind::FeatureUncompleted
            | EventKind::FeaturesExported
            | EventKind::FeaturesImported
            | EventKind::AddonConfigCreated
            | EventKind::AddonConfigUpdated
            | EventKind::AddonConfigDeleted
            | EventKind::AddonDeliveryPaused
            | EventKind::AddonDeliveryResumed
            | EventKind::AddonTestSent
            | EventKind::SignalEndpointCreated
            | EventKind::SignalEndpointUpdated
            | EventKind::ActionsCreated
            | EventKind::ActionsUpdated
            | EventKind::ActionsDeleted
            | EventKind::UserCreated
            | EventKind::UserPasswordChanged
            | EventKind::UserUpdated
            | EventKind::UserDeleted
            | EventKind::UserResetLinkCreated
            | EventKind::ChangeRequestConfigurationUpdated
            | EventKind::ChangeRequestCreated
            | EventKind::ChangeRequestDiscarded
            | EventKind::ChangeAdded
            | EventKind::ChangeDiscarded
            | EventKind::ChangeEdited
            | EventKind::ChangeRequestSentToReview
            | EventKind::ChangeRequestApprovalAdded
            | EventKind::ChangeRequestApproved
            | EventKind::ChangeRequestRejected
            | EventKind::ChangeRequestCancelled
            | EventKind::ChangeRequestApplied
            | EventKind::ChangeRequestScheduled
            | EventKind::ChangeRequestScheduledApplicationSuccess
            | EventKind::ChangeRequestScheduledApplicationFailure
            | EventKind::ChangeRequestRequestedApproversUpdated => Touches::Nothing,
            EventKind::SegmentCreated | EventKind::SegmentUpdated | EventKind::SegmentDeleted => {
                Touches::FlagElse(Part::Segment)
            }
            EventKind::ApiTokenCreated
            | EventKind::ApiTokenUpdated
            | EventKind::ApiTokenDeleted
            | EventKind::PatCreated
            | EventKind::PatDeleted => Touches::FlagElse(Part::Tokens),
            EventKind::ProjectCreated | EventKind::ProjectUpdated | EventKind::ProjectDeleted => {
                Touches::FlagElse(Part::Projects)
            }
            EventKind::TagCreated => Touches::FlagElse(Part::Tags),
            EventKind::ContextFieldCreated
            | EventKind::ContextFieldUpdated
            | EventKind::ContextFieldDeleted
            | EventKind::TagTypeCreated
            | EventKind::TagTypeUpdated
            | EventKind::StrategyCreated
            | EventKind::StrategyUpdated
            | EventKind::StrategyDeprecated
            | EventKind::StrategyReactivated
            | EventKind::StrategyDeleted
            | EventKind::DefaultStrategyUpdated
            | EventKind::SettingCreated
            | EventKind::SettingUpdated
            | EventKind::FeatureTypeUpdated
            | EventKind::ReleasePlanTemplateCreated
            | EventKind::ReleasePlanTemplateUpdated
            | EventKind::ReleasePlanTemplateDeleted
            | EventKind::ReleasePlanTemplateArchived
            | EventKind::ImpactMetricCreated
            | EventKind::ImpactMetricUpdated
            | EventKind::ImpactMetricDeleted => Touches::FlagElse(Part::Nothing),
            EventKind::FeatureCreated
            | EventKind::FeatureMetadataUpdated
            | EventKind::FeatureArchived
            | EventKind::FeatureRevived
            | EventKind::FeatureDeleted
            | EventKind::FeatureStaleOn
            | EventKind::FeatureStaleOff
            | EventKind::FeatureEnvironmentEnabled
            | EventKind::FeatureEnvironmentDisabled
            | EventKind::FeatureStrategyAdd
            | EventKind::FeatureStrategyUpdate
            | EventKind::FeatureStrategyRemove
            | EventKind::FeatureEnvironmentVariantsUpdated
            | EventKind::FeatureDependencyAdded
            | EventKind::FeatureDependencyRemoved
            | EventKind::FeatureDependenciesRemoved
            | EventKind::ProjectEnvironmentAdded
            | EventKind::ProjectEnvironmentRemoved
            | EventKind::EnvironmentCreated
            | EventKind::EnvironmentUpdated
            | EventKind::FeatureTagged
            | EventKind::FeatureUntagged
            | EventKind::TagDeleted
            | EventKind::TagTypeDeleted
            // A plan's events name its flag, whose strategies a milestone
            // puts or takes away (the others change what the plan view shows).
            | EventKind::ReleasePlanAdded
            | EventKind::ReleasePlanRemoved
            | EventKind::ReleasePlanMilestoneStarted
            | EventKind::MilestoneProgressionCreated
            | EventKind::MilestoneProgressionUpdated
            | EventKind::MilestoneProgressionDeleted
            | EventKind::SafeguardChanged
            | EventKind::SafeguardDeleted
            | EventKind::SafeguardProgressionsPaused
            | EventKind::SafeguardProgressionsResumed => Touches::FlagElse(Part::Everything),
        }
    }
}

mod sending;

#[cfg(test)]
mod tests;
