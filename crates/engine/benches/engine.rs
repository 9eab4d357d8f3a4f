//! Our engine against `unleash-yggdrasil` (Unleash's Rust engine), same document,
//! same contexts, same run. `cargo bench -p flagstaff-engine --bench engine`.
//!
//! Each group has a `flagstaff` and a `yggdrasil` line; before measuring, every
//! group checks that both engines give the same answer, so both do the same work.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use flagstaff_engine::{ClientFeatures, Context, Engine};
use serde_json::{json, Value};
use unleash_types::client_features::{ClientFeatures as TheirFeatures, Context as TheirContext};
use unleash_yggdrasil::{EngineState, UpdateMessage};

fn flag(i: usize) -> Value {
    // A mix like real projects have: rollouts with and without constraints,
    // user lists, variants.
    match i % 4 {
        0 => json!({"name": format!("flag-{i}"), "enabled": true, "strategies": [
            {"name": "flexibleRollout", "parameters": {"rollout": "50", "stickiness": "default", "groupId": format!("flag-{i}")}}]}),
        1 => json!({"name": format!("flag-{i}"), "enabled": true, "strategies": [
            {"name": "flexibleRollout", "parameters": {"rollout": "30", "stickiness": "userId", "groupId": format!("flag-{i}")},
             "constraints": [{"contextName": "environment", "operator": "IN", "values": ["production", "staging"]},
                             {"contextName": "plan", "operator": "STR_STARTS_WITH", "values": ["pro"]}]}]}),
        2 => json!({"name": format!("flag-{i}"), "enabled": true, "strategies": [
            {"name": "userWithId", "parameters": {"userIds": "1,2,3,42,1000"}},
            {"name": "default", "constraints": [{"contextName": "appVersion", "operator": "SEMVER_GT", "value": "2.0.0"}]}]}),
        _ => {
            json!({"name": format!("flag-{i}"), "enabled": true, "strategies": [{"name": "default"}],
            "variants": [
                {"name": "a", "weight": 500, "stickiness": "default", "payload": {"type": "string", "value": "A"}},
                {"name": "b", "weight": 500, "stickiness": "default", "payload": {"type": "json", "value": "{\"b\":1}"}}]})
        }
    }
}

fn document() -> Value {
    let ten_countries = ["se", "no", "dk", "fi", "de", "fr", "nl", "be", "pl", "es"];
    let mut features = vec![
        json!({"name": "default", "enabled": true, "strategies": [{"name": "default"}]}),
        json!({"name": "rollout", "enabled": true, "strategies": [{"name": "flexibleRollout",
            "parameters": {"rollout": "50", "stickiness": "userId", "groupId": "rollout"}}]}),
        json!({"name": "constrained", "enabled": true, "strategies": [{"name": "flexibleRollout",
            "parameters": {"rollout": "100", "stickiness": "userId", "groupId": "constrained"},
            "constraints": [
                {"contextName": "country", "operator": "IN", "values": ten_countries},
                {"contextName": "email", "operator": "STR_STARTS_WITH", "values": ["qa-"]},
                {"contextName": "appVersion", "operator": "SEMVER_GT", "value": "1.2.3"}],
            "segments": [1]}]}),
        json!({"name": "variants", "enabled": true, "strategies": [{"name": "flexibleRollout",
            "parameters": {"rollout": "100", "stickiness": "default", "groupId": "variants"},
            "variants": [
                {"name": "red", "weight": 250, "stickiness": "default", "payload": {"type": "string", "value": "r"}},
                {"name": "green", "weight": 250, "stickiness": "default", "payload": {"type": "string", "value": "g"}},
                {"name": "blue", "weight": 250, "stickiness": "default", "payload": {"type": "json", "value": "{\"x\":1}"}},
                {"name": "black", "weight": 250, "stickiness": "default", "payload": {"type": "number", "value": "4"}}]}]}),
    ];
    features.extend((0..1000).map(flag));
    json!({"version": 2, "features": features, "segments": [
        {"id": 1, "name": "beta", "constraints": [{"contextName": "environment", "operator": "IN", "values": ["production"]}]}
    ]})
}

fn context() -> Value {
    json!({
        "userId": "user-7", "sessionId": "s-1", "environment": "production", "appName": "shop",
        "currentTime": "2026-11-25T10:00:00Z",
        "properties": {"country": "fi", "email": "qa-anna@example.com", "appVersion": "1.10.0", "plan": "pro"}
    })
}

struct Both {
    ours: Engine,
    theirs: EngineState,
    our_context: Context,
    their_context: TheirContext,
}

fn both(document: &Value) -> Both {
    let ours =
        Engine::new(&serde_json::from_value::<ClientFeatures>(document.clone()).expect("ours"));
    let theirs = EngineState::default();
    let state: TheirFeatures = serde_json::from_value(document.clone()).expect("theirs");
    let warnings = theirs.take_state(UpdateMessage::FullResponse(state));
    assert!(warnings.is_none_or(|w| w.is_empty()), "yggdrasil warns");
    Both {
        ours,
        theirs,
        our_context: serde_json::from_value(context()).expect("our context"),
        their_context: serde_json::from_value(context()).expect("their context"),
    }
}

fn is_enabled_case(c: &mut Criterion, b: &Both, group: &str, flag: &str) {
    assert_eq!(
        b.ours.is_enabled(flag, &b.our_context),
        b.theirs.is_enabled(flag, &b.their_context, &None),
        "{flag}: the engines disagree"
    );
    let mut g = c.benchmark_group(group);
    g.bench_function("flagstaff", |bench| {
        bench.iter(|| {
            b.ours
                .is_enabled(black_box(flag), black_box(&b.our_context))
        })
    });
    g.bench_function("yggdrasil", |bench| {
        bench.iter(|| {
            b.theirs
                .is_enabled(black_box(flag), black_box(&b.their_context), &None)
        })
    });
    g.finish();
}

fn evaluation(c: &mut Criterion) {
    let document = document();
    let b = both(&document);
    assert!(b.ours.is_enabled("constrained", &b.our_context));

    is_enabled_case(c, &b, "a_default_strategy", "default");
    is_enabled_case(c, &b, "b_rollout_50_userid_groupid", "rollout");
    is_enabled_case(c, &b, "c_rollout_3_constraints_1_segment", "constrained");
    is_enabled_case(c, &b, "f_unknown_flag", "no-such-flag");

    // (d) get_variant over four weighted strategy variants with payloads.
    let ours = b.ours.get_variant("variants", &b.our_context);
    let theirs = b.theirs.get_variant("variants", &b.their_context, &None);
    assert_eq!(
        (ours.name, ours.enabled),
        (theirs.name.as_str(), theirs.enabled)
    );
    let mut g = c.benchmark_group("d_get_variant_4_strategy_variants");
    g.bench_function("flagstaff", |bench| {
        bench.iter(|| {
            b.ours
                .get_variant(black_box("variants"), black_box(&b.our_context))
        })
    });
    g.bench_function("yggdrasil", |bench| {
        bench.iter(|| {
            b.theirs
                .get_variant(black_box("variants"), black_box(&b.their_context), &None)
        })
    });
    g.finish();

    // (e) a different flag of a 1,000-flag state on each call.
    let names: Vec<String> = (0..1000).map(|i| format!("flag-{i}")).collect();
    for name in &names {
        assert_eq!(
            b.ours.is_enabled(name, &b.our_context),
            b.theirs.is_enabled(name, &b.their_context, &None),
            "{name}: the engines disagree"
        );
    }
    let mut g = c.benchmark_group("e_1000_flags_a_different_one_each_call");
    let mut i = 0;
    g.bench_function("flagstaff", |bench| {
        bench.iter(|| {
            i = (i + 1) % names.len();
            b.ours
                .is_enabled(black_box(&names[i]), black_box(&b.our_context))
        })
    });
    let mut i = 0;
    g.bench_function("yggdrasil", |bench| {
        bench.iter(|| {
            i = (i + 1) % names.len();
            b.theirs
                .is_enabled(black_box(&names[i]), black_box(&b.their_context), &None)
        })
    });
    g.finish();
}

/// (h) Every flag of the 1,004-flag state for one context, with variants: what a
/// frontend-API request costs.
fn evaluate_all(c: &mut Criterion) {
    let b = both(&document());
    let ours = b
        .ours
        .evaluate_all(&b.our_context)
        .filter(|(_, e)| e.enabled)
        .count();
    let theirs = b
        .theirs
        .resolve_all(&b.their_context, &None)
        .expect("state loaded")
        .values()
        .filter(|t| t.enabled)
        .count();
    assert_eq!(
        ours, theirs,
        "the engines enable different numbers of flags"
    );
    let mut g = c.benchmark_group("h_evaluate_all_1004_flags_one_context");
    g.bench_function("flagstaff", |bench| {
        bench.iter(|| {
            b.ours
                .evaluate_all(black_box(&b.our_context))
                .filter(|(_, e)| e.enabled)
                .count()
        })
    });
    g.bench_function("yggdrasil", |bench| {
        bench.iter(|| {
            b.theirs
                .resolve_all(black_box(&b.their_context), &None)
                .map(|all| all.len())
        })
    });
    g.finish();
}

/// (g) Loading a 10,000-flag state: from the JSON body to an engine ready to answer.
fn loading(c: &mut Criterion) {
    let features: Vec<Value> = (0..10_000).map(flag).collect();
    let body = serde_json::to_vec(&json!({"version": 2, "features": features})).expect("body");
    let mut g = c.benchmark_group("g_load_10000_flags_from_json");
    g.sample_size(10);
    g.bench_function("flagstaff", |bench| {
        bench.iter(|| {
            let document: ClientFeatures = serde_json::from_slice(black_box(&body)).expect("ours");
            Engine::new(&document)
        })
    });
    g.bench_function("yggdrasil", |bench| {
        bench.iter_batched(
            EngineState::default,
            |engine| {
                let document: TheirFeatures =
                    serde_json::from_slice(black_box(&body)).expect("theirs");
                engine.take_state(UpdateMessage::FullResponse(document));
                engine
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! { name = benches; config = config(); targets = evaluation, evaluate_all, loading }
criterion_main!(benches);
