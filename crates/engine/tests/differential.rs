//! Differential test against `unleash-yggdrasil`, Unleash's own Rust engine (a
//! dev-dependency only): random documents and contexts, and for every flag and
//! context both engines must give the same `enabled` and the same variant.
//!
//! Randomness is kept out of the comparison: no `random` stickiness, and every
//! context has a sessionId and a `tenant` property, so no sticky value ever falls
//! back to a random draw.

use flagstaff_engine::{ClientFeatures, Context, Engine};
use proptest::prelude::*;
use serde_json::{json, Value};
use unleash_yggdrasil::{EngineState, UpdateMessage};

mod common;

use common::{context, document};

fn compare(document: &Value, contexts: &[Value]) -> Result<(), TestCaseError> {
    let ours = Engine::new(
        &serde_json::from_value::<ClientFeatures>(document.clone())
            .map_err(|e| TestCaseError::fail(format!("our document type rejects it: {e}")))?,
    );
    let theirs = EngineState::default();
    let state: unleash_types::client_features::ClientFeatures =
        serde_json::from_value(document.clone()).expect("yggdrasil reads the document");
    let _warnings = theirs.take_state(UpdateMessage::FullResponse(state));
    for context in contexts {
        let our_context: Context = serde_json::from_value(context.clone()).expect("our context");
        let their_context: unleash_types::client_features::Context =
            serde_json::from_value(context.clone()).expect("their context");
        for name in ours.flag_names() {
            let enabled = ours.is_enabled(name, &our_context);
            let expected = theirs.is_enabled(name, &their_context, &None);
            prop_assert_eq!(
                enabled,
                expected,
                "enabled differs for {} in context {} with document {}",
                name,
                context,
                document
            );
            let v = ours.get_variant(name, &our_context);
            let variant = json!({"name": v.name, "enabled": v.enabled,
                "feature_enabled": v.feature_enabled, "payload": v.payload});
            let t = theirs.get_variant(name, &their_context, &None);
            let expected = json!({"name": t.name, "enabled": t.enabled,
                "feature_enabled": t.feature_enabled, "payload": t.payload});
            prop_assert_eq!(
                &variant,
                &expected,
                "variant differs for {} in context {} with document {}",
                name,
                context,
                document
            );
        }
    }
    Ok(())
}

proptest! {
    // PROPTEST_CASES raises the count for a longer hunt.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(400),
        ..ProptestConfig::default()
    })]

    #[test]
    fn agrees_with_yggdrasil(document in document(), contexts in prop::collection::vec(context(), 1..12)) {
        compare(&document, &contexts)?;
    }
}

/// Many users on one 50% rollout with variants: the bucketing is identical.
#[test]
fn bucketing_agrees_for_ten_thousand_users() {
    let document = json!({"version": 2, "features": [{
        "name": "checkout", "enabled": true,
        "strategies": [{"name": "flexibleRollout",
            "parameters": {"rollout": "50", "stickiness": "default", "groupId": "checkout"},
            "variants": [
                {"name": "a", "weight": 333, "stickiness": "default"},
                {"name": "b", "weight": 333, "stickiness": "default"},
                {"name": "c", "weight": 334, "stickiness": "default"}]}],
        "variants": []
    }]});
    let contexts: Vec<Value> = (0..10_000)
        .map(|i| json!({"userId": format!("user-{i}"), "sessionId": "s"}))
        .collect();
    compare(&document, &contexts).expect("engines agree");
}
