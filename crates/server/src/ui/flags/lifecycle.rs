//! A flag's beginning and end in the UI: the new-flag form (the name checked
//! as `POST /api/admin/features/validate` checks it, then `CreateFlag`, as
//! `POST /api/admin/projects/:p/features`), archiving behind a confirm page
//! (`ArchiveFlag`) and reviving from the archived view (`ReviveFlag`).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;

use super::{back_to_list, existing_project};
use crate::state::AppState;
use crate::ui::feedback::{done, unconfirmed, Ask};
use crate::ui::{internal, message, op_error, render, Nav, SignedIn};
use flagstaff_domain::ops::{
    validate_new_name, Actor, ArchiveFlag, CreateFlag, FlagName, FlagType, OpError, ProjectId,
    ReviveFlag,
};
use flagstaff_storage::StorageError;

#[derive(Template)]
#[template(path = "flag_new.html")]
struct NewFlagPage {
    nav: Option<Nav>,
    csrf: String,
    project: String,
    types: Vec<(&'static str, &'static str)>,
    name: String,
    flag_type: String,
    description: String,
    impression_data: bool,
    name_error: Option<String>,
    type_error: Option<String>,
}

impl NewFlagPage {
    fn empty(signed: &SignedIn, project: String) -> NewFlagPage {
        NewFlagPage {
            nav: signed.nav(),
            csrf: signed.csrf.clone(),
            project,
            types: FlagType::ALL
                .iter()
                .map(|t| (t.as_str(), t.catalogue().0))
                .collect(),
            name: String::new(),
            flag_type: FlagType::Release.as_str().to_owned(),
            description: String::new(),
            impression_data: false,
            name_error: None,
            type_error: None,
        }
    }
}

/// Viewers change nothing: their 403 page.
fn editors_only(signed: &SignedIn, what: &str) -> Option<Response> {
    (!signed.role.can_edit()).then(|| {
        message(
            StatusCode::FORBIDDEN,
            "Not allowed",
            &format!("Viewers cannot {what}."),
            signed.nav(),
        )
    })
}

/// `GET /projects/{project}/features/new`.
pub async fn new_form(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(project): Path<String>,
) -> Response {
    if let Some(refused) = editors_only(&signed, "create flags") {
        return refused;
    }
    if let Err(response) = existing_project(&state, &signed, &project).await {
        return response;
    }
    render(StatusCode::OK, &NewFlagPage::empty(&signed, project))
}

#[derive(Deserialize)]
pub struct NewFlagForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    #[serde(default)]
    name: String,
    #[serde(default, rename = "type")]
    flag_type: String,
    #[serde(default)]
    description: String,
    /// A checkbox: present (`on`) when ticked.
    impression_data: Option<String>,
}

/// `POST /projects/{project}/features/new`: creates the flag and shows its
/// page; a bad or taken name, or an unknown type, is the form again (400)
/// with the message next to the field and everything entered kept.
pub async fn create(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(project): Path<String>,
    Form(form): Form<NewFlagForm>,
) -> Response {
    if let Some(refused) = signed.csrf_refusal(form.csrf.as_deref()) {
        return refused;
    }
    if let Some(refused) = editors_only(&signed, "create flags") {
        return refused;
    }
    let project_id = match existing_project(&state, &signed, &project).await {
        Ok(id) => id,
        Err(response) => return response,
    };
    let mut again = NewFlagPage::empty(&signed, project.clone());
    again.name = form.name.trim().to_owned();
    again.flag_type = form.flag_type.clone();
    again.description = form.description.clone();
    again.impression_data = form.impression_data.is_some();
    let flag_type = FlagType::parse(&form.flag_type);
    if let Err(e) = &flag_type {
        again.type_error = Some(e.to_string());
    }
    let name = match validate_new_name(&state.store, &form.name).await {
        Ok(name) => Some(name),
        Err(e @ (OpError::Invalid { .. } | OpError::Conflict(_))) => {
            again.name_error = Some(e.to_string());
            None
        }
        Err(e) => return op_error(e, signed.nav()),
    };
    let (Some(name), Ok(flag_type)) = (name, flag_type) else {
        return render(StatusCode::BAD_REQUEST, &again);
    };
    let description = form.description.trim();
    let operation = CreateFlag {
        project: project_id,
        name,
        flag_type,
        description: (!description.is_empty()).then(|| description.to_owned()),
        impression_data: again.impression_data,
        tags: Vec::new(),
    };
    match state
        .apply(&Actor::named(&signed.user.username), operation)
        .await
    {
        Ok(flag) => done(
            &format!("/projects/{project}/features/{}", flag.name),
            &format!(
                "Created the flag {}. It is off in every environment.",
                flag.name
            ),
        ),
        // Taken between the check and the change.
        Err(OpError::Conflict(e)) | Err(OpError::Storage(StorageError::Conflict(e))) => {
            again.name_error = Some(e);
            render(StatusCode::BAD_REQUEST, &again)
        }
        Err(e) => op_error(e, signed.nav()),
    }
}

/// What archiving does, on the archive page and the confirmation page.
const ARCHIVE_DETAIL: &str = "SDKs stop getting it at once. An archived flag can be revived from \
     the archived flags; it comes back switched off everywhere.";

#[derive(Template)]
#[template(path = "flag_archive.html")]
struct ArchivePage {
    nav: Option<Nav>,
    csrf: String,
    project: String,
    feature: String,
}

/// The path's project and flag, parsed (an illegal name names nothing).
fn flag_path(project: &str, feature: &str) -> Option<(ProjectId, FlagName)> {
    Some((
        ProjectId::in_path(project).ok()?,
        FlagName::in_path(feature).ok()?,
    ))
}

fn no_flag(signed: &SignedIn, project: &str, feature: &str) -> Response {
    message(
        StatusCode::NOT_FOUND,
        "No such flag",
        &format!("Project {project} has no flag {feature}."),
        signed.nav(),
    )
}

/// `GET /projects/{project}/features/{feature}/archive`: are you sure?
pub async fn archive_form(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((project, feature)): Path<(String, String)>,
) -> Response {
    if let Some(refused) = editors_only(&signed, "archive flags") {
        return refused;
    }
    match state.store.live_flag(&project, &feature).await {
        Ok(_) => {}
        Err(StorageError::NotFound(_)) => return no_flag(&signed, &project, &feature),
        Err(e) => return internal(e),
    }
    render(
        StatusCode::OK,
        &ArchivePage {
            nav: signed.nav(),
            csrf: signed.csrf.clone(),
            project,
            feature,
        },
    )
}

#[derive(Deserialize)]
pub struct ActionForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    back: Option<String>,
}

/// `POST /projects/{project}/features/{feature}/archive` (`ArchiveFlag`),
/// once confirmed (the archive page's form is the confirmation).
pub async fn archive(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((project, feature)): Path<(String, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let csrf = fields
        .iter()
        .find(|(k, _)| k == "_csrf")
        .map(|(_, v)| v.as_str());
    if let Some(refused) = signed.csrf_refusal(csrf) {
        return refused;
    }
    if let Some(refused) = editors_only(&signed, "archive flags") {
        return refused;
    }
    let Some((project_id, name)) = flag_path(&project, &feature) else {
        return no_flag(&signed, &project, &feature);
    };
    let question = format!("Archive {name}?");
    let ask = Ask {
        question: &question,
        detail: ARCHIVE_DETAIL,
        button: "Archive flag",
        cancel: &format!("/projects/{project}/features/{name}"),
    };
    let action = format!("/projects/{project}/features/{name}/archive");
    if let Some(page) = unconfirmed(&fields, &action, &ask, signed.nav()) {
        return page;
    }
    let notice = format!("Archived {name}. It can be revived from the archived flags.");
    let operation = ArchiveFlag {
        project: project_id,
        name,
    };
    match state
        .apply(&Actor::named(&signed.user.username), operation)
        .await
    {
        Ok(()) => done(&format!("/projects/{project}/features"), &notice),
        Err(e) => op_error(e, signed.nav()),
    }
}

/// `POST /projects/{project}/features/{feature}/revive` (`ReviveFlag`): an
/// archived flag of this project comes back, switched off.
pub async fn revive(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((project, feature)): Path<(String, String)>,
    Form(form): Form<ActionForm>,
) -> Response {
    if let Some(refused) = signed.csrf_refusal(form.csrf.as_deref()) {
        return refused;
    }
    if let Some(refused) = editors_only(&signed, "revive flags") {
        return refused;
    }
    let Some((_, name)) = flag_path(&project, &feature) else {
        return no_flag(&signed, &project, &feature);
    };
    // The operation knows no project: only this project's flag is revived here.
    match state.store.flag(&name).await {
        Ok(Some(flag)) if flag.project == project && flag.archived_at.is_some() => {}
        Ok(_) => return no_flag(&signed, &project, &feature),
        Err(e) => return internal(e),
    }
    let notice = format!("Revived {name}. It is off in every environment.");
    match state
        .apply(&Actor::named(&signed.user.username), ReviveFlag { name })
        .await
    {
        Ok(_) => done(&back_to_list(&project, form.back.as_deref()), &notice),
        Err(e) => op_error(e, signed.nav()),
    }
}
