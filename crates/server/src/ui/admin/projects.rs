//! Projects: the list with flag counts and a create form; a project's page
//! with its name and description, its environments (enable or disable each
//! for the project, as the admin API's project environment routes do) and
//! delete (refused while it has flags).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;

use super::{field, non_empty, not_found, page_of, refuse_change, PageQuery, Pager};
use crate::state::AppState;
use crate::ui::feedback::{done, unconfirmed, Ask};
use crate::ui::{internal, op_error, render, Nav, SignedIn};
use flagstaff_domain::ops::{
    Actor, AddEnvironmentToProject, CreateProject, DeleteProject, EnvironmentName, OpError,
    ProjectId, RemoveEnvironmentFromProject, UpdateProject,
};

struct ProjectLine {
    id: String,
    name: String,
    description: String,
    flags: i64,
}

#[derive(Template)]
#[template(path = "admin/projects.html")]
struct ProjectsPage {
    nav: Option<Nav>,
    csrf: String,
    can_edit: bool,
    projects: Vec<ProjectLine>,
    pager: Pager,
    id: String,
    name: String,
    description: String,
    id_error: Option<String>,
    name_error: Option<String>,
}

async fn list_page(
    state: &AppState,
    signed: &SignedIn,
    query: &PageQuery,
) -> Result<ProjectsPage, Response> {
    let (projects, counts) =
        tokio::try_join!(state.store.projects(), state.store.live_flag_counts())
            .map_err(internal)?;
    let (projects, pager) = page_of(projects, query, "/projects");
    Ok(ProjectsPage {
        nav: signed.nav(),
        csrf: signed.csrf.clone(),
        can_edit: signed.role.can_edit(),
        projects: projects
            .into_iter()
            .map(|(id, name, description)| ProjectLine {
                flags: counts.get(&id).copied().unwrap_or(0),
                id,
                name,
                description: description.unwrap_or_default(),
            })
            .collect(),
        pager,
        id: String::new(),
        name: String::new(),
        description: String::new(),
        id_error: None,
        name_error: None,
    })
}

/// `GET /projects?page=N`.
pub async fn list(
    State(state): State<AppState>,
    signed: SignedIn,
    Query(query): Query<PageQuery>,
) -> Response {
    match list_page(&state, &signed, &query).await {
        Ok(page) => render(StatusCode::OK, &page),
        Err(response) => response,
    }
}

/// `POST /projects`: `CreateProject`.
pub async fn create(
    State(state): State<AppState>,
    signed: SignedIn,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Some(refused) = refuse_change(&signed, field(&pairs, "_csrf")) {
        return refused;
    }
    let mut again = match list_page(&state, &signed, &PageQuery { page: None }).await {
        Ok(page) => page,
        Err(response) => return response,
    };
    again.id = field(&pairs, "id").unwrap_or_default().trim().to_owned();
    again.name = field(&pairs, "name").unwrap_or_default().to_owned();
    again.description = field(&pairs, "description").unwrap_or_default().to_owned();
    let id = match ProjectId::parse(&again.id) {
        Ok(id) => id,
        Err(e) => {
            again.id_error = Some(e.to_string());
            return render(StatusCode::BAD_REQUEST, &again);
        }
    };
    let operation = CreateProject {
        id,
        name: non_empty(&again.name),
        description: non_empty(&again.description),
    };
    match state
        .apply(&Actor::named(&signed.user.username), operation)
        .await
    {
        Ok(project) => done(
            &format!("/projects/{}", project.id),
            &format!("Created the project “{}”.", project.id),
        ),
        Err(OpError::Conflict(why)) => {
            again.id_error = Some(why);
            render(StatusCode::CONFLICT, &again)
        }
        Err(OpError::Invalid { field, message }) => {
            if field.first_field() == Some("id") {
                again.id_error = Some(message);
            } else {
                again.name_error = Some(message);
            }
            render(StatusCode::BAD_REQUEST, &again)
        }
        Err(e) => op_error(e, signed.nav()),
    }
}

struct EnvironmentLine {
    name: String,
    kind: String,
    enabled: bool,
}

#[derive(Template)]
#[template(path = "admin/project.html")]
struct ProjectPage {
    nav: Option<Nav>,
    csrf: String,
    can_edit: bool,
    id: String,
    name: String,
    description: String,
    flags: i64,
    environments: Vec<EnvironmentLine>,
    name_error: Option<String>,
}

async fn project_page(
    state: &AppState,
    signed: &SignedIn,
    project: &str,
) -> Result<ProjectPage, Response> {
    let Some((id, name, description)) = state
        .store
        .projects()
        .await
        .map_err(internal)?
        .into_iter()
        .find(|(id, _, _)| id == project)
    else {
        return Err(not_found(
            signed,
            &format!("There is no project {project}."),
        ));
    };
    let (all, enabled, counts) = tokio::try_join!(
        state.store.environments(),
        state.store.project_environments(&id),
        state.store.live_flag_counts()
    )
    .map_err(internal)?;
    Ok(ProjectPage {
        nav: signed.nav(),
        csrf: signed.csrf.clone(),
        can_edit: signed.role.can_edit(),
        flags: counts.get(&id).copied().unwrap_or(0),
        environments: all
            .into_iter()
            .map(|e| EnvironmentLine {
                enabled: enabled.iter().any(|on| on.name == e.name),
                name: e.name,
                kind: e.kind,
            })
            .collect(),
        id,
        name,
        description: description.unwrap_or_default(),
        name_error: None,
    })
}

/// `GET /projects/{project}`.
pub async fn edit_form(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(project): Path<String>,
) -> Response {
    match project_page(&state, &signed, &project).await {
        Ok(page) => render(StatusCode::OK, &page),
        Err(response) => response,
    }
}

/// `POST /projects/{project}`: `UpdateProject`.
pub async fn update(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(project): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Some(refused) = refuse_change(&signed, field(&pairs, "_csrf")) {
        return refused;
    }
    let mut again = match project_page(&state, &signed, &project).await {
        Ok(page) => page,
        Err(response) => return response,
    };
    again.name = field(&pairs, "name").unwrap_or_default().to_owned();
    again.description = field(&pairs, "description").unwrap_or_default().to_owned();
    let Ok(id) = ProjectId::in_path(&project) else {
        return not_found(&signed, &format!("There is no project {project}."));
    };
    let operation = UpdateProject {
        id,
        name: again.name.clone(),
        description: non_empty(&again.description),
    };
    match state
        .apply(&Actor::named(&signed.user.username), operation)
        .await
    {
        Ok(_) => done(
            &format!("/projects/{project}"),
            &format!("Saved the project “{project}”."),
        ),
        Err(OpError::Invalid { message, .. }) => {
            again.name_error = Some(message);
            render(StatusCode::BAD_REQUEST, &again)
        }
        Err(e) => op_error(e, signed.nav()),
    }
}

/// `POST /projects/{project}/delete`: `DeleteProject` (refused, saying why,
/// while the project has flags or tokens).
pub async fn delete(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(project): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Some(refused) = refuse_change(&signed, field(&pairs, "_csrf")) {
        return refused;
    }
    let Ok(id) = ProjectId::in_path(&project) else {
        return not_found(&signed, &format!("There is no project {project}."));
    };
    let question = format!("Delete the project “{project}”?");
    let ask = Ask {
        question: &question,
        detail: "A project that still has flags or API tokens is not deleted.",
        button: "Delete project",
        cancel: &format!("/projects/{project}"),
    };
    let action = format!("/projects/{project}/delete");
    if let Some(page) = unconfirmed(&pairs, &action, &ask, signed.nav()) {
        return page;
    }
    match state
        .apply(&Actor::named(&signed.user.username), DeleteProject { id })
        .await
    {
        Ok(()) => done("/projects", &format!("Deleted the project “{project}”.")),
        Err(e) => op_error(e, signed.nav()),
    }
}

/// `POST /projects/{project}/environments` with `environment`: `AddEnvironmentToProject`.
pub async fn enable_environment(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(project): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Some(refused) = refuse_change(&signed, field(&pairs, "_csrf")) {
        return refused;
    }
    let environment = field(&pairs, "environment").unwrap_or_default();
    let (Ok(id), Ok(environment)) = (
        ProjectId::in_path(&project),
        EnvironmentName::in_path(environment),
    ) else {
        return not_found(&signed, "There is no such project or environment.");
    };
    let notice = format!("Enabled {environment} for the project “{project}”.");
    let operation = AddEnvironmentToProject {
        project: id,
        environment,
    };
    match state
        .apply(&Actor::named(&signed.user.username), operation)
        .await
    {
        Ok(()) => done(&format!("/projects/{project}"), &notice),
        Err(e) => op_error(e, signed.nav()),
    }
}

/// `POST /projects/{project}/environments/{environment}/disable`:
/// `RemoveEnvironmentFromProject` (a project keeps at least one).
pub async fn disable_environment(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((project, environment)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Some(refused) = refuse_change(&signed, field(&pairs, "_csrf")) {
        return refused;
    }
    let (Ok(id), Ok(environment)) = (
        ProjectId::in_path(&project),
        EnvironmentName::in_path(&environment),
    ) else {
        return not_found(&signed, "There is no such project or environment.");
    };
    let question = format!("Disable {environment} for the project “{project}”?");
    let ask = Ask {
        question: &question,
        detail: "Its flags' strategies, variants and switches in that environment are deleted.",
        button: "Disable environment",
        cancel: &format!("/projects/{project}"),
    };
    let action = format!("/projects/{project}/environments/{environment}/disable");
    if let Some(page) = unconfirmed(&pairs, &action, &ask, signed.nav()) {
        return page;
    }
    let notice = format!("Disabled {environment} for the project “{project}”.");
    let operation = RemoveEnvironmentFromProject {
        project: id,
        environment,
    };
    match state
        .apply(&Actor::named(&signed.user.username), operation)
        .await
    {
        Ok(()) => done(&format!("/projects/{project}"), &notice),
        Err(e) => op_error(e, signed.nav()),
    }
}
