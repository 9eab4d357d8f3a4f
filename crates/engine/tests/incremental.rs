//! Incremental updates: an engine updated with [`Engine::updated`] after each
//! delta event (flag updated or removed, segment updated or removed) answers
//! exactly as an engine compiled from scratch from the document the same
//! events produce — for every flag and context, `enabled` and the variant.

mod common;

use common::{context, document, strategy, variants};
use flagstaff_engine::document::{DeltaEvent, Feature, Segment};
use flagstaff_engine::{ClientFeatures, Context, Engine};
use proptest::prelude::*;
use serde_json::{json, Value};

/// A delta event as JSON, on the flags `f0`…`f7` and segments 1…5.
fn delta() -> impl Strategy<Value = Value> {
    let feature = (
        0usize..8,
        prop::bool::weighted(0.8),
        prop::collection::vec(strategy(), 0..3),
        variants(),
        prop::option::of((0usize..8, any::<bool>())),
    )
        .prop_map(|(i, enabled, strategies, variants, dependency)| {
            let mut f = json!({
                "name": format!("f{i}"), "project": "default", "enabled": enabled,
                "strategies": strategies, "variants": variants
            });
            if let Some((parent, expect)) = dependency {
                f["dependencies"] = json!([{"feature": format!("f{parent}"), "enabled": expect}]);
            }
            json!({"type": "feature-updated", "eventId": 1, "feature": f})
        });
    let segment = (1i64..6, prop::collection::vec(common::constraint(), 0..3)).prop_map(
        |(id, constraints)| {
            json!({"type": "segment-updated", "eventId": 1,
                   "segment": {"id": id, "name": format!("s{id}"), "constraints": constraints}})
        },
    );
    prop_oneof![
        4 => feature,
        2 => (0usize..8).prop_map(|i| json!({"type": "feature-removed", "eventId": 1,
                                              "featureName": format!("f{i}"), "project": "default"})),
        2 => segment,
        1 => (1i64..6).prop_map(|id| json!({"type": "segment-removed", "eventId": 1, "segmentId": id})),
    ]
}

fn uses_segment(feature: &Feature, id: i64) -> bool {
    feature.strategies.iter().any(|s| s.segments.contains(&id))
}

/// What the server does with one event: the flags to recompile and to remove.
fn apply(engine: &Engine, document: &ClientFeatures, event: &DeltaEvent) -> Engine {
    match event {
        DeltaEvent::FeatureUpdated { feature, .. } => {
            let now = document
                .features
                .iter()
                .find(|f| f.name == feature.name)
                .expect("the updated flag is in the document");
            engine.updated(&document.segments, &[now], &[])
        }
        DeltaEvent::FeatureRemoved { feature_name, .. } => {
            engine.updated(&document.segments, &[], &[feature_name.as_str()])
        }
        DeltaEvent::SegmentUpdated { segment, .. } => {
            recompile_users(engine, document, &document.segments, segment.id)
        }
        DeltaEvent::SegmentRemoved { segment_id, .. } => {
            recompile_users(engine, document, &document.segments, *segment_id)
        }
        DeltaEvent::Hydration { .. } => Engine::new(document),
    }
}

fn recompile_users(
    engine: &Engine,
    document: &ClientFeatures,
    segments: &[Segment],
    id: i64,
) -> Engine {
    let users: Vec<&Feature> = document
        .features
        .iter()
        .filter(|f| uses_segment(f, id))
        .collect();
    engine.updated(segments, &users, &[])
}

fn same_answers(
    updated: &Engine,
    fresh: &Engine,
    contexts: &[Context],
    step: usize,
) -> Result<(), TestCaseError> {
    let mut names: Vec<&str> = fresh.flag_names().collect();
    let mut ours: Vec<&str> = updated.flag_names().collect();
    names.sort_unstable();
    ours.sort_unstable();
    prop_assert_eq!(&ours, &names, "flags differ after step {}", step);
    for context in contexts {
        for name in &names {
            prop_assert_eq!(
                updated.is_enabled(name, context),
                fresh.is_enabled(name, context),
                "{} at step {}",
                name,
                step
            );
            prop_assert_eq!(
                updated.get_variant(name, context),
                fresh.get_variant(name, context),
                "{} at step {}",
                name,
                step
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256),
        ..ProptestConfig::default()
    })]

    #[test]
    fn updates_answer_as_a_fresh_compile(
        start in document(),
        events in prop::collection::vec(delta(), 1..12),
        contexts in prop::collection::vec(context(), 1..6),
    ) {
        let mut document: ClientFeatures = serde_json::from_value(start).expect("document");
        let contexts: Vec<Context> = contexts
            .into_iter()
            .map(|c| serde_json::from_value(c).expect("context"))
            .collect();
        let mut engine = Engine::new(&document);
        for (step, event) in events.into_iter().enumerate() {
            let event: DeltaEvent = serde_json::from_value(event).expect("delta event");
            document.apply_delta(event.clone());
            engine = apply(&engine, &document, &event);
            let fresh = Engine::new(&document);
            same_answers(&engine, &fresh, &contexts, step)?;
            let mut ours = engine.warnings();
            let mut theirs = fresh.warnings();
            ours.sort();
            theirs.sort();
            prop_assert_eq!(ours, theirs, "warnings at step {}", step);
        }
    }
}
