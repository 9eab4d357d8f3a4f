//! Properties every correct engine has, checked on generated inputs.

use flagstaff_engine::{ClientFeatures, Context, Engine};
use proptest::prelude::*;
use serde_json::{json, Value};

fn rollout(percentage: u32, group: &str, stickiness: &str) -> Engine {
    let document: ClientFeatures = serde_json::from_value(json!({
        "version": 2,
        "features": [{"name": "f", "enabled": true, "strategies": [{
            "name": "flexibleRollout",
            "parameters": {"rollout": percentage.to_string(), "stickiness": stickiness, "groupId": group}
        }]}]
    }))
    .expect("document loads");
    Engine::new(&document)
}

proptest! {
    /// Raising a rollout's percentage never turns a user off.
    #[test]
    fn raising_the_rollout_never_turns_a_user_off(
        low in 0u32..=100,
        raise in 0u32..=100,
        group in "[a-zA-Z0-9._-]{0,20}",
        users in prop::collection::vec("[\\PC]{1,24}", 1..40),
        stickiness in prop::sample::select(vec!["default", "userId"]),
    ) {
        let high = (low + raise).min(100);
        let (lower, higher) = (rollout(low, &group, stickiness), rollout(high, &group, stickiness));
        for user in users {
            let context = Context::for_user(user);
            if lower.is_enabled("f", &context) {
                prop_assert!(higher.is_enabled("f", &context), "on at {low}% but off at {high}%");
            }
        }
    }

    /// The same context always gets the same answer, from the same engine and from a
    /// freshly compiled one.
    #[test]
    fn the_same_context_always_gets_the_same_answer(
        percentage in 0u32..=100,
        weights in prop::collection::vec(0u32..1000, 1..5),
        user in prop::option::of("[a-z0-9]{1,12}"),
        session in "[a-z0-9]{1,12}",
    ) {
        let variants: Vec<Value> = weights.iter().enumerate()
            .map(|(i, w)| json!({"name": format!("v{i}"), "weight": w}))
            .collect();
        let document: ClientFeatures = serde_json::from_value(json!({
            "version": 2,
            "features": [{"name": "f", "enabled": true, "variants": variants, "strategies": [{
                "name": "flexibleRollout",
                "parameters": {"rollout": percentage.to_string(), "stickiness": "default", "groupId": "g"}
            }]}]
        })).expect("document loads");
        let context = Context { user_id: user, session_id: Some(session), ..Context::default() };
        let first = Engine::new(&document);
        let second = Engine::new(&document);
        let answer = first.evaluate("f", &context);
        for _ in 0..3 {
            prop_assert_eq!(first.evaluate("f", &context), answer);
            prop_assert_eq!(second.evaluate("f", &context), answer);
        }
    }

    /// Over many users, each variant's share is its weight's share of the total.
    #[test]
    fn variant_distribution_follows_the_weights(
        weights in prop::collection::vec(1u32..1000, 2..5),
        group in "[a-z]{1,10}",
    ) {
        let variants: Vec<Value> = weights.iter().enumerate()
            .map(|(i, w)| json!({"name": format!("v{i}"), "weight": w, "stickiness": "default"}))
            .collect();
        let document: ClientFeatures = serde_json::from_value(json!({
            "version": 2, "features": [{"name": group, "enabled": true, "variants": variants}]
        })).expect("document loads");
        let engine = Engine::new(&document);
        let users = 20_000;
        let mut counts = vec![0u32; weights.len()];
        for i in 0..users {
            let variant = engine.get_variant(&group, &Context::for_user(format!("user-{i}")));
            let index: usize = variant.name[1..].parse().expect("variant name v<N>");
            counts[index] += 1;
        }
        let total: u32 = weights.iter().sum();
        for (weight, count) in weights.iter().zip(&counts) {
            let expected = f64::from(*weight) / f64::from(total);
            let observed = f64::from(*count) / f64::from(users);
            prop_assert!((expected - observed).abs() < 0.02,
                "weight share {expected:.3}, observed {observed:.3} ({counts:?} for {weights:?})");
        }
    }
}

fn any_text() -> impl Strategy<Value = Value> {
    prop_oneof![
        "[\\PC]{0,12}".prop_map(Value::from),
        prop::sample::select(vec![
            "IN",
            "NOT_IN",
            "STR_CONTAINS",
            "NUM_EQ",
            "NUM_GT",
            "DATE_AFTER",
            "SEMVER_LT",
            "SEMVER_GTE",
            "REGEX",
            "IN_CIDR",
            "(",
            "[[",
            "1e400",
            "-0",
            "NaN",
            "v1.2.3",
            "2024-02-30T00:00:00Z",
            "::",
            "0.0.0.0/0",
            "999999999999999999999",
            "userId",
            "remoteAddress",
            "currentTime",
            "default",
            "random",
            "flexibleRollout",
            "userWithId",
            "remoteAddress",
            "gradualRolloutRandom",
            "applicationHostname",
        ])
        .prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        Just(Value::Null),
    ]
}

fn any_document() -> impl Strategy<Value = Value> {
    let constraint = (any_text(), any_text(), prop::collection::vec(any_text(), 0..3), any_text(), any::<bool>(), any::<bool>())
        .prop_map(|(name, op, values, value, inverted, ci)| json!({
            "contextName": name.as_str().unwrap_or("x"), "operator": op.as_str().unwrap_or("IN"),
            "values": values, "value": value, "inverted": inverted, "caseInsensitive": ci
        }))
        .boxed();
    let variant = (any_text(), 0u32..2000, any_text(), any::<bool>())
        .prop_map(|(name, weight, stickiness, overrides)| {
            let mut v = json!({"name": name.as_str().unwrap_or("v"), "weight": weight, "stickiness": stickiness});
            if overrides {
                v["overrides"] = json!([{"contextName": "userId", "values": ["1", "2"]}]);
            }
            v
        })
        .boxed();
    let strategy = (
        any_text(),
        prop::collection::vec((any_text(), any_text()), 0..4),
        prop::collection::vec(constraint.clone(), 0..3),
        prop::collection::vec(-1i64..4, 0..2),
        prop::collection::vec(variant.clone(), 0..3),
    )
        .prop_map(|(name, params, constraints, segments, variants)| {
            let keys = [
                "rollout",
                "stickiness",
                "groupId",
                "userIds",
                "IPs",
                "percentage",
                "hostNames",
            ];
            let parameters: serde_json::Map<String, Value> = params
                .into_iter()
                .enumerate()
                .map(|(i, (_, v))| (keys[i % keys.len()].to_owned(), v))
                .collect();
            json!({"name": name.as_str().unwrap_or("default"), "parameters": parameters,
                   "constraints": constraints, "segments": segments, "variants": variants})
        });
    let flag = (
        any::<bool>(),
        prop::collection::vec(strategy, 0..3),
        prop::collection::vec(variant, 0..3),
        prop::collection::vec((0usize..4, prop::option::of(any::<bool>())), 0..2),
    );
    (
        prop::collection::vec(flag, 0..4),
        prop::collection::vec(prop::collection::vec(constraint, 0..2), 0..3),
    )
        .prop_map(|(flags, segments)| {
            let features: Vec<Value> = flags.into_iter().enumerate()
                .map(|(i, (enabled, strategies, variants, deps))| json!({
                    "name": format!("f{i}"), "enabled": enabled, "strategies": strategies,
                    "variants": variants,
                    "dependencies": deps.into_iter().map(|(p, e)| json!({"feature": format!("f{p}"), "enabled": e})).collect::<Vec<_>>()
                }))
                .collect();
            let segments: Vec<Value> = segments.into_iter().enumerate()
                .map(|(i, c)| json!({"id": i, "constraints": c}))
                .collect();
            json!({"version": 2, "features": features, "segments": segments})
        })
}

fn any_context() -> impl Strategy<Value = Value> {
    (
        any_text(),
        any_text(),
        any_text(),
        any_text(),
        prop::collection::vec((any_text(), any_text()), 0..4),
    )
        .prop_map(|(user, address, time, session, props)| {
            let properties: serde_json::Map<String, Value> = props
                .into_iter()
                .map(|(k, v)| (k.as_str().unwrap_or("k").to_owned(), v))
                .collect();
            json!({"userId": user, "remoteAddress": address, "currentTime": time,
                   "sessionId": session, "properties": properties})
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Whatever the document and context, compiling and evaluating never panic.
    #[test]
    fn evaluating_any_document_never_panics(document in any_document(), contexts in prop::collection::vec(any_context(), 1..4)) {
        let Ok(document) = serde_json::from_value::<ClientFeatures>(document) else {
            return Ok(());
        };
        let engine = Engine::new(&document);
        for context in contexts {
            let Ok(context) = serde_json::from_value::<Context>(context) else { continue };
            for name in ["f0", "f1", "f2", "f3", "missing"] {
                let evaluation = engine.evaluate(name, &context);
                prop_assert!(evaluation.enabled || !evaluation.variant.enabled);
                let explanation = engine.explain(name, &context);
                prop_assert_eq!(explanation.found, engine.contains(name));
            }
            let _ = engine.evaluate_all(&context).count();
        }
    }
}
