//! The OpenAPI document against the server: every (method, path) the router
//! registers is documented and every documented operation is routed; every
//! operation called without a token answers a status its entry lists; and
//! representative bad calls per area answer the status they should, which the
//! document lists for that operation.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

/// The document as the server serves it.
async fn served_document(app: &TestApp) -> Value {
    let response = app
        .http
        .get(format!("{}/docs/openapi.json", app.base))
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response
        .headers()
        .get("content-type")
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json")));
    response.json().await.expect("JSON")
}

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// Every (METHOD, path) the document has.
fn documented_operations(document: &Value) -> BTreeSet<(String, String)> {
    let mut operations = BTreeSet::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for method in METHODS {
            if item.get(method).is_some() {
                operations.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    operations
}

/// The statuses the document lists for an operation.
fn statuses(document: &Value, method: &str, path: &str) -> Vec<u16> {
    let operation = &document["paths"][path][method.to_lowercase()];
    operation["responses"]
        .as_object()
        .unwrap_or_else(|| panic!("{method} {path} is documented"))
        .keys()
        .map(|k| k.parse().expect("numeric status"))
        .collect()
}

/// A path with every parameter filled: integers as 1, text as `nothing-here`.
fn concrete(document: &Value, method: &str, path: &str) -> String {
    let operation = &document["paths"][path][method.to_lowercase()];
    let mut concrete = path.to_owned();
    for parameter in operation["parameters"].as_array().into_iter().flatten() {
        if parameter["in"] != "path" {
            continue;
        }
        let name = parameter["name"].as_str().expect("name");
        let value = if parameter["schema"]["type"] == "integer" {
            "1"
        } else {
            "nothing-here"
        };
        concrete = concrete.replace(&format!("{{{name}}}"), value);
    }
    concrete
}

pub async fn openapi_matches_the_router(db: Db) {
    let app = spawn_app(db).await;
    let document = served_document(&app).await;
    assert!(document["openapi"]
        .as_str()
        .is_some_and(|v| v.starts_with("3.")));

    let args = flagstaff_server::ServeArgs::for_database("sqlite::memory:");
    let routed: BTreeSet<(String, String)> = flagstaff_server::api::route_table(&args)
        .into_iter()
        .map(|r| (r.method.to_string(), r.path))
        .collect();
    let documented = documented_operations(&document);
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(
        undocumented.is_empty(),
        "routed but not documented: {undocumented:?}"
    );
    assert!(
        unrouted.is_empty(),
        "documented but not routed: {unrouted:?}"
    );
    assert!(routed.len() > 140, "{} operations", routed.len());

    // Operation ids are unique; every operation has a tag and a summary, and
    // every path parameter is declared.
    let mut ids = BTreeSet::new();
    for (method, path) in &documented {
        let operation = &document["paths"][path][method.to_lowercase()];
        let id = operation["operationId"].as_str().expect("operationId");
        assert!(ids.insert(id.to_owned()), "{id} twice");
        assert!(operation["tags"][0].is_string(), "{method} {path}: tag");
        assert!(operation["summary"].is_string(), "{method} {path}: summary");
        for segment in path.split('/').filter(|s| s.starts_with('{')) {
            let name = segment.trim_matches(['{', '}']);
            assert!(
                operation["parameters"]
                    .as_array()
                    .is_some_and(|ps| ps.iter().any(|p| p["name"] == name && p["in"] == "path")),
                "{method} {path}: parameter {name}"
            );
        }
    }
    assert!(document["components"]["securitySchemes"]["apiKey"]["name"] == "Authorization");

    // Without a token, every operation answers a status it documents: the
    // secured ones 401, the public ones what they answer anyone.
    for (method, path) in &documented {
        let url = format!("{}{}", app.base, concrete(&document, method, path));
        let method_value: Method = method.parse().expect("method");
        let mut request = app.http.request(method_value, &url);
        let operation = &document["paths"][path][method.to_lowercase()];
        if operation.get("requestBody").is_some() {
            request = request.json(&json!({}));
        }
        let response = request.send().await.expect("answered");
        let status = response.status().as_u16();
        let listed = statuses(&document, method, path);
        assert!(
            listed.contains(&status),
            "{method} {path} without a token: {status}, documented {listed:?}"
        );
        if operation.get("security").is_some() {
            assert_eq!(status, 401, "{method} {path} without a token");
        }
    }

    // Representative calls per area: (method, documented path, concrete path,
    // token, body, expected status).
    let flag_path = "/api/admin/projects/{project}/features/{feature}";
    let flags_path = "/api/admin/projects/{project}/features";
    let (status, _) = app
        .admin(Method::POST, F, Some(json!({"name": "documented"})))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    type Case<'a> = (
        &'a str,
        &'a str,
        String,
        Option<&'a str>,
        Option<Value>,
        u16,
    );
    let cases: Vec<Case> = vec![
        (
            "GET",
            flag_path,
            format!("{F}/no-such-flag"),
            Some(ADMIN),
            None,
            404,
        ),
        (
            "POST",
            flags_path,
            F.to_owned(),
            Some(ADMIN),
            Some(json!({"name": "documented"})),
            409,
        ),
        (
            "POST",
            flags_path,
            F.to_owned(),
            Some(ADMIN),
            Some(json!({"name": 7})),
            400,
        ),
        (
            "POST",
            flags_path,
            F.to_owned(),
            Some(ADMIN),
            Some(json!([1])),
            400,
        ),
        (
            "POST",
            flags_path,
            F.to_owned(),
            Some(CLIENT_DEV),
            Some(json!({"name": "x"})),
            403,
        ),
        (
            "GET",
            flags_path,
            format!("{F}?limit=abc"),
            Some(ADMIN),
            None,
            400,
        ),
        (
            "GET",
            flags_path,
            "/api/admin/projects/nope/features".to_owned(),
            Some(ADMIN),
            None,
            404,
        ),
        (
            "GET",
            "/api/admin/segments/{id}",
            "/api/admin/segments/abc".to_owned(),
            Some(ADMIN),
            None,
            400,
        ),
        (
            "GET",
            "/api/admin/segments/{id}",
            "/api/admin/segments/999".to_owned(),
            Some(ADMIN),
            None,
            404,
        ),
        (
            "POST",
            "/api/admin/segments",
            "/api/admin/segments".to_owned(),
            Some(ADMIN),
            Some(json!({})),
            400,
        ),
        (
            "GET",
            "/api/admin/tags/{type}/{value}",
            "/api/admin/tags/simple/none".to_owned(),
            Some(ADMIN),
            None,
            404,
        ),
        (
            "GET",
            "/api/admin/events",
            "/api/admin/events?limit=0".to_owned(),
            Some(ADMIN),
            None,
            400,
        ),
        (
            "GET",
            "/api/client/features/{name}",
            "/api/client/features/no-such-flag".to_owned(),
            Some(CLIENT_DEV),
            None,
            404,
        ),
        (
            "GET",
            "/api/client/features",
            "/api/client/features".to_owned(),
            Some(ADMIN),
            None,
            403,
        ),
        (
            "GET",
            "/api/client/features",
            "/api/client/features".to_owned(),
            Some(CLIENT_DEV),
            None,
            200,
        ),
        (
            "POST",
            "/api/client/metrics",
            "/api/client/metrics".to_owned(),
            Some(CLIENT_DEV),
            Some(json!({"bucket": 3})),
            400,
        ),
        (
            "GET",
            "/api/frontend",
            "/api/frontend".to_owned(),
            Some(CLIENT_DEV),
            None,
            403,
        ),
        (
            "GET",
            "/api/frontend",
            "/api/frontend".to_owned(),
            Some(FRONTEND),
            None,
            200,
        ),
        (
            "POST",
            "/ofrep/v1/evaluate/flags/{key}",
            "/ofrep/v1/evaluate/flags/no-such-flag".to_owned(),
            Some(CLIENT_DEV),
            Some(json!({"context": {}})),
            404,
        ),
        (
            "POST",
            "/edge/validate",
            "/edge/validate".to_owned(),
            None,
            Some(json!({"tokens": [CLIENT_DEV]})),
            200,
        ),
        (
            "GET",
            "/metrics",
            "/metrics".to_owned(),
            Some(ADMIN),
            None,
            200,
        ),
        ("GET", "/health", "/health".to_owned(), None, None, 200),
        ("GET", "/docs", "/docs".to_owned(), None, None, 200),
    ];
    for (method, path, url, token, body, expected) in cases {
        let (status, answer) = app
            .call(method.parse().expect("method"), &url, token, body)
            .await;
        assert_eq!(status.as_u16(), expected, "{method} {url}: {answer}");
        let listed = statuses(&document, method, path);
        assert!(
            listed.contains(&expected),
            "{method} {path}: {expected} is not documented ({listed:?})"
        );
        if expected >= 400 {
            // Unleash's error shape, or OFREP's on the OFREP API.
            assert!(
                answer["message"].is_string() || answer["errorCode"].is_string(),
                "{method} {url}: {answer}"
            );
        }
    }

    // A body that is not JSON, and one without a JSON content type.
    for (content_type, body, expected) in [
        ("application/json", "{\"name\":", 400),
        ("text/plain", "{\"name\": \"plain\"}", 415),
    ] {
        let response = app
            .http
            .post(format!("{}{F}", app.base))
            .header("Authorization", ADMIN)
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .expect("answered");
        assert_eq!(response.status().as_u16(), expected, "{content_type}");
        assert!(statuses(&document, "POST", flags_path).contains(&expected));
        let answer: Value = response.json().await.expect("JSON error");
        assert_eq!(answer["details"][0]["message"], answer["message"]);
    }
    let (_, listed) = app.admin(Method::GET, F, None).await;
    let names: Vec<&str> = listed["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter_map(|f| f["name"].as_str())
        .collect();
    assert_eq!(names, ["documented"], "the refused calls changed nothing");

    // The page lists every operation and links the document.
    let page = app
        .http
        .get(format!("{}/docs", app.base))
        .send()
        .await
        .expect("answered")
        .text()
        .await
        .expect("text");
    assert!(page.contains("href=\"/docs/openapi.json\""));
    // No inline script and nothing from elsewhere: only the UI's own modules.
    for script in page.split("<script").skip(1) {
        assert!(
            script.starts_with(" type=\"module\" src=\"/ui/"),
            "<script{}",
            &script[..script.len().min(80)]
        );
    }
    for (_, path) in &documented {
        assert!(page.contains(&format!("<code>{path}</code>")), "{path}");
    }
    app.stop().await;
}

/// Where a body may hold any JSON value: the genuinely free-form values
/// (`<schema>.<property>`, or `<METHOD> <path>` for a whole body).
const FREE_FORM: &[&str] = &[
    // The OpenAPI document itself.
    "GET /docs/openapi.json",
    // A signal is whatever the sender sends.
    "POST /api/signal-endpoint/{name}",
    // Edge's report about itself, accepted and not kept.
    "POST /api/client/metrics/edge",
    // An OFREP value: a variant's payload, or the flag's state.
    "FlagEvaluation.value",
    // Context field values beyond Unleash's own.
    "EvaluationContext.additionalProperties",
    // Strategy parameters: text, numbers or booleans, read as text.
    "StrategyInput.parameters.additionalProperties",
    // An event's data: what the admin API showed of what it is about (a
    // flag, a strategy, a segment, a token, ...), whichever its type names.
    "EventView.data",
    "EventView.preData",
    // A signal's payload is whatever the sender sent.
    "SignalView.payload",
    // Strategy parameters of an export, as above.
    "ExportedStrategy.parameters.additionalProperties",
    // The playground's question, echoed as it was sent (its context is read
    // leniently: numbers and booleans as text, other names as properties).
    "PlaygroundInput.context",
    // A JSON Patch value is any value the patched document may hold.
    "AddOperation.value",
    "ReplaceOperation.value",
    "TestOperation.value",
];

/// Operations whose bodies are not typed yet: each entry is a `<METHOD> <path>`
/// still answering or taking a bare `object`, or without an example. Empty
/// since issue 21 typed every body; keep it so (the test fails when an entry
/// is typed and still listed).
const UNTYPED: &[&str] = &[];

/// Adds to `problems` each place under `schema` (met at `at`, a location in
/// a body) that may hold any object or any value and is not [`FREE_FORM`].
fn bare_schemas(
    document: &Value,
    schema: &Value,
    at: &str,
    seen: &mut BTreeSet<String>,
    problems: &mut Vec<String>,
) {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.rsplit('/').next().unwrap_or_default();
        if seen.insert(name.to_owned()) {
            let target = &document["components"]["schemas"][name];
            if target.is_null() {
                problems.push(format!("{at}: {reference} is not in the document"));
            } else {
                bare_schemas(document, target, name, seen, problems);
            }
        }
        return;
    }
    let composed = ["allOf", "oneOf", "anyOf"]
        .iter()
        .filter_map(|k| schema[k].as_array())
        .flatten()
        .collect::<Vec<_>>();
    for part in &composed {
        bare_schemas(document, part, at, seen, problems);
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let any_object =
        types.contains(&"object") && types.iter().all(|t| *t == "object" || *t == "null");
    let open = composed.is_empty()
        && schema.get("enum").is_none()
        && schema.get("const").is_none()
        && (types.is_empty() || any_object)
        && schema.get("properties").is_none()
        && !schema["additionalProperties"].is_object();
    if open && !FREE_FORM.contains(&at) {
        problems.push(format!("{at}: {schema}"));
    }
    if let Some(properties) = schema["properties"].as_object() {
        for (name, property) in properties {
            bare_schemas(document, property, &format!("{at}.{name}"), seen, problems);
        }
    }
    if schema["additionalProperties"].is_object() {
        let inner = &schema["additionalProperties"];
        let here = format!("{at}.additionalProperties");
        if inner.as_object().is_some_and(|o| o.is_empty()) {
            if !FREE_FORM.contains(&here.as_str()) {
                problems.push(format!("{here}: any value"));
            }
        } else {
            bare_schemas(document, inner, &here, seen, problems);
        }
    }
    if schema["items"].is_object() {
        bare_schemas(
            document,
            &schema["items"],
            &format!("{at}[]"),
            seen,
            problems,
        );
    }
}

/// Every JSON body of every operation (its request, and each 2xx response)
/// has a schema that says what is in it, down to every property, but for the
/// free-form values above; and every operation with a JSON body has an
/// example (its own, or its schema's).
pub async fn every_body_has_a_schema(db: Db) {
    let app = spawn_app(db).await;
    let document = served_document(&app).await;
    let mut problems = Vec::new();
    let mut untyped_seen = BTreeSet::new();
    for (method, path) in documented_operations(&document) {
        let operation = &document["paths"][&path][method.to_lowercase()];
        let here = format!("{method} {path}");
        let mut bodies = vec![("request".to_owned(), &operation["requestBody"])];
        for (status, response) in operation["responses"].as_object().expect("responses") {
            if status.starts_with('2') {
                bodies.push((format!("response {status}"), response));
            }
        }
        let mut found = Vec::new();
        let mut has_json_body = false;
        let mut has_example = false;
        for (which, body) in bodies {
            let Some(content) = body["content"].as_object() else {
                continue;
            };
            for (content_type, media) in content {
                if !content_type.contains("json") {
                    continue;
                }
                has_json_body = true;
                let schema = &media["schema"];
                let named_example = schema["$ref"]
                    .as_str()
                    .and_then(|r| r.rsplit('/').next())
                    .map(|name| &document["components"]["schemas"][name])
                    .is_some_and(|s| s.get("example").is_some() || s.get("examples").is_some());
                has_example |= media.get("example").is_some()
                    || media.get("examples").is_some()
                    || named_example;
                if FREE_FORM.contains(&here.as_str()) {
                    continue;
                }
                let mut bare = Vec::new();
                if schema.is_null() {
                    bare.push("no schema".to_owned());
                } else {
                    bare_schemas(&document, schema, &here, &mut BTreeSet::new(), &mut bare);
                }
                found.extend(bare.into_iter().map(|p| format!("{here} {which}: {p}")));
            }
        }
        if has_json_body && !has_example {
            found.push(format!("{here}: no example"));
        }
        if UNTYPED.contains(&here.as_str()) {
            if !found.is_empty() {
                untyped_seen.insert(here);
            }
        } else {
            problems.extend(found);
        }
    }
    assert!(
        problems.is_empty(),
        "bodies without a real schema or example:\n{}",
        problems.join("\n")
    );
    let typed_now: Vec<_> = UNTYPED
        .iter()
        .filter(|u| !untyped_seen.contains(**u))
        .collect();
    assert!(
        typed_now.is_empty(),
        "typed now (or no longer routed): take them off UNTYPED: {typed_now:?}"
    );
    app.stop().await;
}
