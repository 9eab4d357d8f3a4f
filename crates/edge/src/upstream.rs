//! The one HTTP client to the upstream (Unleash or Flagstaff, or another
//! edge): token validation, client-features fetches with `If-None-Match`, and
//! the bulk metrics post. Every request carries the edge's identity headers
//! and `--custom-client-headers`.

use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, ETAG, IF_NONE_MATCH};
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};

use crate::tokens::EdgeToken;

/// The client specification the edge implements (segments are sent apart).
pub const CLIENT_SPEC: &str = "5.2.0";

/// What the upstream needs to know to connect.
#[derive(Debug, Clone)]
pub struct UpstreamSettings {
    pub url: String,
    pub app_name: String,
    pub instance_id: String,
    pub custom_headers: Vec<String>,
    pub certificate_pem: Option<Vec<u8>>,
    pub skip_tls_verification: bool,
    pub request_timeout: Duration,
    pub keepalive: Duration,
}

#[derive(Debug, Clone)]
pub struct Upstream {
    client: reqwest::Client,
    base: String,
}

/// The answer to a client-features fetch.
#[derive(Debug)]
pub enum Fetched {
    /// 304: what the edge has is current.
    Unchanged,
    /// 200: a new document and its ETag.
    Changed { body: Bytes, etag: Option<String> },
    /// 401/403: the token is not (or no longer) a live client token.
    Refused,
    /// The upstream could not be reached, or answered something else.
    Failed(String),
}

#[derive(Serialize)]
struct ValidateBody<'a> {
    tokens: &'a [String],
}

#[derive(Deserialize)]
struct Validated {
    tokens: Vec<serde_json::Value>,
}

impl Upstream {
    pub fn new(settings: &UpstreamSettings) -> Result<Upstream, String> {
        let mut headers = HeaderMap::new();
        let mut put = |name: &str, value: &str| -> Result<(), String> {
            let name = HeaderName::from_bytes(name.trim().as_bytes())
                .map_err(|e| format!("header name {name:?}: {e}"))?;
            let value = HeaderValue::from_str(value.trim())
                .map_err(|e| format!("header value for {name}: {e}"))?;
            headers.insert(name, value);
            Ok(())
        };
        put("unleash-appname", &settings.app_name)?;
        put("unleash-instanceid", &settings.instance_id)?;
        put("unleash-connection-id", &settings.instance_id)?;
        put("unleash-client-spec", CLIENT_SPEC)?;
        put(
            "unleash-sdk",
            concat!("flagstaff-edge:", env!("CARGO_PKG_VERSION")),
        )?;
        for header in &settings.custom_headers {
            let Some((name, value)) = header.split_once(':') else {
                return Err(format!(
                    "--custom-client-headers: {header:?} is not `Name: value`"
                ));
            };
            put(name, value)?;
        }
        let mut builder = reqwest::Client::builder()
            .default_headers(headers)
            .timeout(settings.request_timeout)
            .connect_timeout(settings.request_timeout)
            .pool_idle_timeout(settings.keepalive)
            .danger_accept_invalid_certs(settings.skip_tls_verification);
        if let Some(pem) = &settings.certificate_pem {
            let certificate = reqwest::Certificate::from_pem(pem)
                .map_err(|e| format!("--upstream-certificate-file: {e}"))?;
            builder = builder.add_root_certificate(certificate);
        }
        let client = builder.build().map_err(|e| e.to_string())?;
        let base = settings.url.trim_end_matches('/').to_owned();
        Ok(Upstream { client, base })
    }

    pub fn url(&self) -> &str {
        &self.base
    }

    /// The live tokens among `secrets`, with their scope; an error when the
    /// upstream could not say.
    pub async fn validate(&self, secrets: &[String]) -> Result<Vec<EdgeToken>, String> {
        let response = self
            .client
            .post(format!("{}/edge/validate", self.base))
            .json(&ValidateBody { tokens: secrets })
            .send()
            .await
            .map_err(|e| describe(&e))?;
        if !response.status().is_success() {
            return Err(format!("/edge/validate answered {}", response.status()));
        }
        let validated: Validated = response.json().await.map_err(|e| describe(&e))?;
        // Entries of kinds this version does not know are skipped, not fatal.
        Ok(validated
            .tokens
            .into_iter()
            .filter_map(|t| serde_json::from_value(t).ok())
            .collect())
    }

    /// The client-features document `token` sees, unless `etag` is current.
    pub async fn features(&self, token: &str, etag: Option<&str>, interval_ms: u64) -> Fetched {
        let mut request = self
            .client
            .get(format!("{}/api/client/features", self.base))
            .header("authorization", token)
            .header("unleash-interval", interval_ms.to_string());
        if let Some(etag) = etag {
            request = request.header(IF_NONE_MATCH, etag);
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(e) => return Fetched::Failed(describe(&e)),
        };
        match response.status() {
            StatusCode::NOT_MODIFIED => Fetched::Unchanged,
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Fetched::Refused,
            status if status.is_success() => {
                let etag = response
                    .headers()
                    .get(ETAG)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                match response.bytes().await {
                    Ok(body) => Fetched::Changed { body, etag },
                    Err(e) => Fetched::Failed(describe(&e)),
                }
            }
            status => Fetched::Failed(format!("answered {status}")),
        }
    }

    /// Whether the upstream now refuses `token` (401/403) on the API of its
    /// kind. Unleash 8 keeps answering `/edge/validate` for a deleted token
    /// after its client API refuses it, so re-validation asks both. Anything
    /// but a refusal (an error included) leaves the token as it was.
    pub async fn refuses(&self, token: &EdgeToken) -> bool {
        let path = match token.kind {
            crate::tokens::TokenKind::Client => "/api/client/features",
            crate::tokens::TokenKind::Frontend => "/api/frontend",
            crate::tokens::TokenKind::Admin => return false,
        };
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .header("authorization", &token.token)
            .send()
            .await;
        response
            .is_ok_and(|r| matches!(r.status(), StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN))
    }

    /// The upstream's change stream for `token` (`/api/client/streaming`,
    /// SSE), open for at most an hour; `Ok(None)` when the upstream has none.
    pub async fn stream(&self, token: &str) -> Result<Option<reqwest::Response>, String> {
        let response = self
            .client
            .get(format!("{}/api/client/streaming", self.base))
            .header("authorization", token)
            .header("accept", "text/event-stream")
            .timeout(Duration::from_secs(3600))
            .send()
            .await
            .map_err(|e| describe(&e))?;
        match response.status() {
            status if status.is_success() => Ok(Some(response)),
            StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => Ok(None),
            status => Err(format!("/api/client/streaming answered {status}")),
        }
    }

    /// Posts a JSON body with `token`; `Ok` on a 2xx, else the reason.
    pub async fn post(&self, path: &str, token: &str, body: Vec<u8>) -> Result<(), String> {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .header("authorization", token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| describe(&e))?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(format!("{path} answered {}", response.status()))
        }
    }
}

/// A request error with its cause (reqwest's own text leaves it out).
fn describe(error: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
