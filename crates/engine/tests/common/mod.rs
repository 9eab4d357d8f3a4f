//! Generators shared by the property tests: random client-features documents
//! (every strategy kind, constraints, segments, variants, dependencies) and
//! contexts that never fall back to a random draw (each has a sessionId and a
//! `tenant` property).

use std::collections::HashMap;

use proptest::prelude::*;
use serde_json::{json, Value};

pub const CONTEXT_FIELDS: &[&str] = &[
    "userId",
    "sessionId",
    "environment",
    "appName",
    "remoteAddress",
    "tenant",
    "plan",
    "version",
    "age",
];

pub fn text_values() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(
        prop::sample::select(vec![
            "1",
            "7",
            "42",
            "s3",
            "production",
            "dev",
            "web",
            "Web",
            "WEB",
            "api",
            "acme",
            "Acme",
            "pro",
            "free",
            "10.0.0.1",
            "1.2.3",
            "ac",
            "e",
            "",
        ])
        .prop_map(String::from),
        0..4,
    )
}

pub fn constraint() -> impl Strategy<Value = Value> {
    let field = prop::sample::select(CONTEXT_FIELDS.to_vec());
    let list_ops = prop::sample::select(vec![
        "IN",
        "NOT_IN",
        "STR_CONTAINS",
        "STR_STARTS_WITH",
        "STR_ENDS_WITH",
    ]);
    let single = prop_oneof![
        (
            prop::sample::select(vec!["NUM_EQ", "NUM_GT", "NUM_GTE", "NUM_LT", "NUM_LTE"]),
            prop::sample::select(vec!["18", "18.5", "0", "-1", "20"])
        )
            .prop_map(|(op, v)| (op, "age", v)),
        (
            prop::sample::select(vec![
                "SEMVER_EQ",
                "SEMVER_GT",
                "SEMVER_LT",
                "SEMVER_GTE",
                "SEMVER_LTE"
            ]),
            prop::sample::select(vec!["1.2.3", "2.0.0-beta.1", "2.0.0", "1.0.0-alpha"])
        )
            .prop_map(|(op, v)| (op, "version", v)),
        (
            prop::sample::select(vec!["DATE_AFTER", "DATE_BEFORE"]),
            prop::sample::select(vec![
                "2024-01-01T00:00:00.000Z",
                "2025-06-01T12:00:00Z",
                "2030-01-01T00:00:00.000Z"
            ])
        )
            .prop_map(|(op, v)| (op, "currentTime", v)),
        (
            Just("REGEX"),
            prop::sample::select(vec!["^a", "^[0-9]+$", "eb$", "^(?i)WEB$"])
        )
            .prop_map(|(op, v)| (op, "appName", v)),
    ];
    prop_oneof![
        (field, list_ops, text_values(), any::<bool>(), any::<bool>()).prop_map(
            |(field, op, values, inverted, ci)| json!({
                "contextName": field, "operator": op, "values": values,
                "inverted": inverted, "caseInsensitive": ci
            })
        ),
        (single, any::<bool>()).prop_map(|((op, field, value), inverted)| json!({
            "contextName": field, "operator": op, "value": value, "values": [], "inverted": inverted
        })),
        (
            prop::sample::select(vec!["10.0.0.0/8", "192.168.1.5", "::1/128", "bad"]),
            any::<bool>()
        )
            .prop_map(|(range, inverted)| json!({
                "contextName": "remoteAddress", "operator": "IN_CIDR", "values": [range],
                "inverted": inverted
            })),
    ]
}

pub fn variants() -> impl Strategy<Value = Vec<Value>> {
    prop::collection::vec(
        (
            0u32..100,
            prop::option::of(prop::sample::select(vec!["default", "sessionId", "tenant"])),
            any::<bool>(),
        ),
        0..4,
    )
    .prop_map(|list| {
        list.into_iter()
            .enumerate()
            .map(|(i, (weight, stickiness, payload))| {
                // yggdrasil divides by the total weight and panics when it is 0,
                // so the first variant always weighs something.
                let weight = if i == 0 { weight.max(1) } else { weight };
                let mut v =
                    json!({"name": format!("v{i}"), "weight": weight, "weightType": "variable"});
                if let Some(s) = stickiness {
                    v["stickiness"] = json!(s);
                }
                if payload {
                    v["payload"] = json!({"type": "string", "value": format!("p{i}")});
                }
                v
            })
            .collect()
    })
}

pub fn strategy() -> impl Strategy<Value = Value> {
    let rule = prop_oneof![
        Just(json!({"name": "default", "parameters": {}})),
        (
            prop::sample::select(vec!["0", "1", "33", "50", "99", "100"]),
            prop::sample::select(vec!["default", "userId", "sessionId", "tenant", "plan"]),
            prop::sample::select(vec!["", "g1", "checkout"])
        )
            .prop_map(|(rollout, stickiness, group)| json!({
                "name": "flexibleRollout",
                "parameters": {"rollout": rollout, "stickiness": stickiness, "groupId": group}
            })),
        prop::sample::select(vec!["1,7", "42, 7 ,3", ""])
            .prop_map(|ids| json!({"name": "userWithId", "parameters": {"userIds": ids}})),
        prop::sample::select(vec!["10", "50", "100"]).prop_map(|p| json!({
            "name": "gradualRolloutUserId", "parameters": {"percentage": p, "groupId": "gr"}
        })),
        prop::sample::select(vec!["10", "50", "100"]).prop_map(|p| json!({
            "name": "gradualRolloutSessionId", "parameters": {"percentage": p, "groupId": "gr"}
        })),
        prop::sample::select(vec!["10.0.0.1", "192.168.0.0/16, ::1", "x"])
            .prop_map(|ips| json!({"name": "remoteAddress", "parameters": {"IPs": ips}})),
        Just(json!({"name": "someCustomStrategy", "parameters": {"a": "b"}})),
    ];
    (
        rule,
        prop::collection::vec(constraint(), 0..3),
        prop::collection::vec(1i64..5, 0..2),
        variants(),
    )
        .prop_map(|(mut s, constraints, segments, variants)| {
            s["constraints"] = json!(constraints);
            s["segments"] = json!(segments);
            s["variants"] = json!(variants);
            s
        })
}

pub fn document() -> impl Strategy<Value = Value> {
    let flag = (
        prop::bool::weighted(0.85),
        prop::collection::vec(strategy(), 0..3),
        variants(),
        prop::option::of((0usize..6, prop::option::of(any::<bool>()), any::<bool>())),
        any::<bool>(),
    );
    (
        prop::collection::vec(flag, 1..6),
        prop::collection::vec(prop::collection::vec(constraint(), 0..3), 0..4),
    )
        .prop_map(|(flags, segments)| {
            let features: Vec<Value> = flags
                .into_iter()
                .enumerate()
                .map(
                    |(i, (enabled, strategies, variants, dependency, impression))| {
                        let mut f = json!({
                            "name": format!("f{i}"), "type": "release", "project": "default",
                            "enabled": enabled, "stale": false, "impressionData": impression,
                            "strategies": strategies, "variants": variants
                        });
                        if let Some((parent, expect, by_variant)) = dependency {
                            let mut d = json!({"feature": format!("f{parent}")});
                            if let Some(e) = expect {
                                d["enabled"] = json!(e);
                            }
                            if by_variant {
                                d["variants"] = json!(["v0", "disabled"]);
                            }
                            f["dependencies"] = json!([d]);
                        }
                        f
                    },
                )
                .collect();
            let segments: Vec<Value> = segments
                .into_iter()
                .enumerate()
                .map(|(i, constraints)| {
                    json!({"id": i + 1, "name": format!("s{i}"), "constraints": constraints})
                })
                .collect();
            json!({"version": 2, "features": features, "segments": segments})
        })
}

pub fn context() -> impl Strategy<Value = Value> {
    (
        prop::option::of(prop::sample::select(vec!["1", "7", "42", "100", "user-9"])),
        prop::sample::select(vec!["s1", "s2", "s3", "session-long-1234"]),
        prop::option::of(prop::sample::select(vec!["production", "dev"])),
        prop::option::of(prop::sample::select(vec!["web", "Web", "api"])),
        prop::sample::select(vec!["10.0.0.1", "192.168.1.5", "::1", "8.8.8.8"]),
        prop::sample::select(vec![
            "2024-05-01T00:00:00.000Z",
            "2025-06-01T12:00:00Z",
            "2031-01-01T00:00:00.000Z",
        ]),
        (
            prop::sample::select(vec!["acme", "Acme", "globex"]),
            prop::option::of(prop::sample::select(vec!["pro", "free"])),
            prop::option::of(prop::sample::select(vec![
                "1.2.3",
                "2.0.0",
                "2.0.0-beta.2",
                "1.0.0-alpha",
            ])),
            prop::option::of(prop::sample::select(vec!["17", "18", "18.5", "20", "-1"])),
        ),
    )
        .prop_map(
            |(user, session, env, app, ip, time, (tenant, plan, version, age))| {
                let mut properties = HashMap::new();
                properties.insert("tenant", tenant);
                if let Some(p) = plan {
                    properties.insert("plan", p);
                }
                if let Some(v) = version {
                    properties.insert("version", v);
                }
                if let Some(a) = age {
                    properties.insert("age", a);
                }
                let mut c = json!({
                    "sessionId": session, "remoteAddress": ip, "currentTime": time,
                    "properties": properties
                });
                if let Some(u) = user {
                    c["userId"] = json!(u);
                }
                if let Some(e) = env {
                    c["environment"] = json!(e);
                }
                if let Some(a) = app {
                    c["appName"] = json!(a);
                }
                c
            },
        )
}
