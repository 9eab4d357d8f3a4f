//! Integrations (Unleash's addons): the providers and their parameters, what
//! each sends for an event, and where it may send it.
//!
//! The outbox is in storage (`storage/integrations.rs`: a delivery row per
//! matching integration, written with the event); `delivery` is the worker
//! that sends them, retries, signs and logs ([`Deliverer`]); `target` decides
//! which URLs an integration may call (SSRF protection, checked at creation
//! and again at every delivery, where the addresses are resolved and
//! filtered: [`TargetPolicy`]).

pub(crate) mod delivery;
mod providers;
pub(crate) mod target;

pub use delivery::{Breaker, Deliverer, DeliverySettings};
pub use providers::{Parameter, Provider, EVENT_TYPES, PROVIDERS};
pub use target::TargetPolicy;

use hmac::{Hmac, Mac};
use serde_json::{json, Map, Value};
use sha2::Sha256;

use crate::ops::FieldPath;
use flagstaff_storage::FilterEventKind;

/// Shown instead of a sensitive parameter's value; on update, this value
/// keeps the stored one (as Unleash).
pub const MASK: &str = "*****";

/// The header carrying `sha256=<hex HMAC-SHA256 of the body>` with the
/// integration's signing secret.
pub const SIGNATURE_HEADER: &str = "X-Flagstaff-Signature";

/// The header that says an event was made by an action set's run, and how
/// deep in a chain of runs (absent: not by an action set). A signal endpoint
/// records it on the signal, and stops the chain past a depth (the loop
/// guard in [`crate::actions`]).
pub const ACTION_DEPTH_HEADER: &str = "X-Flagstaff-Action-Depth";

pub fn provider(name: &str) -> Option<&'static Provider> {
    PROVIDERS.iter().find(|p| p.name == name)
}

const DATADOG_URL: &str = "https://api.datadoghq.com/api/v1/events";

/// The URL an integration sends to (Datadog's has a default).
pub fn target_url(provider: &str, parameters: &Map<String, Value>) -> Option<String> {
    match parameters.get("url").and_then(Value::as_str) {
        Some(url) if !url.trim().is_empty() => Some(url.trim().to_owned()),
        _ if provider == "datadog" => Some(DATADOG_URL.to_owned()),
        _ => None,
    }
}

/// Why these parameters and events do not make a valid integration of
/// `provider`, if they do not, and the field at fault (URLs are checked
/// further by [`target`]).
pub fn problem(
    provider: &Provider,
    parameters: &Map<String, Value>,
    events: &[String],
) -> Option<(FieldPath, String)> {
    let parameter = |name: &str| FieldPath::root().field("parameters").field(name);
    for p in provider.parameters.iter().filter(|p| p.required) {
        let given = parameters
            .get(p.name)
            .and_then(Value::as_str)
            .is_some_and(|v| !v.trim().is_empty());
        if !given {
            return Some((
                parameter(p.name),
                format!("Missing required parameter: {}", p.name),
            ));
        }
    }
    for (name, value) in parameters {
        let Some(definition) = provider.parameters.iter().find(|p| p.name == name) else {
            return Some((
                parameter(name),
                format!("{} has no parameter {name}", provider.name),
            ));
        };
        if !value.is_string() {
            return Some((
                parameter(name),
                format!("parameter {} must be a string", definition.name),
            ));
        }
    }
    if let Some(headers) = parameters.get("customHeaders").and_then(Value::as_str) {
        if headers != MASK && !headers.trim().is_empty() && custom_headers(headers).is_none() {
            return Some((
                parameter("customHeaders"),
                "custom headers must be a JSON object of string values".to_owned(),
            ));
        }
    }
    if let Some(template) = parameters.get("bodyTemplate").and_then(Value::as_str) {
        if let Err(e) = minijinja::Environment::new().template_from_str(template) {
            return Some((
                parameter("bodyTemplate"),
                format!("the body template is not a valid template: {e}"),
            ));
        }
    }
    let events_at = FieldPath::root().field("events");
    if events.is_empty() {
        return Some((events_at, "name at least one event type".to_owned()));
    }
    // A legacy name Unleash still accepts is accepted (it matches nothing).
    if let Some((position, unknown)) = events.iter().enumerate().find(|(_, e)| match e
        .parse::<FilterEventKind>(
    ) {
        Ok(FilterEventKind::Recorded(kind)) => !provider.events.contains(&kind),
        Ok(FilterEventKind::Legacy(_)) => false,
        Err(_) => true,
    }) {
        return Some((
            events_at.index(position),
            format!("{} cannot send events of type {unknown}", provider.name),
        ));
    }
    None
}

fn custom_headers(text: &str) -> Option<Vec<(String, String)>> {
    let Value::Object(map) = serde_json::from_str(text).ok()? else {
        return None;
    };
    map.into_iter()
        .map(|(k, v)| v.as_str().map(|v| (k, v.to_owned())))
        .collect()
}

/// The parameters as the API shows them: sensitive values masked.
pub fn masked(provider: &str, parameters: &Map<String, Value>) -> Map<String, Value> {
    let sensitive = |name: &str| {
        self::provider(provider)
            .is_some_and(|p| p.parameters.iter().any(|d| d.name == name && d.sensitive))
    };
    parameters
        .iter()
        .map(|(k, v)| {
            let shown = if sensitive(k) { json!(MASK) } else { v.clone() };
            (k.clone(), shown)
        })
        .collect()
}

/// One request to send.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

fn param<'a>(parameters: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    parameters
        .get(name)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// A sentence about the event for chat messages.
fn sentence(event: &Value) -> String {
    let by = event["createdBy"].as_str().unwrap_or("someone");
    let kind = event["type"].as_str().unwrap_or("change");
    let what = kind.replace('-', " ");
    match (event["featureName"].as_str(), event["environment"].as_str()) {
        (Some(flag), Some(environment)) => {
            format!("{by}: {what} — flag *{flag}* in *{environment}*")
        }
        (Some(flag), None) => format!("{by}: {what} — flag *{flag}*"),
        _ => format!("{by}: {what}"),
    }
}

/// Where a person looks at the flag the event is about.
fn link(event: &Value, public_url: &str) -> String {
    match (event["project"].as_str(), event["featureName"].as_str()) {
        (Some(project), Some(flag)) => format!(
            "{}/projects/{project}/features/{flag}",
            public_url.trim_end_matches('/')
        ),
        _ => format!("{}/events", public_url.trim_end_matches('/')),
    }
}

/// What `addon` sends for `event` (the event log's view of it): URL, headers
/// (signature included, and [`ACTION_DEPTH_HEADER`] for an event an action
/// set's run made `action_depth` deep) and body. `Err` names what cannot be
/// rendered.
pub fn outgoing(
    provider: &str,
    parameters: &Map<String, Value>,
    signing_secret: &str,
    event: &Value,
    action_depth: i64,
    public_url: &str,
) -> Result<Outgoing, String> {
    let url = target_url(provider, parameters).ok_or("the integration has no URL")?;
    let mut headers = vec![("Content-Type".to_owned(), "application/json".to_owned())];
    let body: Vec<u8> = match provider {
        "webhook" => {
            if let Some(content_type) = param(parameters, "contentType") {
                headers[0].1 = content_type.to_owned();
            }
            if let Some(authorization) = param(parameters, "authorization") {
                headers.push(("Authorization".to_owned(), authorization.to_owned()));
            }
            match param(parameters, "bodyTemplate") {
                Some(template) => minijinja::Environment::new()
                    .render_str(template, json!({ "event": event }))
                    .map_err(|e| format!("the body template failed: {e}"))?
                    .into_bytes(),
                None => serde_json::to_vec(event).unwrap_or_default(),
            }
        }
        "slack" => {
            let mut message = json!({
                "username": param(parameters, "username").unwrap_or("Flagstaff"),
                "icon_emoji": param(parameters, "emojiIcon").unwrap_or(":triangular_flag_on_post:"),
                "text": format!("{} <{}|open>", sentence(event), link(event, public_url)),
            });
            if let Some(channel) = param(parameters, "defaultChannel") {
                message["channel"] = json!(channel);
            }
            serde_json::to_vec(&message).unwrap_or_default()
        }
        "teams" => serde_json::to_vec(&json!({
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "summary": sentence(event),
            "sections": [{
                "activityTitle": sentence(event),
                "facts": [
                    {"name": "Event", "value": event["type"]},
                    {"name": "By", "value": event["createdBy"]},
                    {"name": "Project", "value": event["project"]},
                    {"name": "Environment", "value": event["environment"]},
                ],
            }],
            "potentialAction": [{
                "@type": "OpenUri", "name": "Open the flag",
                "targets": [{"os": "default", "uri": link(event, public_url)}],
            }],
        }))
        .unwrap_or_default(),
        "datadog" => {
            headers.push((
                "DD-API-KEY".to_owned(),
                param(parameters, "apiKey").unwrap_or_default().to_owned(),
            ));
            let mut tags = vec![format!(
                "event:{}",
                event["type"].as_str().unwrap_or_default()
            )];
            if let Some(flag) = event["featureName"].as_str() {
                tags.push(format!("feature:{flag}"));
            }
            if let Some(environment) = event["environment"].as_str() {
                tags.push(format!("env:{environment}"));
            }
            let mut body = json!({
                "title": "Flagstaff: a feature flag changed",
                "text": format!("{}\n{}", sentence(event), link(event, public_url)),
                "tags": tags,
            });
            if let Some(source) = param(parameters, "sourceTypeName") {
                body["source_type_name"] = json!(source);
            }
            serde_json::to_vec(&body).unwrap_or_default()
        }
        other => return Err(format!("unknown provider {other}")),
    };
    if let Some(extra) = param(parameters, "customHeaders").and_then(custom_headers) {
        headers.extend(extra);
    }
    if action_depth > 0 {
        headers.push((ACTION_DEPTH_HEADER.to_owned(), action_depth.to_string()));
    }
    headers.push((
        SIGNATURE_HEADER.to_owned(),
        signature(signing_secret, &body),
    ));
    Ok(Outgoing { url, headers, body })
}

/// `sha256=<hex>`: HMAC-SHA256 of `body` keyed with `secret`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        // HMAC takes keys of any length.
        Err(_) => return String::new(),
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests;
