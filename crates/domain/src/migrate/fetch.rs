//! Reading a running Unleash (8.x; 6 and 7 where the routes exist) through
//! its admin API with an admin token: the instance-wide lists, then one
//! export (`POST /api/admin/features-batch/export`, the format Flagstaff's
//! import reads) per project and environment enabled for it, the archived
//! flags (`/api/admin/search/features?archived=IS:true`, else the older
//! `/api/admin/archive/features`), the tokens' names and scopes and the users.

use std::collections::{BTreeSet, HashMap};

use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use super::{
    Progress, SourceEnvironment, SourceExport, SourceProject, SourceSegment, SourceStrategy,
    SourceToken, UnleashState,
};
use crate::ops::{OpError, OpResult};
use crate::wire::transfer::{ExportDocument, ExportedContextField, ExportedFlag, ExportedTagType};

/// How many archived flags one search page asks for.
const PAGE: usize = 1000;

struct Unleash {
    client: reqwest::Client,
    base: String,
    token: String,
}

fn failed(message: String) -> OpError {
    OpError::InvalidOperation(message)
}

impl Unleash {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> OpResult<Value> {
        let url = format!("{}{path}", self.base);
        let mut request = self
            .client
            .request(method, &url)
            .header("Authorization", &self.token)
            .header("Accept", "application/json");
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .map_err(|e| failed(format!("cannot reach {url}: {e}")))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| failed(format!("{url}: {e}")))?;
        if !status.is_success() {
            return Err(failed(format!("{url}: Unleash answered {status}: {text}")));
        }
        serde_json::from_str(&text).map_err(|e| failed(format!("{url}: not JSON: {e}")))
    }

    async fn get(&self, path: &str) -> OpResult<Value> {
        self.call(reqwest::Method::GET, path, None).await
    }

    async fn list<T: DeserializeOwned>(&self, path: &str, key: Option<&str>) -> OpResult<Vec<T>> {
        let value = self.get(path).await?;
        let list = match key {
            Some(key) => value.get(key).cloned().unwrap_or(Value::Array(Vec::new())),
            None => value,
        };
        serde_json::from_value(list).map_err(|e| failed(format!("{path}: unexpected shape: {e}")))
    }

    /// The environments enabled for a project.
    async fn project_environments(&self, project: &str, all: &[SourceEnvironment]) -> Vec<String> {
        if let Ok(overview) = self
            .get(&format!("/api/admin/projects/{project}/overview"))
            .await
        {
            if let Some(list) = overview["environments"].as_array() {
                return list
                    .iter()
                    .filter_map(|e| e["environment"].as_str().or(e.as_str()).map(str::to_owned))
                    .collect();
            }
        }
        if let Ok(listed) = self
            .get(&format!("/api/admin/environments/project/{project}"))
            .await
        {
            if let Some(list) = listed["environments"].as_array() {
                return list
                    .iter()
                    .filter(|e| e["projectEnabled"].as_bool() != Some(false))
                    .filter_map(|e| e["name"].as_str().map(str::to_owned))
                    .collect();
            }
        }
        all.iter().map(|e| e.name.clone()).collect()
    }

    /// The export leaves strategies' sort orders out, and Unleash evaluates
    /// by them: they are read from each flag that has more than one
    /// strategy in an environment (one request per such flag).
    async fn sort_orders(&self, project: &str, exports: &mut [SourceExport]) -> OpResult<()> {
        let mut counts: HashMap<(&str, &str), usize> = HashMap::new();
        for e in exports.iter().filter(|e| e.project == project) {
            for s in &e.document.feature_strategies {
                *counts
                    .entry((
                        e.environment.as_str(),
                        s.feature_name.as_deref().unwrap_or(""),
                    ))
                    .or_default() += 1;
            }
        }
        let flags: BTreeSet<String> = counts
            .into_iter()
            .filter(|(_, n)| *n > 1)
            .map(|((_, flag), _)| flag.to_owned())
            .collect();
        let mut orders: HashMap<String, i64> = HashMap::new();
        for flag in flags {
            let shown = self
                .get(&format!("/api/admin/projects/{project}/features/{flag}"))
                .await?;
            for environment in shown["environments"].as_array().into_iter().flatten() {
                for s in environment["strategies"].as_array().into_iter().flatten() {
                    if let (Some(id), Some(order)) = (s["id"].as_str(), s["sortOrder"].as_i64()) {
                        orders.insert(id.to_owned(), order);
                    }
                }
            }
        }
        for e in exports.iter_mut().filter(|e| e.project == project) {
            for s in &mut e.document.feature_strategies {
                if let Some(order) = s.id.as_ref().and_then(|id| orders.get(id)) {
                    s.sort_order = Some(*order);
                }
            }
        }
        Ok(())
    }

    async fn archived(&self) -> OpResult<Vec<ExportedFlag>> {
        let mut flags: Vec<ExportedFlag> = Vec::new();
        loop {
            let path = format!(
                "/api/admin/search/features?archived=IS:true&limit={PAGE}&offset={}",
                flags.len()
            );
            let Ok(page) = self.list::<ExportedFlag>(&path, Some("features")).await else {
                return self
                    .list("/api/admin/archive/features", Some("features"))
                    .await;
            };
            let more = page.len() == PAGE;
            flags.extend(page);
            if !more {
                break;
            }
        }
        Ok(flags)
    }
}

/// Reads the Unleash at `url` with the admin token `token`; `progress` is
/// told of each export read.
pub async fn fetch(
    url: &str,
    token: &str,
    with_tokens: bool,
    with_users: bool,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> OpResult<UnleashState> {
    let unleash = Unleash {
        client: reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(300))
            .build()
            .map_err(|e| failed(e.to_string()))?,
        base: url.trim_end_matches('/').to_owned(),
        token: token.to_owned(),
    };
    let environments: Vec<SourceEnvironment> = unleash
        .list("/api/admin/environments", Some("environments"))
        .await?;
    let mut projects: Vec<SourceProject> = unleash
        .list("/api/admin/projects", Some("projects"))
        .await?;
    for p in &mut projects {
        p.environments = unleash.project_environments(&p.id, &environments).await;
    }
    let context_fields: Vec<ExportedContextField> = unleash
        .list("/api/admin/context?include=project", None)
        .await?;
    let tag_types: Vec<ExportedTagType> = unleash
        .list("/api/admin/tag-types", Some("tagTypes"))
        .await?;
    let strategies: Vec<Value> = unleash
        .list("/api/admin/strategies", Some("strategies"))
        .await?;
    let strategies = strategies
        .into_iter()
        .filter(|s| s["editable"].as_bool() == Some(true))
        .map(serde_json::from_value::<SourceStrategy>)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| failed(format!("/api/admin/strategies: unexpected shape: {e}")))?;
    let segments: Vec<SourceSegment> = unleash
        .list("/api/admin/segments", Some("segments"))
        .await?;
    let total: usize = projects.iter().map(|p| p.environments.len()).sum();
    let mut exports = Vec::new();
    for p in &projects {
        for environment in &p.environments {
            progress(Progress {
                done: exports.len(),
                total,
                step: format!("reading project {}, environment {environment}", p.id),
            });
            let body = json!({"environment": environment, "project": p.id, "downloadFile": false});
            let value = unleash
                .call(
                    reqwest::Method::POST,
                    "/api/admin/features-batch/export",
                    Some(body),
                )
                .await?;
            let document: ExportDocument = serde_json::from_value(value)
                .map_err(|e| failed(format!("the export of {}/{environment}: {e}", p.id)))?;
            exports.push(SourceExport {
                project: p.id.clone(),
                environment: environment.clone(),
                document,
            });
        }
        unleash.sort_orders(&p.id, &mut exports).await?;
    }
    let archived = unleash.archived().await?;
    let tokens = if with_tokens {
        unleash
            .list("/api/admin/api-tokens", Some("tokens"))
            .await?
    } else {
        Vec::<SourceToken>::new()
    };
    let users = if with_users {
        super::users::from_user_admin(&unleash.get("/api/admin/user-admin").await?)
    } else {
        Vec::new()
    };
    Ok(UnleashState {
        environments,
        projects,
        context_fields,
        tag_types,
        strategies,
        segments,
        exports,
        archived,
        tokens,
        users,
    })
}
