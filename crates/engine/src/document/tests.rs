use super::*;

#[test]
fn reads_unleash_quirks() {
    let doc: ClientFeatures = serde_json::from_value(serde_json::json!({
        "version": 2,
        "features": [{
            "name": "f", "enabled": true, "impressionData": null, "description": null,
            "unknownField": 1,
            "strategies": [{"name": "flexibleRollout",
                "parameters": {"rollout": 50, "groupId": "g", "x": null},
                "constraints": [{"contextName": "a", "operator": "IN", "values": ["1", 2]}],
                "segments": null}],
            "variants": null
        }],
        "segments": null,
        "meta": {"etag": "x"}
    }))
    .expect("document reads");
    let f = &doc.features[0];
    assert!(!f.impression_data);
    assert_eq!(f.strategies[0].parameters["rollout"], "50");
    assert!(!f.strategies[0].parameters.contains_key("x"));
    assert_eq!(f.strategies[0].constraints[0].values, vec!["1", "2"]);
    assert!(f.variants.is_empty());
}

#[test]
fn delta_events_apply_in_order() {
    let events: DeltaEvents = serde_json::from_value(serde_json::json!({"events": [
        {"eventId": 1, "type": "hydration", "features": [{"name": "a", "enabled": true}],
         "segments": [{"id": 1, "constraints": []}]},
        {"eventId": 2, "type": "feature-updated", "feature": {"name": "b", "enabled": true}},
        {"eventId": 3, "type": "feature-updated", "feature": {"name": "a", "enabled": false}},
        {"eventId": 4, "type": "feature-removed", "featureName": "b", "project": "default"},
        {"eventId": 5, "type": "segment-removed", "segmentId": 1}
    ]}))
    .expect("events read");
    let state = ClientFeatures::from_delta_events(events.events);
    assert_eq!(state.features.len(), 1);
    assert!(!state.features[0].enabled);
    assert!(state.segments.is_empty());
}
