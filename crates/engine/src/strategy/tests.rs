use std::sync::Arc;

use crate::document::ClientFeatures;
use crate::Engine;

/// A segment named by many strategies is compiled once and shared.
#[test]
fn segments_are_compiled_once() {
    let values: Vec<String> = (0..1000).map(|i| format!("user-{i}")).collect();
    let document: ClientFeatures = serde_json::from_value(serde_json::json!({
            "version": 2,
            "segments": [{"id": 1, "constraints": [
                {"contextName": "userId", "operator": "IN", "values": values}]}],
            "features": (0..3).map(|i| serde_json::json!({
                "name": format!("f{i}"), "enabled": true,
                "strategies": [{"name": "default", "segments": [1]}, {"name": "default", "segments": [1]}]
            })).collect::<Vec<_>>()
        }))
        .expect("document");
    let engine = Engine::new(&document);
    let shared: Vec<_> = engine
        .flags
        .iter()
        .flat_map(|f| f.strategies.iter())
        .map(|s| s.segments[0].clone())
        .collect();
    assert_eq!(shared.len(), 6);
    assert!(shared.iter().all(|s| Arc::ptr_eq(s, &shared[0])));
    let context = crate::Context::for_user("user-7".to_owned());
    assert!(engine.is_enabled("f2", &context));
    assert!(!engine.is_enabled("f2", &crate::Context::for_user("other".to_owned())));
}

/// A custom strategy (one the engine does not implement) never matches,
/// as in Unleash's SDKs: a flag with only that strategy is off, and a
/// flag with another strategy beside it follows the other; it is warned of.
#[test]
fn custom_strategies_are_off() {
    let document: ClientFeatures = serde_json::from_value(serde_json::json!({
        "version": 2,
        "features": [
            {"name": "custom", "enabled": true,
             "strategies": [{"name": "country", "parameters": {"countries": "NO"}}]},
            {"name": "custom-or-all", "enabled": true,
             "strategies": [{"name": "country"}, {"name": "default"}]}
        ]
    }))
    .expect("document");
    let engine = Engine::new(&document);
    let mut context = crate::Context::for_user("7".to_owned());
    context
        .properties
        .insert("country".to_owned(), "NO".to_owned());
    assert!(!engine.is_enabled("custom", &context));
    assert!(engine.is_enabled("custom-or-all", &context));
    assert!(engine
        .warnings()
        .iter()
        .any(|w| w.contains("unknown strategy \"country\"")));
}
