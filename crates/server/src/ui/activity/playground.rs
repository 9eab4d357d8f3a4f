//! The playground: a GET form with a context (environment, the standard
//! fields, free `name=value` properties) and every flag's result for it with
//! the deciding reason, each strategy's rule and each constraint's outcome.
//! The evaluation is `Snapshot::playground`, what `POST /api/admin/playground`
//! runs, and the context is read by the same `context_from_pairs`; 100 flags a
//! page, and only the page's flags are explained.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use flagstaff_engine::{ConstraintExplanation, Explanation, StrategyExplanation};
use serde::Deserialize;
use serde_json::Value;

use crate::api::frontend::context_from_pairs;
use crate::snapshot::ClientFlag;
use crate::state::AppState;
use crate::ui::{internal, render, Nav, SignedIn};

/// Results on one page.
const PAGE: usize = 100;

/// The form, as its GET sends it.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct PlaygroundQuery {
    #[serde(default)]
    environment: String,
    /// One project, or empty for all.
    #[serde(default)]
    project: String,
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    session_id: String,
    #[serde(default)]
    remote_address: String,
    #[serde(default)]
    app_name: String,
    #[serde(default)]
    current_time: String,
    /// `name=value`, one a line.
    #[serde(default)]
    properties: String,
    page: Option<usize>,
}

impl PlaygroundQuery {
    /// The standard fields that were filled in, by their context names.
    fn fields(&self) -> Vec<(&'static str, &str)> {
        [
            ("userId", &self.user_id),
            ("sessionId", &self.session_id),
            ("remoteAddress", &self.remote_address),
            ("appName", &self.app_name),
            ("currentTime", &self.current_time),
        ]
        .into_iter()
        .map(|(name, value)| (name, value.trim()))
        .filter(|(_, value)| !value.is_empty())
        .collect()
    }

    /// The property lines as `(name, value)`, or which line is not `name=value`.
    fn property_pairs(&self) -> Result<Vec<(String, String)>, String> {
        self.properties
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(i, line)| match line.split_once('=') {
                Some((name, value)) if !name.trim().is_empty() => {
                    Ok((name.trim().to_owned(), value.trim().to_owned()))
                }
                _ => Err(format!("Line {}: write each property as name=value", i + 1)),
            })
            .collect()
    }

    /// This form's query string on page `page`.
    fn query(&self, page: usize) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in [
            ("environment", &self.environment),
            ("project", &self.project),
            ("userId", &self.user_id),
            ("sessionId", &self.session_id),
            ("remoteAddress", &self.remote_address),
            ("appName", &self.app_name),
            ("currentTime", &self.current_time),
            ("properties", &self.properties),
        ] {
            if !value.is_empty() {
                query.append_pair(key, value);
            }
        }
        query.append_pair("page", &page.to_string());
        format!("?{}", query.finish())
    }
}

struct ConstraintLine {
    /// `userId IN [a, b]`, with `not` and `(any case)` where they apply.
    rule: String,
    /// What the context had for the field.
    seen: String,
    result: bool,
    segment: Option<String>,
    never: Option<String>,
}

struct StrategyLine {
    index: usize,
    name: String,
    result: bool,
    /// It is the strategy that switched the flag on.
    decided: bool,
    rule: String,
    missing_segment: Option<i64>,
    constraints: Vec<ConstraintLine>,
}

struct FlagResult {
    name: String,
    project: String,
    enabled: bool,
    switched_on: bool,
    reason: String,
    variant: Option<String>,
    dependencies: Vec<String>,
    strategies: Vec<StrategyLine>,
}

#[derive(Template)]
#[template(path = "playground.html")]
struct PlaygroundPage {
    nav: Option<Nav>,
    form: PlaygroundQuery,
    environments: Vec<String>,
    projects: Vec<String>,
    environment_error: Option<String>,
    properties_error: Option<String>,
    context_error: Option<String>,
    /// Whether the form was sent (results are shown).
    ran: bool,
    results: Vec<FlagResult>,
    total: usize,
    page: usize,
    pages: usize,
    previous: Option<String>,
    next: Option<String>,
}

fn constraint_line(
    c: &ConstraintExplanation,
    segments: &[(i64, Option<String>)],
) -> ConstraintLine {
    let values = match &c.value {
        Some(value) => value.clone(),
        None => format!("[{}]", c.values.join(", ")),
    };
    let mut rule = format!(
        "{}{} {} {values}",
        c.context_name,
        if c.inverted { " not" } else { "" },
        c.operator
    );
    if c.case_insensitive {
        rule.push_str(" (any case)");
    }
    ConstraintLine {
        rule,
        seen: match &c.seen {
            Some(value) => format!("{value:?}"),
            None => "nothing (the context has no such field)".to_owned(),
        },
        result: c.result,
        segment: c.segment.map(|id| {
            segments
                .iter()
                .find(|(sid, _)| *sid == id)
                .and_then(|(_, name)| name.clone())
                .unwrap_or_else(|| format!("segment {id}"))
        }),
        never: c.never.clone(),
    }
}

fn strategy_line(
    s: &StrategyExplanation,
    decided: bool,
    segments: &[(i64, Option<String>)],
) -> StrategyLine {
    StrategyLine {
        index: s.index,
        name: s.name.clone(),
        result: s.result,
        decided,
        rule: s.rule.clone(),
        missing_segment: s.missing_segment,
        constraints: s
            .constraints
            .iter()
            .map(|c| constraint_line(c, segments))
            .collect(),
    }
}

fn flag_result(
    flag: &ClientFlag,
    e: &Explanation,
    segments: &[(i64, Option<String>)],
) -> FlagResult {
    let decided = e
        .enabled
        .then(|| e.strategies.iter().position(|s| s.result))
        .flatten();
    FlagResult {
        name: flag.feature.name.clone(),
        project: flag.project.clone(),
        enabled: e.enabled,
        switched_on: e.switched_on,
        reason: e.reason.clone(),
        variant: (e.variant.enabled).then(|| e.variant.name.clone()),
        dependencies: e
            .dependencies
            .iter()
            .map(|d| {
                let wants = if d.expect_enabled { "on" } else { "off" };
                let variants = if d.variants.is_empty() {
                    String::new()
                } else {
                    format!(" with variant {}", d.variants.join(" or "))
                };
                let holds = if d.satisfied {
                    "satisfied"
                } else {
                    "not satisfied"
                };
                format!("needs {} {wants}{variants}: {holds}", d.feature)
            })
            .collect(),
        strategies: e
            .strategies
            .iter()
            .enumerate()
            .map(|(i, s)| strategy_line(s, decided == Some(i), segments))
            .collect(),
    }
}

/// `GET /playground?environment=&project=&userId=&…&properties=&page=`.
pub async fn page(
    State(state): State<AppState>,
    signed: SignedIn,
    Query(form): Query<PlaygroundQuery>,
) -> Response {
    let found = async {
        Ok::<_, crate::storage::StorageError>((
            state.store.environments().await?,
            state.store.projects().await?,
        ))
    };
    let (environments, projects) = match found.await {
        Ok(found) => found,
        Err(e) => return internal(e),
    };
    let mut view = PlaygroundPage {
        nav: signed.nav(),
        environments: environments.into_iter().map(|e| e.name).collect(),
        projects: projects.into_iter().map(|(id, _, _)| id).collect(),
        environment_error: None,
        properties_error: None,
        context_error: None,
        ran: !form.environment.is_empty(),
        results: Vec::new(),
        total: 0,
        page: form.page.unwrap_or(0),
        pages: 0,
        previous: None,
        next: None,
        form,
    };
    if !view.ran {
        return render(StatusCode::OK, &view);
    }
    if !view.environments.contains(&view.form.environment) {
        view.environment_error = Some(format!(
            "There is no environment {:?}.",
            view.form.environment
        ));
    }
    let properties = view.form.property_pairs().unwrap_or_else(|e| {
        view.properties_error = Some(e);
        Vec::new()
    });
    let mut pairs: Vec<(String, Value)> = view
        .form
        .fields()
        .into_iter()
        .map(|(name, value)| (name.to_owned(), Value::String(value.to_owned())))
        .collect();
    // A line naming a standard field (`environment=production`) sets that
    // field, as an SDK's context would; any other name is a property.
    pairs.extend(
        properties
            .into_iter()
            .map(|(name, value)| (name, Value::String(value))),
    );
    let context = match context_from_pairs(pairs) {
        Ok(context) => Some(context.with_current_time(state.clock.now())),
        Err(e) => {
            view.context_error = Some(e.to_string());
            None
        }
    };
    let Some(context) =
        context.filter(|_| view.environment_error.is_none() && view.properties_error.is_none())
    else {
        view.ran = false;
        return render(StatusCode::BAD_REQUEST, &view);
    };
    let snapshot = state.snapshots.load();
    let only: Option<Vec<String>> =
        Some(vec![view.form.project.clone()]).filter(|p| !p[0].is_empty());
    let environment = view.form.environment.clone();
    view.total = snapshot
        .playground_flags(&environment, only.as_deref())
        .count();
    view.pages = view.total.div_ceil(PAGE);
    view.page = view.page.min(view.pages.saturating_sub(1));
    let segments: Vec<(i64, Option<String>)> = snapshot
        .segments
        .iter()
        .map(|s| (s.id, s.name.clone()))
        .collect();
    view.results = snapshot
        .playground(&environment, only.as_deref(), &context, view.page * PAGE)
        .take(PAGE)
        .map(|(flag, explanation)| flag_result(flag, &explanation, &segments))
        .collect();
    view.previous = (view.page > 0).then(|| view.form.query(view.page - 1));
    view.next = (view.page + 1 < view.pages).then(|| view.form.query(view.page + 1));
    render(StatusCode::OK, &view)
}
