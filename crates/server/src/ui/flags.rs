//! A project's flags with each environment's on/off state, and the button
//! per environment that switches a flag (Admin and Editor only).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use super::{internal, message, op_error, render, Nav, SignedIn};
use crate::ops::{Actor, EnvironmentName, FeatureName, ProjectId, SwitchEnvironment};
use crate::state::AppState;
use crate::storage::FlagPage;

/// Flags on one page.
const PAGE: i64 = 100;

struct Cell {
    environment: String,
    on: bool,
    action: String,
}

struct FlagLine {
    name: String,
    description: Option<String>,
    cells: Vec<Cell>,
}

#[derive(Template)]
#[template(path = "flags.html")]
struct FlagsPage {
    nav: Option<Nav>,
    project: String,
    environments: Vec<String>,
    flags: Vec<FlagLine>,
    can_edit: bool,
    csrf: String,
    page: i64,
    previous: Option<String>,
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<i64>,
}

fn not_found(project: &str, signed: &SignedIn) -> Response {
    message(
        StatusCode::NOT_FOUND,
        "No such project",
        &format!("There is no project {project}."),
        signed.nav(),
    )
}

/// `GET /projects/{project}/features?page=N`.
pub async fn list(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(project): Path<String>,
    Query(query): Query<PageQuery>,
) -> Response {
    if ProjectId::parse(&project).is_err() {
        return not_found(&project, &signed);
    }
    match state.store.project_exists(&project).await {
        Ok(true) => {}
        Ok(false) => return not_found(&project, &signed),
        Err(e) => return internal(e),
    }
    let page = query.page.unwrap_or(0).max(0);
    let environments = match state.store.project_environments(&project).await {
        Ok(environments) => environments,
        Err(e) => return internal(e),
    };
    let slice = FlagPage {
        after: None,
        offset: page.saturating_mul(PAGE),
        limit: Some(PAGE + 1),
    };
    let (mut features, rows, _) = match state.store.project_flag_page(&project, &slice).await {
        Ok(found) => found,
        Err(e) => return internal(e),
    };
    let more = features.len() > usize::try_from(PAGE).unwrap_or(usize::MAX);
    features.truncate(usize::try_from(PAGE).unwrap_or(usize::MAX));
    let flags = features
        .into_iter()
        .map(|feature| FlagLine {
            cells: environments
                .iter()
                .map(|environment| Cell {
                    on: rows.iter().any(|r| {
                        r.feature_name == feature.name
                            && r.environment == environment.name
                            && r.enabled
                    }),
                    action: format!(
                        "/projects/{project}/features/{}/environments/{}/toggle",
                        feature.name, environment.name
                    ),
                    environment: environment.name.clone(),
                })
                .collect(),
            name: feature.name,
            description: feature.description.filter(|d| !d.is_empty()),
        })
        .collect();
    let link = |page: i64| format!("/projects/{project}/features?page={page}");
    render(
        StatusCode::OK,
        &FlagsPage {
            nav: signed.nav(),
            environments: environments.into_iter().map(|e| e.name).collect(),
            flags,
            can_edit: signed.role.can_edit(),
            csrf: signed.csrf.clone(),
            previous: (page > 0).then(|| link(page - 1)),
            next: more.then(|| link(page + 1)),
            page,
            project,
        },
    )
}

#[derive(Deserialize)]
pub struct ToggleForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    /// `true` (switch on) or `false` (off).
    enabled: Option<String>,
}

/// `POST /projects/{p}/features/{f}/environments/{env}/toggle`: switches the
/// flag through `SwitchEnvironment` in the user's name.
pub async fn toggle(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((project, feature, environment)): Path<(String, String, String)>,
    Form(form): Form<ToggleForm>,
) -> Response {
    if let Some(refused) = signed.csrf_refusal(form.csrf.as_deref()) {
        return refused;
    }
    if !signed.role.can_edit() {
        return message(
            StatusCode::FORBIDDEN,
            "Not allowed",
            "Viewers cannot switch flags.",
            signed.nav(),
        );
    }
    let enabled = match form.enabled.as_deref() {
        Some("true") => true,
        Some("false") => false,
        _ => {
            return message(
                StatusCode::BAD_REQUEST,
                "Not done",
                "The form did not say whether to switch on or off.",
                signed.nav(),
            )
        }
    };
    let (Ok(project_id), Ok(name), Ok(environment)) = (
        ProjectId::parse(&project),
        FeatureName::parse(&feature),
        EnvironmentName::parse(&environment),
    ) else {
        return message(
            StatusCode::NOT_FOUND,
            "Not found",
            "There is no such flag or environment.",
            signed.nav(),
        );
    };
    let operation = SwitchEnvironment {
        project: project_id,
        name,
        environment,
        enabled,
    };
    match state
        .apply(&Actor::named(&signed.user.username), operation)
        .await
    {
        Ok(()) => Redirect::to(&format!("/projects/{project}/features")).into_response(),
        Err(e) => op_error(e, signed.nav()),
    }
}
