//! Which kinds of event integrations may send.

use super::EventKind;

impl EventKind {
    /// Whether an integration may be set up to send events of this kind
    /// (the providers' lists, `integrations::EVENT_TYPES`, hold exactly these).
    /// No wildcard arm: a new kind does not compile until it is placed here.
    pub const fn integrations_may_send(self) -> bool {
        match self {
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
            | EventKind::FeatureLinkAdded
            | EventKind::FeatureLinkUpdated
            | EventKind::FeatureLinkRemoved
            | EventKind::FeatureDependencyAdded
            | EventKind::FeatureDependencyRemoved
            | EventKind::FeatureDependenciesRemoved
            | EventKind::FeaturesExported
            | EventKind::FeaturesImported
            | EventKind::SegmentCreated
            | EventKind::SegmentUpdated
            | EventKind::SegmentDeleted
            | EventKind::ContextFieldCreated
            | EventKind::ContextFieldUpdated
            | EventKind::ContextFieldDeleted
            | EventKind::ProjectCreated
            | EventKind::ProjectUpdated
            | EventKind::ProjectDeleted
            | EventKind::ProjectEnvironmentAdded
            | EventKind::ProjectEnvironmentRemoved
            | EventKind::EnvironmentCreated
            | EventKind::ApiTokenCreated
            | EventKind::ApiTokenUpdated
            | EventKind::ApiTokenDeleted
            | EventKind::AddonConfigCreated
            | EventKind::AddonConfigUpdated
            | EventKind::AddonConfigDeleted
            | EventKind::AddonDeliveryPaused
            | EventKind::AddonDeliveryResumed
            | EventKind::SignalEndpointCreated
            | EventKind::SignalEndpointUpdated
            | EventKind::SignalEndpointDeleted
            | EventKind::SignalEndpointTokenCreated
            | EventKind::SignalEndpointTokenUpdated
            | EventKind::SignalEndpointTokenDeleted
            | EventKind::ActionsCreated
            | EventKind::ActionsUpdated
            | EventKind::ActionsDeleted
            | EventKind::FeatureTagged
            | EventKind::FeatureUntagged
            | EventKind::TagCreated
            | EventKind::TagDeleted
            | EventKind::TagTypeCreated
            | EventKind::TagTypeUpdated
            | EventKind::TagTypeDeleted
            | EventKind::StrategyCreated
            | EventKind::StrategyUpdated
            | EventKind::StrategyDeprecated
            | EventKind::StrategyReactivated
            | EventKind::StrategyDeleted
            | EventKind::DefaultStrategyUpdated
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
            | EventKind::ChangeRequestRequestedApproversUpdated
            | EventKind::ReleasePlanTemplateCreated
            | EventKind::ReleasePlanTemplateUpdated
            | EventKind::ReleasePlanTemplateDeleted
            | EventKind::ReleasePlanTemplateArchived
            | EventKind::ReleasePlanAdded
            | EventKind::ReleasePlanRemoved
            | EventKind::ReleasePlanMilestoneStarted
            | EventKind::MilestoneProgressionCreated
            | EventKind::MilestoneProgressionUpdated
            | EventKind::MilestoneProgressionDeleted
            | EventKind::SafeguardChanged
            | EventKind::SafeguardDeleted
            | EventKind::SafeguardProgressionsPaused
            | EventKind::SafeguardProgressionsResumed
            | EventKind::ImpactMetricCreated
            | EventKind::ImpactMetricUpdated
            | EventKind::ImpactMetricDeleted => true,
            // Not offered to integrations (as before `EventKind`): users and
            // personal access tokens are accounts, not changes to flags; a
            // test notification goes to the one integration it tests;
            // settings (maintenance mode, a flag type's lifetime) are the
            // instance's, not flags'.
            EventKind::AddonTestSent
            | EventKind::EnvironmentUpdated
            | EventKind::PatCreated
            | EventKind::PatDeleted
            | EventKind::UserCreated
            | EventKind::UserPasswordChanged
            | EventKind::UserUpdated
            | EventKind::UserDeleted
            | EventKind::UserResetLinkCreated
            | EventKind::SettingCreated
            | EventKind::SettingUpdated
            | EventKind::FeatureTypeUpdated => false,
            // A lifecycle mark is no change to what a flag evaluates to.
            EventKind::FeatureCompleted | EventKind::FeatureUncompleted => false,
        }
    }
}
