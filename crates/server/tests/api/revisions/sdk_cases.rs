//! The write routes outside the admin API: SDKs' and Edge's metrics,
//! registrations and evaluations, called with their own tokens.

use super::{case, Caller, Case, Expect};
use crate::helpers::*;

/// The client, frontend, OFREP and Edge routes that take a write method:
/// metrics, registrations and evaluations, none of them a change.
pub(super) fn sdk_writes() -> Vec<Case> {
    let now = chrono::Utc::now().to_rfc3339();
    let metrics = "stores metrics counts (no revision, no event)";
    let register = "notes the application and instance (no revision, no event)";
    let evaluates = "evaluates flags for a context; stores nothing";
    vec![
        case(
            "POST /api/client/register",
            "client registration",
            Expect::NotAChange(register),
        )
        .by(Caller::Token(CLIENT_DEV))
        .body(
            json!({"appName": "svc", "instanceId": "i-1", "strategies": ["default"],
            "started": now, "interval": 10000}),
        ),
        case(
            "POST /api/client/metrics",
            "client metrics",
            Expect::NotAChange(metrics),
        )
        .by(Caller::Token(CLIENT_DEV))
        .body(json!({"appName": "svc", "instanceId": "i-1",
            "bucket": {"start": now, "stop": now, "toggles": {"two": {"yes": 1, "no": 0}}}})),
        case(
            "POST /api/client/metrics/bulk",
            "Edge's relayed metrics",
            Expect::NotAChange(metrics),
        )
        .by(Caller::Token(CLIENT_DEV))
        .body(
            json!({"applications": [], "metrics": [{"featureName": "two", "appName": "svc",
            "environment": "development", "timestamp": now, "yes": 1, "no": 0, "variants": {}}]}),
        ),
        case(
            "POST /api/client/metrics/edge",
            "Edge's instance data",
            Expect::NotAChange("accepted and not stored"),
        )
        .by(Caller::Token(CLIENT_DEV))
        .body(
            json!({"identifier": "01J", "appName": "unleash-edge", "edgeVersion": "20.1.0",
            "started": now, "connectedStreamingClients": 0, "connectedEdges": []}),
        ),
        case(
            "POST /edge/validate",
            "Edge's token validation",
            Expect::NotAChange("looks tokens up; stores nothing"),
        )
        .by(Caller::Nobody)
        .body(json!({"tokens": [CLIENT_DEV]})),
        case(
            "POST /api/frontend",
            "frontend evaluation",
            Expect::NotAChange(evaluates),
        )
        .by(Caller::Token(FRONTEND))
        .body(json!({"context": {"userId": "1"}})),
        case(
            "POST /api/frontend/client/register",
            "frontend registration",
            Expect::NotAChange(register),
        )
        .by(Caller::Token(FRONTEND))
        .body(
            json!({"appName": "web", "instanceId": "browser-1", "started": now,
            "interval": 10000}),
        ),
        case(
            "POST /api/frontend/client/metrics",
            "frontend metrics",
            Expect::NotAChange(metrics),
        )
        .by(Caller::Token(FRONTEND))
        .body(json!({"appName": "web", "instanceId": "browser-1",
            "bucket": {"start": now, "stop": now, "toggles": {"two": {"yes": 1, "no": 0}}}})),
        case(
            "POST /ofrep/v1/evaluate/flags",
            "OFREP evaluation",
            Expect::NotAChange(evaluates),
        )
        .by(Caller::Token(FRONTEND))
        .body(json!({"context": {"targetingKey": "7"}})),
        case(
            "POST /ofrep/v1/evaluate/flags/{key}",
            "OFREP evaluation of one flag",
            Expect::NotAChange(evaluates),
        )
        .at("/ofrep/v1/evaluate/flags/two")
        .by(Caller::Token(FRONTEND))
        .body(json!({"context": {"targetingKey": "7"}})),
    ]
}
