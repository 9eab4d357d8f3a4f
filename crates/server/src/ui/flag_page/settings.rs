//! The "settings" tab: description, type, impression data and stale, saved
//! through `UpdateFlag` (the operation behind `PUT/PATCH
//! /api/admin/projects/:p/features/:f`, which also records the stale events
//! the stale endpoints record).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;

use super::strategy_form::Choice;
use super::{load_flag, refuse_change};
use crate::state::AppState;
use crate::ui::feedback::done;
use crate::ui::flag_head::FlagHead;
use crate::ui::{op_error, render, Nav, SignedIn};
use flagstaff_domain::ops::{Actor, Edit, FlagFields, FlagType, OpError, UpdateFlag};

#[derive(Template)]
#[template(path = "flag_settings.html")]
struct SettingsPage {
    nav: Option<Nav>,
    project: String,
    feature: String,
    tab: &'static str,
    head: FlagHead,
    description: String,
    flag_type: String,
    impression_data: bool,
    stale: bool,
    types: Vec<Choice>,
    can_edit: bool,
    csrf: String,
    type_error: Option<String>,
    error: Option<String>,
}

fn types() -> Vec<Choice> {
    FlagType::ALL
        .iter()
        .map(|t| {
            let (label, days) = t.catalogue();
            Choice {
                value: t.as_str().to_owned(),
                label: match days {
                    Some(days) => format!("{label} (expected lifetime {days} days)"),
                    None => format!("{label} (permanent)"),
                },
            }
        })
        .collect()
}

/// `GET /projects/{p}/features/{f}/settings`.
pub async fn page(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((project, feature)): Path<(String, String)>,
) -> Response {
    let flag = match load_flag(&state, &signed, &project, &feature).await {
        Ok(flag) => flag,
        Err(response) => return response,
    };
    let head = flag.head();
    render(
        StatusCode::OK,
        &SettingsPage {
            nav: signed.nav(),
            project: flag.project.to_string(),
            feature: flag.name.to_string(),
            tab: "settings",
            head,
            description: flag.row.description.clone().unwrap_or_default(),
            flag_type: flag.row.feature_type.as_str().to_owned(),
            impression_data: flag.row.impression_data,
            stale: flag.row.stale,
            types: types(),
            can_edit: signed.role.can_edit(),
            csrf: signed.csrf.clone(),
            type_error: None,
            error: None,
        },
    )
}

#[derive(Deserialize)]
pub struct SettingsForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    #[serde(default)]
    description: String,
    #[serde(default, rename = "type")]
    flag_type: String,
    impression_data: Option<String>,
    stale: Option<String>,
}

/// `POST /projects/{p}/features/{f}/settings`.
pub async fn save(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((project, feature)): Path<(String, String)>,
    Form(form): Form<SettingsForm>,
) -> Response {
    if let Some(refused) = refuse_change(&signed, form.csrf.as_deref()) {
        return refused;
    }
    let flag = match load_flag(&state, &signed, &project, &feature).await {
        Ok(flag) => flag,
        Err(response) => return response,
    };
    let description = form.description.trim();
    let fields = FlagFields {
        description: Some((!description.is_empty()).then(|| description.to_owned())),
        flag_type: Some(form.flag_type.clone()),
        impression_data: Some(form.impression_data.is_some()),
        stale: Some(form.stale.is_some()),
        ..FlagFields::default()
    };
    let operation = UpdateFlag {
        project: flag.project.clone(),
        name: flag.name.clone(),
        edit: Edit::Replace(fields),
    };
    match state
        .apply(&Actor::named(&signed.user.username), operation)
        .await
    {
        Ok(_) => done(
            &format!("{}/settings", flag.url()),
            &format!("Saved the settings of {}.", flag.name),
        ),
        Err(OpError::Invalid {
            field,
            message: why,
        }) => {
            let about_type = field.first_field() == Some("type");
            let head = flag.head();
            render(
                StatusCode::BAD_REQUEST,
                &SettingsPage {
                    nav: signed.nav(),
                    project: flag.project.to_string(),
                    feature: flag.name.to_string(),
                    tab: "settings",
                    head,
                    description: form.description.clone(),
                    flag_type: form.flag_type.clone(),
                    impression_data: form.impression_data.is_some(),
                    stale: form.stale.is_some(),
                    types: types(),
                    can_edit: true,
                    csrf: signed.csrf.clone(),
                    type_error: about_type.then(|| why.clone()),
                    error: (!about_type).then_some(why),
                },
            )
        }
        Err(e) => op_error(e, signed.nav()),
    }
}
