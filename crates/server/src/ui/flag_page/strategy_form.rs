//! The strategy form (new and edit): strategy type, rollout, stickiness and
//! groupId for flexibleRollout, declared parameters for the others, title,
//! disabled, constraints, segments and strategy variants. Saving runs
//! `AddStrategy` or `UpdateStrategy`, the operations behind the admin API's
//! `POST`/`PUT …/strategies[/:id]`; a refusal comes back next to the field it
//! names, with everything entered kept. Buttons that add a row or re-draw the
//! form for another strategy type post the form back without saving. Saving
//! is `strategy_save.rs`; its handlers are re-exported here for the router.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::strategy_fields::{catalogue, fields_of, Catalogue, StrategyFields, FLEXIBLE};
use super::variant_rows::{VariantRow, PAYLOAD_TYPES};
use super::{load_place, Flag};
use crate::state::AppState;
use crate::ui::constraint_form::ConstraintsForm;
use crate::ui::flag_head::FlagHead;
use crate::ui::{internal, message, render, Nav, SignedIn};
use flagstaff_domain::ops::{EnvironmentName, StrategyPlace};
use flagstaff_storage::{StrategyRow, StrategyValues};

pub use super::strategy_save::{add, edit};

pub struct Choice {
    pub value: String,
    pub label: String,
}

pub struct SegmentChoice {
    pub id: i64,
    pub name: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "strategy_form.html")]
pub(super) struct StrategyFormPage {
    nav: Option<Nav>,
    project: String,
    feature: String,
    tab: &'static str,
    head: FlagHead,
    heading: String,
    action: String,
    back: String,
    csrf: String,
    form: StrategyFields,
    /// The strategy variants (the shared rows template reads `variants`).
    variants: Vec<VariantRow>,
    /// The constraints editor (the shared template reads `constraints`).
    constraints: ConstraintsForm,
    strategy_types: Vec<Choice>,
    stickiness_options: Vec<String>,
    segment_choices: Vec<SegmentChoice>,
    payload_types: [&'static str; 4],
    /// A refusal that names no field.
    error: Option<String>,
    notice: Option<String>,
}

/// Where the form is and what it is for.
pub(super) struct FormPlace {
    pub(super) flag: Flag,
    environment: EnvironmentName,
    /// The strategy being edited (none: a new one).
    pub(super) editing: Option<StrategyRow>,
}

impl FormPlace {
    fn action(&self) -> String {
        match &self.editing {
            Some(s) => format!(
                "{}/environments/{}/strategies/{}/edit",
                self.flag.url(),
                self.environment,
                s.id
            ),
            None => format!(
                "{}/environments/{}/strategies/new",
                self.flag.url(),
                self.environment
            ),
        }
    }

    pub(super) fn back(&self) -> String {
        format!("{}?environment={}", self.flag.url(), self.environment)
    }

    pub(super) fn strategy_place(&self) -> StrategyPlace {
        StrategyPlace {
            project: self.flag.project.clone(),
            feature: self.flag.name.clone(),
            environment: self.environment.clone(),
        }
    }
}

pub(super) fn page(
    signed: &SignedIn,
    place: &FormPlace,
    catalogue: &Catalogue,
    form: StrategyFields,
    error: Option<String>,
    notice: Option<String>,
) -> StrategyFormPage {
    let mut strategy_types: Vec<Choice> = catalogue
        .types
        .iter()
        .filter(|t| !t.deprecated || t.name == form.name)
        .map(|t| Choice {
            value: t.name.clone(),
            label: match t.title.as_deref().filter(|title| !title.is_empty()) {
                Some(title) => format!("{title} ({})", t.name),
                None => t.name.clone(),
            },
        })
        .collect();
    if !strategy_types.iter().any(|t| t.value == form.name) {
        strategy_types.push(Choice {
            value: form.name.clone(),
            label: form.name.clone(),
        });
    }
    let add = |names: &mut Vec<String>, name: &str| {
        if !name.is_empty() && !names.iter().any(|n| n == name) {
            names.push(name.to_owned());
        }
    };
    let mut stickiness_options: Vec<String> = ["default", "userId", "sessionId", "random"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    for name in catalogue
        .context
        .iter()
        .map(String::as_str)
        .chain(std::iter::once(form.stickiness.as_str()))
        .chain(form.variants.iter().map(|v| v.stickiness.as_str()))
    {
        add(&mut stickiness_options, name);
    }
    let mut form = form;
    let variants = std::mem::take(&mut form.variants);
    let mut constraints = std::mem::take(&mut form.constraints);
    constraints.offer_fields(catalogue.context.iter().cloned());
    let segment_choices = catalogue
        .segments
        .iter()
        .map(|(id, name)| SegmentChoice {
            id: *id,
            name: name.clone(),
            checked: form.segments.contains(id),
        })
        .collect();
    StrategyFormPage {
        nav: signed.nav(),
        project: place.flag.project.to_string(),
        feature: place.flag.name.to_string(),
        tab: "strategies",
        head: place.flag.head(),
        heading: match &place.editing {
            Some(_) => format!("Edit strategy in {}", place.environment),
            None => format!("Add a strategy in {}", place.environment),
        },
        action: place.action(),
        back: place.back(),
        csrf: signed.csrf.clone(),
        form,
        variants,
        constraints,
        strategy_types,
        stickiness_options,
        segment_choices,
        payload_types: PAYLOAD_TYPES,
        error,
        notice,
    }
}

fn viewer_refusal(signed: &SignedIn) -> Option<Response> {
    (!signed.role.can_edit()).then(|| {
        message(
            StatusCode::FORBIDDEN,
            "Not allowed",
            "Viewers cannot change strategies.",
            signed.nav(),
        )
    })
}

pub(super) async fn form_place(
    state: &AppState,
    signed: &SignedIn,
    path: &(String, String, String),
    strategy: Option<&str>,
) -> Result<FormPlace, Response> {
    let (flag, environment) = load_place(state, signed, path).await?;
    let editing = match strategy {
        None => None,
        Some(id) => match state.store.strategy(id).await.map_err(internal)? {
            Some(s) if s.feature_name == flag.name.as_str() && s.environment == path.2 => Some(s),
            _ => {
                return Err(message(
                    StatusCode::NOT_FOUND,
                    "No such strategy",
                    &format!("The flag has no strategy {id} in {}.", path.2),
                    signed.nav(),
                ))
            }
        },
    };
    Ok(FormPlace {
        flag,
        environment,
        editing,
    })
}

/// `GET …/environments/{env}/strategies/new`: a 100% flexible rollout grouped by the flag's name.
pub async fn new_form(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(path): Path<(String, String, String)>,
) -> Response {
    if let Some(refused) = viewer_refusal(&signed) {
        return refused;
    }
    let place = match form_place(&state, &signed, &path, None).await {
        Ok(place) => place,
        Err(response) => return response,
    };
    let catalogue = match catalogue(&state, &path.0).await {
        Ok(catalogue) => catalogue,
        Err(response) => return response,
    };
    let values = StrategyValues {
        name: FLEXIBLE.to_owned(),
        parameters: BTreeMap::from([
            ("rollout".to_owned(), "100".to_owned()),
            ("stickiness".to_owned(), "default".to_owned()),
            ("groupId".to_owned(), place.flag.name.to_string()),
        ]),
        ..StrategyValues::default()
    };
    let form = fields_of(&values, &catalogue, place.flag.name.as_str());
    render(
        StatusCode::OK,
        &page(&signed, &place, &catalogue, form, None, None),
    )
}

/// `GET …/strategies/{id}/edit`.
pub async fn edit_form(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((project, feature, environment, id)): Path<(String, String, String, String)>,
) -> Response {
    if let Some(refused) = viewer_refusal(&signed) {
        return refused;
    }
    let path = (project, feature, environment);
    let place = match form_place(&state, &signed, &path, Some(&id)).await {
        Ok(place) => place,
        Err(response) => return response,
    };
    let catalogue = match catalogue(&state, &path.0).await {
        Ok(catalogue) => catalogue,
        Err(response) => return response,
    };
    let Some(stored) = &place.editing else {
        return internal("the edited strategy went missing");
    };
    let form = fields_of(&stored.values, &catalogue, place.flag.name.as_str());
    render(
        StatusCode::OK,
        &page(&signed, &place, &catalogue, form, None, None),
    )
}
