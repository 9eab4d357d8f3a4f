use super::*;

#[test]
fn every_kind_round_trips_through_its_wire_name() {
    for &kind in EventKind::ALL {
        assert_eq!(kind.as_str().parse::<EventKind>(), Ok(kind));
        let json = serde_json::to_value(kind).expect("serializes");
        assert_eq!(json, serde_json::json!(kind.as_str()));
        assert_eq!(serde_json::from_value::<EventKind>(json).ok(), Some(kind));
        assert_eq!(kind.to_string(), kind.as_str());
    }
    assert_eq!(EventKind::ALL.len(), 110);
    assert!("feature-updated".parse::<EventKind>().is_err());
}

#[test]
fn touches_matches_the_prefix_rules_it_replaced() {
    use EventKind as K;
    assert_eq!(
        K::FeatureCreated.touches(),
        Touches::FlagElse(Part::Everything)
    );
    assert_eq!(
        K::FeatureStrategyAdd.touches(),
        Touches::FlagElse(Part::Everything)
    );
    assert_eq!(K::FeatureLinkAdded.touches(), Touches::Nothing);
    assert_eq!(K::FeaturesImported.touches(), Touches::Nothing);
    assert_eq!(K::AddonDeliveryPaused.touches(), Touches::Nothing);
    assert_eq!(K::AddonTestSent.touches(), Touches::Nothing);
    assert_eq!(K::SignalEndpointUpdated.touches(), Touches::Nothing);
    assert_eq!(K::SignalEndpointDeleted.touches(), Touches::Tokens);
    assert_eq!(K::SignalEndpointTokenCreated.touches(), Touches::Tokens);
    assert_eq!(
        K::SegmentUpdated.touches(),
        Touches::FlagElse(Part::Segment)
    );
    assert_eq!(
        K::ApiTokenCreated.touches(),
        Touches::FlagElse(Part::Tokens)
    );
    assert_eq!(K::PatDeleted.touches(), Touches::FlagElse(Part::Tokens));
    assert_eq!(
        K::ProjectUpdated.touches(),
        Touches::FlagElse(Part::Projects)
    );
    assert_eq!(
        K::ProjectEnvironmentAdded.touches(),
        Touches::FlagElse(Part::Everything)
    );
    assert_eq!(K::TagCreated.touches(), Touches::FlagElse(Part::Tags));
    assert_eq!(K::TagDeleted.touches(), Touches::FlagElse(Part::Everything));
    assert_eq!(
        K::TagTypeUpdated.touches(),
        Touches::FlagElse(Part::Nothing)
    );
    assert_eq!(
        K::TagTypeDeleted.touches(),
        Touches::FlagElse(Part::Everything)
    );
    assert_eq!(
        K::StrategyDeprecated.touches(),
        Touches::FlagElse(Part::Nothing)
    );
    assert_eq!(
        K::ContextFieldDeleted.touches(),
        Touches::FlagElse(Part::Nothing)
    );
    assert_eq!(
        K::EnvironmentCreated.touches(),
        Touches::FlagElse(Part::Everything)
    );
    // Users are in no client document and in no cache (a PAT is looked
    // up with its user at every request): nothing to reload.
    assert_eq!(K::UserCreated.touches(), Touches::Nothing);
    assert_eq!(K::UserPasswordChanged.touches(), Touches::Nothing);
    // A deleted or deactivated user's PATs and sessions are refused by that
    // same lookup.
    assert_eq!(K::UserUpdated.touches(), Touches::Nothing);
    assert_eq!(K::UserDeleted.touches(), Touches::Nothing);
    assert_eq!(K::UserResetLinkCreated.touches(), Touches::Nothing);
}
