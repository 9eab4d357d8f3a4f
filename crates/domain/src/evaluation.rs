//! What the frontend API and OFREP answer, as pure functions of a compiled
//! engine and a context: the enabled toggles (`{"toggles": […]}`), OFREP's
//! flag evaluations, the context read from name/value pairs, and the ETag of
//! a body computed per request. `flagstaff serve` answers from its snapshot's
//! engines and `flagstaff edge` from the engines it compiled from its
//! upstream's documents, through these same functions.

use flagstaff_engine::{Context, Engine, Evaluation, VariantResult};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::ops::STANDARD_CONTEXT_FIELDS as STANDARD_FIELDS;

/// A context from name/value pairs: Unleash's fields, `properties[x]`, and any
/// other name as a property. The error says why the pairs are not a context.
pub fn context_from_pairs(
    pairs: impl IntoIterator<Item = (String, Value)>,
) -> Result<Context, String> {
    let mut fields = Map::new();
    let mut properties = Map::new();
    for (key, value) in pairs {
        if let Some(name) = key
            .strip_prefix("properties[")
            .and_then(|k| k.strip_suffix(']'))
        {
            properties.insert(name.to_owned(), value);
        } else if key == "properties" {
            if let Value::Object(map) = value {
                properties.extend(map);
            }
        } else if STANDARD_FIELDS.contains(&key.as_str()) {
            fields.insert(key, value);
        } else if !matches!(value, Value::Object(_) | Value::Array(_)) {
            properties.insert(key, value);
        }
    }
    fields.insert("properties".to_owned(), Value::Object(properties));
    serde_json::from_value(Value::Object(fields)).map_err(|e| format!("not a valid context: {e}"))
}

/// Why a `POST /api/frontend` body is not a context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextBodyError {
    /// Not JSON at all.
    NotJson(String),
    /// JSON, but not an object.
    NotAnObject,
    /// `context` is there but is not an object.
    ContextNotAnObject,
    /// The fields do not make a context.
    Invalid(String),
}

impl std::fmt::Display for ContextBodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ContextBodyError::NotJson(error) => write!(f, "the body is not JSON: {error}"),
            ContextBodyError::NotAnObject => f.write_str("the body must be a JSON object"),
            ContextBodyError::ContextNotAnObject => {
                f.write_str("\"context\" must be a JSON object")
            }
            ContextBodyError::Invalid(error) => f.write_str(error),
        }
    }
}

/// The context of a `POST /api/frontend` body: its `context` object, or,
/// without one, the body's own fields (as Unleash's proxy reads them), each
/// read as [`context_from_pairs`] reads a pair. An empty body is an empty
/// context.
pub fn context_from_body(body: &[u8]) -> Result<Context, ContextBodyError> {
    if body.is_empty() {
        return context_from_pairs([]).map_err(ContextBodyError::Invalid);
    }
    let value: Value =
        serde_json::from_slice(body).map_err(|e| ContextBodyError::NotJson(e.to_string()))?;
    context_from_value(value)
}

/// The context of a `POST /api/frontend` body already read as JSON (see
/// [`context_from_body`]).
pub fn context_from_value(value: Value) -> Result<Context, ContextBodyError> {
    let Value::Object(mut body) = value else {
        return Err(ContextBodyError::NotAnObject);
    };
    let fields = match body.remove("context") {
        Some(Value::Object(context)) => context,
        Some(_) => return Err(ContextBodyError::ContextNotAnObject),
        None => body,
    };
    context_from_pairs(fields).map_err(ContextBodyError::Invalid)
}

/// The ETag of a body computed per request (frontend API, OFREP bulk): its
/// 64-bit XXH3, quoted. It only has to tell two bodies apart, for every
/// request, so a fast non-cryptographic hash (a SHA-256 cost as much as
/// writing the body); the same body gets the same ETag on every replica.
pub fn body_etag(body: &[u8]) -> String {
    format!("\"{:016x}\"", xxhash_rust::xxh3::xxh3_64(body))
}

/// Whether an `Accept-Encoding` value accepts gzip.
pub fn accepts_gzip(accept_encoding: Option<&str>) -> bool {
    accept_encoding.is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")))
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Toggle<'a> {
    name: &'a str,
    enabled: bool,
    variant: FrontendVariant<'a>,
    impression_data: bool,
}

/// The variant as Unleash's frontend API gives it: the SDKs' shape, with
/// whether the flag is on also as `featureEnabled`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct FrontendVariant<'a> {
    #[serde(flatten)]
    variant: VariantResult<'a>,
    #[serde(rename = "featureEnabled")]
    feature_enabled: bool,
}

/// The enabled flags for a context (disabled ones are left out, as Unleash does).
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"toggles": [
    {"name": "new-checkout", "enabled": true, "impressionData": false,
        "variant": {"name": "blue", "enabled": true, "feature_enabled": true,
            "featureEnabled": true, "payload": {"type": "string", "value": "#0000ff"}}},
    {"name": "dark-mode", "enabled": true, "impressionData": true,
        "variant": {"name": "disabled", "enabled": false, "feature_enabled": true,
            "featureEnabled": true}}
]}))]
pub struct Toggles<'a> {
    toggles: Vec<Toggle<'a>>,
}

/// The frontend API's body: the flags of `engine` enabled for `context` whose
/// project `sees` accepts (none without an engine).
pub fn frontend_body(
    engine: Option<&Engine>,
    context: &Context,
    sees: impl Fn(&str) -> bool,
) -> Vec<u8> {
    toggles_body(engine, context, sees, false)
}

/// The body of Edge's `/api/frontend/all`: every flag of `engine` whose
/// project `sees` accepts, off ones included with `enabled: false`.
pub fn frontend_all_body(
    engine: Option<&Engine>,
    context: &Context,
    sees: impl Fn(&str) -> bool,
) -> Vec<u8> {
    toggles_body(engine, context, sees, true)
}

fn toggles_body(
    engine: Option<&Engine>,
    context: &Context,
    sees: impl Fn(&str) -> bool,
    with_off: bool,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(engine.map_or(16, |e| 96 * e.len()));
    out.extend_from_slice(b"{\"toggles\":[");
    if let Some(engine) = engine {
        let mut first = true;
        for (name, _, evaluation) in engine.evaluate_visible(context, sees) {
            if !(with_off || evaluation.enabled) {
                continue;
            }
            if !first {
                out.push(b',');
            }
            first = false;
            write_toggle(&mut out, name, &evaluation);
        }
    }
    out.extend_from_slice(b"]}");
    out
}

/// One [`Toggle`] as `serde_json` writes it, written directly: this is the
/// frontend API's hot path, and the derived serializer spent most of its time
/// escaping the same constant keys again for every flag.
fn write_toggle(out: &mut Vec<u8>, name: &str, evaluation: &Evaluation<'_>) {
    out.extend_from_slice(b"{\"name\":");
    write_json_string(out, name);
    out.extend_from_slice(if evaluation.enabled {
        b",\"enabled\":true,\"variant\":"
    } else {
        b",\"enabled\":false,\"variant\":"
    });
    // The variant's JSON is made once, when the engine compiles it.
    out.extend_from_slice(evaluation.variant.frontend_json.as_bytes());
    out.extend_from_slice(if evaluation.impression_data {
        b",\"impressionData\":true}"
    } else {
        b",\"impressionData\":false}"
    });
}

/// A JSON string, escaped as `serde_json` escapes it (control characters,
/// `"` and `\\`; nothing else), copied at once when nothing needs escaping.
fn write_json_string(out: &mut Vec<u8>, text: &str) {
    let plain = text.bytes().fold(true, |plain, b| {
        plain & (b >= 0x20) & (b != b'"') & (b != b'\\')
    });
    if plain {
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    } else {
        // Writing into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, text);
    }
}

/// One flag's OFREP evaluation.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"key": "new-checkout", "metadata": {"impressionData": false, "project": "default", "unleashVariant": "blue"}, "reason": "TARGETING_MATCH", "value": "#0000ff", "variant": "blue"}))]
pub struct FlagEvaluation<'a> {
    key: &'a str,
    metadata: EvaluationMetadata<'a>,
    /// `TARGETING_MATCH` or `DISABLED`.
    reason: &'static str,
    /// The variant's payload (a number for `number`, parsed for `json`), else whether the flag is on.
    value: Value,
    /// The variant's name when its payload is the value, else `enabled` or `disabled`.
    variant: &'a str,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EvaluationMetadata<'a> {
    impression_data: bool,
    project: Option<&'a str>,
    unleash_variant: &'a str,
}

/// Every flag's OFREP evaluation.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"flags": [{"key": "new-checkout", "metadata": {"impressionData": false, "project": "default", "unleashVariant": "disabled"}, "reason": "TARGETING_MATCH", "value": true, "variant": "enabled"}]}))]
pub struct BulkEvaluation<'a> {
    flags: Vec<FlagEvaluation<'a>>,
}

/// The evaluation context of an OFREP request body (`{"context": {…}}`, or
/// empty), `targetingKey` read as `userId` and `remoteAddress` defaulting to
/// `address`; the caller sets `currentTime` from its clock.
pub fn ofrep_context(body: &[u8], address: Option<std::net::IpAddr>) -> Result<Context, String> {
    let value: Value = if body.is_empty() {
        json!({})
    } else {
        serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?
    };
    let fields: Map<String, Value> = match value.get("context") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(map)) => map.clone(),
        Some(_) => return Err("\"context\" must be an object".to_owned()),
    };
    let pairs = fields.into_iter().map(|(k, v)| match k.as_str() {
        "targetingKey" => ("userId".to_owned(), v),
        _ => (k, v),
    });
    let mut context = context_from_pairs(pairs)?;
    if context.remote_address.is_none() {
        context.remote_address = address.map(|a| a.to_string());
    }
    Ok(context)
}

/// A flag's OFREP evaluation: its on/off state, unless its variant carries a
/// payload: then the payload is the value (`number` as a number, `json`
/// parsed) and the variant name is the OFREP variant.
pub fn flag_evaluation<'a>(
    engine: &'a Engine,
    key: &'a str,
    evaluation: Evaluation<'a>,
) -> FlagEvaluation<'a> {
    let reason = if !evaluation.enabled {
        "DISABLED"
    } else {
        "TARGETING_MATCH"
    };
    let (value, variant) = match evaluation.variant.payload {
        Some(payload) if evaluation.variant.enabled => {
            let value = match payload.payload_type.as_str() {
                "number" => payload
                    .value
                    .parse::<f64>()
                    .map(|n| json!(n))
                    .unwrap_or(json!(payload.value)),
                "json" => serde_json::from_str(&payload.value).unwrap_or(json!(payload.value)),
                _ => json!(payload.value),
            };
            (value, evaluation.variant.name)
        }
        _ => (
            json!(evaluation.enabled),
            if evaluation.enabled {
                "enabled"
            } else {
                "disabled"
            },
        ),
    };
    FlagEvaluation {
        key,
        metadata: EvaluationMetadata {
            impression_data: evaluation.impression_data,
            project: engine.project(key),
            unleash_variant: evaluation.variant.name,
        },
        reason,
        value,
        variant,
    }
}

/// OFREP's bulk body: every flag of `engine` whose project `sees` accepts,
/// evaluated for `context` (none without an engine).
pub fn ofrep_bulk_body(
    engine: Option<&Engine>,
    context: &Context,
    sees: impl Fn(&str) -> bool,
) -> Vec<u8> {
    let flags: Vec<FlagEvaluation<'_>> = match engine {
        Some(engine) => engine
            .evaluate_all(context)
            .filter(|(name, _)| engine.project(name).is_some_and(&sees))
            .map(|(name, e)| flag_evaluation(engine, name, e))
            .collect(),
        None => Vec::new(),
    };
    serde_json::to_vec(&BulkEvaluation { flags }).unwrap_or_default()
}

/// OFREP's single evaluation of `key`, if `engine` has it and `sees` its project.
pub fn ofrep_single_body(
    engine: Option<&Engine>,
    key: &str,
    context: &Context,
    sees: impl Fn(&str) -> bool,
) -> Option<Vec<u8>> {
    let engine = engine?;
    if !engine.contains(key) || !engine.project(key).is_some_and(&sees) {
        return None;
    }
    let evaluation = flag_evaluation(engine, key, engine.evaluate(key, context));
    Some(serde_json::to_vec(&evaluation).unwrap_or_default())
}

#[cfg(test)]
mod tests;
