//! Evaluation of compiled flags must not touch the heap. A counting global
//! allocator (the `allocation-counter` crate) measures the calls below.

use flagstaff_engine::{ClientFeatures, Context, Engine};
use serde_json::json;

fn engine() -> Engine {
    let document: ClientFeatures = serde_json::from_value(json!({
        "version": 2,
        "segments": [{"id": 7, "name": "beta", "constraints": [
            {"contextName": "appName", "operator": "STR_ENDS_WITH", "values": ["-web"], "caseInsensitive": true}
        ]}],
        "features": [{
            "name": "checkout",
            "enabled": true,
            "strategies": [{
                "name": "flexibleRollout",
                "parameters": {"rollout": "50", "stickiness": "userId", "groupId": "checkout"},
                "constraints": [
                    {"contextName": "region", "operator": "IN", "values": ["eu", "us", "ap", "sa", "af", "an", "oc", "me", "ca", "mx"]},
                    {"contextName": "email", "operator": "STR_STARTS_WITH", "values": ["qa-", "dev-"]},
                    {"contextName": "version", "operator": "SEMVER_GT", "value": "1.2.3"},
                    {"contextName": "age", "operator": "NUM_GTE", "value": "18"},
                    {"contextName": "currentTime", "operator": "DATE_AFTER", "value": "2020-01-01T00:00:00Z"},
                    {"contextName": "environment", "operator": "NOT_IN", "values": ["production"], "inverted": true}
                ],
                "segments": [7],
                "variants": [
                    {"name": "a", "weight": 500, "stickiness": "default", "payload": {"type": "string", "value": "x"}},
                    {"name": "b", "weight": 500, "stickiness": "default"}
                ]
            }]
        }]
    }))
    .expect("document loads");
    Engine::new(&document)
}

fn context(user: usize) -> Context {
    serde_json::from_value(json!({
        "userId": user.to_string(),
        "appName": "Shop-WEB",
        "environment": "production",
        "currentTime": "2026-11-25T10:00:00Z",
        "properties": {"region": "eu", "email": "qa-anna@example.com", "version": "1.10.0", "age": "30"}
    }))
    .expect("context loads")
}

#[test]
fn evaluating_a_compiled_rollout_with_constraints_and_a_segment_does_not_allocate() {
    let engine = engine();
    let contexts: Vec<Context> = (0..1000).map(context).collect();
    let mut enabled = 0;
    let mut variants_a = 0;
    let info = allocation_counter::measure(|| {
        for ctx in &contexts {
            if engine.is_enabled("checkout", ctx) {
                enabled += 1;
            }
            if engine.get_variant("checkout", ctx).name == "a" {
                variants_a += 1;
            }
            let _ = engine.is_enabled("unknown-flag", ctx);
        }
    });
    assert_eq!(info.count_total, 0, "evaluation allocated: {info:?}");
    // The measured path really ran: the rollout splits the users, constraints pass.
    assert!((400..600).contains(&enabled), "{enabled} of 1000 enabled");
    assert!(
        variants_a > 100 && variants_a < enabled,
        "{variants_a} got variant a"
    );
    // And the counter is live: the explaining entry point does allocate.
    let explained = allocation_counter::measure(|| {
        let _ = engine.explain("checkout", &contexts[0]);
    });
    assert!(explained.count_total > 0);
}
