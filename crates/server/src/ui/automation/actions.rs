//! Action sets: the list (every project's, with each set's last runs and
//! their outcome), the form (new, edit), switch and delete (confirmed).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;

use super::action_form::{action_label, ActionSetForm, PARAMETERS};
use super::runs::{step_text, RunLine};
use super::{refuse_change, refuse_viewer, value};
use crate::state::AppState;
use crate::ui::feedback::{done, unconfirmed, Ask};
use crate::ui::{internal, message, op_error, render, Nav, SignedIn};
use flagstaff_domain::ops::{
    Actor, CreateActionSet, DeleteActionSet, OpError, ProjectId, SwitchActionSet, UpdateActionSet,
    ACTIONS,
};
use flagstaff_storage::ActionSetRow;

/// Runs the list shows per action set, and the edit page.
const RUNS_LISTED: i64 = 5;
const RUNS_ON_PAGE: i64 = 25;

struct SetLine {
    id: i64,
    project: String,
    name: String,
    enabled: bool,
    source: String,
    conditions: usize,
    steps: Vec<String>,
    runs: Vec<RunLine>,
}

#[derive(Template)]
#[template(path = "admin/actions.html")]
struct ListPage {
    nav: Option<Nav>,
    csrf: String,
    can_edit: bool,
    sets: Vec<SetLine>,
    has_endpoints: bool,
}

/// The signal endpoints by id and name.
async fn endpoints(state: &AppState) -> Result<Vec<(i64, String)>, Response> {
    let rows = state.store.signal_endpoints().await.map_err(internal)?;
    Ok(rows.into_iter().map(|e| (e.id, e.name)).collect())
}

/// `GET /actions`.
pub async fn list(State(state): State<AppState>, signed: SignedIn) -> Response {
    let (projects, endpoints) = match tokio::try_join!(
        async { state.store.projects().await.map_err(internal) },
        endpoints(&state)
    ) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let mut sets = Vec::new();
    for (project, _, _) in projects {
        let rows = match state.store.action_sets(&project).await {
            Ok(rows) => rows,
            Err(e) => return internal(e),
        };
        for set in rows {
            let runs = match state.store.action_runs(set.id, RUNS_LISTED, 0).await {
                Ok(runs) => runs,
                Err(e) => return internal(e),
            };
            sets.push(SetLine {
                source: endpoints
                    .iter()
                    .find(|(id, _)| *id == set.source_id)
                    .map_or_else(|| format!("endpoint {}", set.source_id), |(_, n)| n.clone()),
                conditions: set.filters.len(),
                steps: set
                    .actions
                    .iter()
                    .map(|a| step_text(&a.action, &serde_json::json!(a.execution_params)))
                    .collect(),
                runs: runs.iter().map(RunLine::from).collect(),
                id: set.id,
                project: set.project,
                name: set.name,
                enabled: set.enabled,
            });
        }
    }
    render(
        StatusCode::OK,
        &ListPage {
            nav: signed.nav(),
            csrf: signed.csrf.clone(),
            can_edit: signed.role.can_edit(),
            sets,
            has_endpoints: !endpoints.is_empty(),
        },
    )
}

#[derive(Template)]
#[template(path = "admin/action_set.html")]
struct FormPage {
    nav: Option<Nav>,
    csrf: String,
    can_edit: bool,
    /// The stored set's id; `None` for a new one.
    id: Option<i64>,
    form: ActionSetForm,
    projects: Vec<String>,
    endpoints: Vec<(i64, String)>,
    environments: Vec<String>,
    flags: Vec<String>,
    actions: Vec<(&'static str, String)>,
    parameters: &'static [(&'static str, &'static str)],
    runs: Vec<RunLine>,
}

impl FormPage {
    fn action(&self) -> String {
        match self.id {
            Some(id) => format!("/actions/{}/{id}", self.form.project),
            None => "/actions".to_owned(),
        }
    }

    /// Which actions take parameter `name`, for its hint.
    fn used_by(&self, name: &str) -> String {
        ACTIONS
            .iter()
            .filter(|(_, params)| params.contains(&name))
            .map(|(action, _)| action_label(action))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

async fn form_page(
    state: &AppState,
    signed: &SignedIn,
    id: Option<i64>,
    form: ActionSetForm,
) -> Result<FormPage, Response> {
    let projects = state.store.projects().await.map_err(internal)?;
    let environments = state.store.environments().await.map_err(internal)?;
    let flags = state
        .store
        .flag_names((!form.project.is_empty()).then_some(form.project.as_str()))
        .await
        .map_err(internal)?;
    let runs = match id {
        Some(id) => state
            .store
            .action_runs(id, RUNS_ON_PAGE, 0)
            .await
            .map_err(internal)?
            .iter()
            .map(RunLine::from)
            .collect(),
        None => Vec::new(),
    };
    Ok(FormPage {
        nav: signed.nav(),
        csrf: signed.csrf.clone(),
        can_edit: signed.role.can_edit(),
        id,
        form,
        projects: projects.into_iter().map(|(id, _, _)| id).collect(),
        endpoints: endpoints(state).await?,
        environments: environments.into_iter().map(|e| e.name).collect(),
        flags,
        actions: ACTIONS
            .iter()
            .map(|(name, _)| (*name, action_label(name).to_owned()))
            .collect(),
        parameters: PARAMETERS,
        runs,
    })
}

#[derive(Deserialize)]
pub struct NewQuery {
    project: Option<String>,
}

/// `GET /actions/new?project=default`.
pub async fn new_form(
    State(state): State<AppState>,
    signed: SignedIn,
    Query(query): Query<NewQuery>,
) -> Response {
    if let Some(refused) = refuse_viewer(&signed) {
        return refused;
    }
    let project = query.project.unwrap_or_else(|| "default".to_owned());
    match form_page(&state, &signed, None, ActionSetForm::blank(&project)).await {
        Ok(page) => render(StatusCode::OK, &page),
        Err(response) => response,
    }
}

/// The stored set, or the page that says there is none.
async fn stored(
    state: &AppState,
    signed: &SignedIn,
    project: &str,
    id: i64,
) -> Result<ActionSetRow, Response> {
    match state.store.action_set(project, id).await {
        Ok(Some(set)) => Ok(set),
        Ok(None) => Err(message(
            StatusCode::NOT_FOUND,
            "Not found",
            &format!("Project {project} has no action set {id}."),
            signed.nav(),
        )),
        Err(e) => Err(internal(e)),
    }
}

/// `GET /actions/{project}/{id}`: the form and the runs.
pub async fn edit_form(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((project, id)): Path<(String, i64)>,
) -> Response {
    let set = match stored(&state, &signed, &project, id).await {
        Ok(set) => set,
        Err(response) => return response,
    };
    match form_page(&state, &signed, Some(id), ActionSetForm::stored(&set)).await {
        Ok(page) => render(StatusCode::OK, &page),
        Err(response) => response,
    }
}

/// Saves the posted form (new when `id` is `None`), or answers it again:
/// with one more row, or with the refusal by its field.
async fn save(
    state: &AppState,
    signed: &SignedIn,
    id: Option<i64>,
    mut form: ActionSetForm,
    more: bool,
) -> Response {
    let input = if more { None } else { form.input() };
    let Some(set) = input else {
        let status = if more {
            StatusCode::OK
        } else {
            StatusCode::BAD_REQUEST
        };
        return match form_page(state, signed, id, form).await {
            Ok(page) => render(status, &page),
            Err(response) => response,
        };
    };
    let project = match ProjectId::parse(&form.project) {
        Ok(project) => project,
        Err(e) => return op_error(e, signed.nav()),
    };
    let actor = Actor::named(&signed.user.username);
    let saved = match id {
        None => state.apply(&actor, CreateActionSet { project, set }).await,
        Some(id) => {
            state
                .apply(&actor, UpdateActionSet { project, id, set })
                .await
        }
    };
    match saved {
        Ok(set) => done(
            &format!("/actions/{}/{}", set.project, set.id),
            &format!("Saved the action set “{}”.", set.name),
        ),
        Err(error) => {
            let status = crate::error::op_status(&error);
            match error {
                OpError::Invalid { field, message } => form.attach_error(&field, message),
                OpError::Conflict(message) | OpError::InvalidOperation(message) => {
                    form.error = Some(message)
                }
                other => return op_error(other, signed.nav()),
            }
            match form_page(state, signed, id, form).await {
                Ok(page) => render(status, &page),
                Err(response) => response,
            }
        }
    }
}

/// `POST /actions`: `CreateActionSet` (or the form with another row).
pub async fn create(
    State(state): State<AppState>,
    signed: SignedIn,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Some(refused) = refuse_change(&signed, &pairs) {
        return refused;
    }
    let (form, more) = ActionSetForm::posted(&pairs);
    save(&state, &signed, None, form, more).await
}

/// `POST /actions/{project}/{id}`: `UpdateActionSet`.
pub async fn update(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((project, id)): Path<(String, i64)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Some(refused) = refuse_change(&signed, &pairs) {
        return refused;
    }
    let (mut form, more) = ActionSetForm::posted(&pairs);
    form.project = project;
    save(&state, &signed, Some(id), form, more).await
}

/// `POST /actions/{project}/{id}/switch` (`enabled=true|false`).
pub async fn switch(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((project, id)): Path<(String, i64)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Some(refused) = refuse_change(&signed, &pairs) {
        return refused;
    }
    let project = match ProjectId::parse(&project) {
        Ok(project) => project,
        Err(e) => return op_error(e, signed.nav()),
    };
    let enabled = value(&pairs, "enabled") == "true";
    let actor = Actor::named(&signed.user.username);
    let operation = SwitchActionSet {
        project,
        id,
        enabled,
    };
    match state.apply(&actor, operation).await {
        Ok(set) => done(
            "/actions",
            &format!(
                "{} the action set “{}”.",
                if enabled { "Enabled" } else { "Disabled" },
                set.name
            ),
        ),
        Err(e) => op_error(e, signed.nav()),
    }
}

/// `POST /actions/{project}/{id}/delete`: `DeleteActionSet` (its runs go with it).
pub async fn delete(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((project, id)): Path<(String, i64)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Some(refused) = refuse_change(&signed, &pairs) {
        return refused;
    }
    let project = match ProjectId::parse(&project) {
        Ok(project) => project,
        Err(e) => return op_error(e, signed.nav()),
    };
    let name = match state.store.action_set(&project, id).await {
        Ok(set) => set.map_or_else(|| id.to_string(), |s| s.name),
        Err(e) => return internal(e),
    };
    let question = format!("Delete the action set “{name}”?");
    let ask = Ask {
        question: &question,
        detail: "The log of its runs goes with it; signals no longer set it off.",
        button: "Delete action set",
        cancel: "/actions",
    };
    let action = format!("/actions/{project}/{id}/delete");
    if let Some(page) = unconfirmed(&pairs, &action, &ask, signed.nav()) {
        return page;
    }
    let actor = Actor::named(&signed.user.username);
    match state.apply(&actor, DeleteActionSet { project, id }).await {
        Ok(()) => done("/actions", &format!("Deleted the action set “{name}”.")),
        Err(e) => op_error(e, signed.nav()),
    }
}
