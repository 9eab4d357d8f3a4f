//! The frontend API's per-request work, without HTTP: read the context from a
//! `POST /api/frontend` body, evaluate the token's flags, write the body and
//! its ETag. The document is `scripts/bench-client-features.sh`'s 200 flags
//! and the body its 5-field context, so the figures line up with the wrk runs
//! of `serve` and `edge`. `cargo bench -p flagstaff-domain --bench frontend`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use flagstaff_domain::evaluation::{body_etag, context_from_body, frontend_body};
use flagstaff_engine::{ClientFeatures, Engine};
use serde_json::{json, Value};

const BODY: &[u8] = br#"{"context":{"userId":"42","sessionId":"s-1","appName":"web","remoteAddress":"10.0.0.7","properties":{"region":"eu"}}}"#;

fn document() -> Value {
    let features: Vec<Value> = (1..=200)
        .map(|i| {
            json!({"name": format!("flag-{i}"), "project": "default", "enabled": true,
                "description": format!("benchmark flag {i}"), "type": "release",
                "strategies": [{"name": "flexibleRollout",
                    "parameters": {"rollout": (i % 100).to_string(), "stickiness": "default", "groupId": format!("flag-{i}")},
                    "constraints": [{"contextName": "region", "operator": "IN", "values": ["eu", "us", "apac"]}],
                    "variants": [
                        {"name": "a", "weight": 0, "stickiness": "default", "payload": {"type": "string", "value": "x"}},
                        {"name": "b", "weight": 0, "stickiness": "default"}]}]})
        })
        .collect();
    json!({"version": 2, "features": features})
}

fn frontend(c: &mut Criterion) {
    let document: ClientFeatures = serde_json::from_value(document()).expect("a document");
    let engine = Engine::new(&document);
    let now = chrono::DateTime::parse_from_rfc3339("2026-12-07T10:00:00Z")
        .expect("an instant")
        .to_utc();
    let context = context_from_body(BODY)
        .expect("a context")
        .with_current_time(now);
    let body = frontend_body(Some(&engine), &context, |p| p == "default");
    assert!(body.len() > 1000, "{} bytes", body.len());

    let mut g = c.benchmark_group("frontend");
    g.bench_function("read the context", |b| {
        b.iter(|| context_from_body(black_box(BODY)))
    });
    g.bench_function("evaluate and write", |b| {
        b.iter(|| frontend_body(Some(&engine), black_box(&context), |p| p == "default"))
    });
    g.bench_function("etag", |b| b.iter(|| body_etag(black_box(&body))));
    g.bench_function("whole request", |b| {
        b.iter(|| {
            let context = context_from_body(black_box(BODY))
                .expect("a context")
                .with_current_time(now);
            let body = frontend_body(Some(&engine), &context, |p| p == "default");
            (body_etag(&body), body)
        })
    });
    g.finish();
}

criterion_group!(benches, frontend);
criterion_main!(benches);
