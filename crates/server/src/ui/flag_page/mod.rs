//! A flag's own pages: its environments' strategies (and the strategy form
//! with rollout, stickiness, constraints, segments and strategy variants), its
//! environment variants and its settings. Every change is the operation the
//! admin API runs for the same route, so the rules and the messages are the
//! operations'; a form that is refused comes back with what was entered.

mod form_fields;
mod page_buttons;
mod settings;
mod strategies;
mod strategy_fields;
mod strategy_form;
mod strategy_save;
mod variant_rows;
mod variants;

use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

use super::flag_head::FlagHead;
use super::{internal, message, SignedIn};
use crate::state::AppState;
use flagstaff_domain::ops::{EnvironmentName, FlagName, ProjectId};
use flagstaff_storage::{FlagRow, LinkRow, StorageError};

pub fn routes() -> Router<AppState> {
    let flag = "/projects/{project}/features/{feature}";
    let environment = "/projects/{project}/features/{feature}/environments/{environment}";
    Router::new()
        .route(flag, get(strategies::page))
        .route(&format!("{environment}/switch"), post(strategies::switch))
        .route(
            &format!("{environment}/strategies/new"),
            get(strategy_form::new_form).post(strategy_form::add),
        )
        .route(
            &format!("{environment}/strategies/{{strategy}}/edit"),
            get(strategy_form::edit_form).post(strategy_form::edit),
        )
        .route(
            &format!("{environment}/strategies/{{strategy}}/delete"),
            post(strategies::delete),
        )
        .route(
            &format!("{environment}/strategies/{{strategy}}/move"),
            post(strategies::move_strategy),
        )
        .route(
            &format!("{flag}/variants"),
            get(variants::page).post(variants::save),
        )
        .route(
            &format!("{flag}/settings"),
            get(settings::page).post(settings::save),
        )
}

/// The flag a page is about, with its project's environments (in order).
pub struct Flag {
    pub project: ProjectId,
    pub name: FlagName,
    pub row: FlagRow,
    pub environments: Vec<String>,
    /// Its links (the header shows them).
    pub links: Vec<LinkRow>,
}

impl Flag {
    /// The header its tabs show.
    pub fn head(&self) -> FlagHead {
        FlagHead::new(&self.row, self.links.clone())
    }
}

impl Flag {
    /// `/projects/{p}/features/{f}`.
    pub fn url(&self) -> String {
        format!("/projects/{}/features/{}", self.project, self.name)
    }

    /// The environment named `wanted` if the project has it, else the first.
    pub fn environment(&self, wanted: Option<&str>) -> Option<String> {
        wanted
            .and_then(|w| self.environments.iter().find(|e| *e == w))
            .or(self.environments.first())
            .cloned()
    }
}

fn not_found(signed: &SignedIn) -> Response {
    message(
        StatusCode::NOT_FOUND,
        "No such flag",
        "There is no such live flag in this project.",
        signed.nav(),
    )
}

/// The live flag `feature` of `project`, or the page that says it is not there.
pub async fn load_flag(
    state: &AppState,
    signed: &SignedIn,
    project: &str,
    feature: &str,
) -> Result<Flag, Response> {
    let (Ok(project_id), Ok(name)) = (ProjectId::parse(project), FlagName::parse(feature)) else {
        return Err(not_found(signed));
    };
    let row = match state.store.live_flag(project, feature).await {
        Ok(row) => row,
        Err(StorageError::NotFound(_)) => return Err(not_found(signed)),
        Err(e) => return Err(internal(e)),
    };
    let environments = state
        .store
        .project_environments(project)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|e| e.name)
        .collect();
    let links = state
        .store
        .flag_links(name.as_str())
        .await
        .map_err(internal)?;
    Ok(Flag {
        project: project_id,
        name,
        row,
        environments,
        links,
    })
}

/// The flag and one of its project's environments, from a path.
pub async fn load_place(
    state: &AppState,
    signed: &SignedIn,
    (project, feature, environment): &(String, String, String),
) -> Result<(Flag, EnvironmentName), Response> {
    let flag = load_flag(state, signed, project, feature).await?;
    match EnvironmentName::parse(environment) {
        Ok(name) if flag.environments.iter().any(|e| e == environment) => Ok((flag, name)),
        _ => Err(message(
            StatusCode::NOT_FOUND,
            "No such environment",
            &format!("The project has no environment {environment}."),
            signed.nav(),
        )),
    }
}

/// A state-changing request is refused (403) unless it carries this
/// session's CSRF token and comes from an Admin or an Editor.
pub fn refuse_change(signed: &SignedIn, csrf: Option<&str>) -> Option<Response> {
    if let Some(refused) = signed.csrf_refusal(csrf) {
        return Some(refused);
    }
    (!signed.role.can_edit()).then(|| {
        message(
            StatusCode::FORBIDDEN,
            "Not allowed",
            "Viewers cannot change flags.",
            signed.nav(),
        )
    })
}
