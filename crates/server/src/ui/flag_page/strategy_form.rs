//! The strategy form (new and edit): strategy type, rollout, stickiness and
//! groupId for flexibleRollout, declared parameters for the others, title,
//! disabled, constraints, segments and strategy variants. Saving runs
//! `AddStrategy` or `UpdateStrategy`, the operations behind the admin API's
//! `POST`/`PUT …/strategies[/:id]`; a refusal comes back next to the field it
//! names, with everything entered kept. Buttons that add a row or re-draw the
//! form for another strategy type post the form back without saving.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::{json, Value};

use super::constraint_rows::{self, ConstraintRow, BUILT_IN_CONTEXT};
use super::form_fields::{join_values, split_values, FormFields};
use super::variant_rows::{self, VariantRow, PAYLOAD_TYPES};
use super::{load_place, refuse_change, Flag};
use crate::ops::{
    Actor, AddStrategy, Edit, EnvironmentName, OpError, StrategyInput, StrategyPlace,
    UpdateStrategy,
};
use crate::state::AppState;
use crate::storage::{StrategyRow, StrategyValues};
use crate::ui::{internal, message, op_error, render, Nav, SignedIn};

const FLEXIBLE: &str = "flexibleRollout";
/// The parameters the flexibleRollout fields show.
const ROLLOUT_PARAMETERS: [&str; 3] = ["rollout", "stickiness", "groupId"];

/// A parameter of a strategy other than flexibleRollout's three.
#[derive(Debug, Clone)]
pub struct ParameterField {
    pub name: String,
    pub label: String,
    /// Unleash's parameter type: string, percentage, list, number, boolean.
    pub kind: String,
    pub value: String,
    pub error: Option<String>,
}

/// Everything the form shows and posts, as typed.
#[derive(Debug, Clone, Default)]
pub struct StrategyFields {
    pub name: String,
    /// The strategy type the parameter fields were drawn for.
    pub shown: String,
    pub title: String,
    pub disabled: bool,
    pub rollout: String,
    pub rollout_error: Option<String>,
    pub stickiness: String,
    pub group_id: String,
    pub parameters: Vec<ParameterField>,
    pub constraints: Vec<ConstraintRow>,
    pub segments: Vec<i64>,
    pub variants: Vec<VariantRow>,
}

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
struct StrategyFormPage {
    nav: Option<Nav>,
    project: String,
    feature: String,
    tab: &'static str,
    heading: String,
    action: String,
    back: String,
    csrf: String,
    form: StrategyFields,
    /// The strategy variants (the shared rows template reads `variants`).
    variants: Vec<VariantRow>,
    strategy_types: Vec<Choice>,
    stickiness_options: Vec<String>,
    context_names: Vec<String>,
    operators: &'static [&'static str],
    segment_choices: Vec<SegmentChoice>,
    payload_types: [&'static str; 4],
    /// A refusal that names no field.
    error: Option<String>,
    notice: Option<String>,
}

/// What the form's selects offer, read from the store.
struct Catalogue {
    types: Vec<crate::storage::StrategyTypeRow>,
    context: Vec<String>,
    segments: Vec<(i64, String)>,
}

async fn catalogue(state: &AppState, project: &str) -> Result<Catalogue, Response> {
    let types = state.store.strategy_types().await.map_err(internal)?;
    let context = state
        .store
        .context_fields()
        .await
        .map_err(internal)?
        .into_iter()
        .map(|f| f.name)
        .collect();
    let segments = state
        .store
        .segments()
        .await
        .map_err(internal)?
        .into_iter()
        .filter(|s| s.project.as_deref().is_none_or(|p| p == project))
        .map(|s| (s.id, s.name))
        .collect();
    Ok(Catalogue {
        types,
        context,
        segments,
    })
}

impl Catalogue {
    /// The declared parameters of `strategy` (none for flexibleRollout, whose
    /// three have their own fields), then any other `stored` ones, with their values.
    fn parameter_fields(
        &self,
        strategy: &str,
        stored: &BTreeMap<String, String>,
    ) -> Vec<ParameterField> {
        let mut fields: Vec<ParameterField> = Vec::new();
        if strategy != FLEXIBLE {
            if let Some(kind) = self.types.iter().find(|t| t.name == strategy) {
                for p in &kind.parameters {
                    fields.push(ParameterField {
                        name: p.name.clone(),
                        label: match p.description.as_deref().filter(|d| !d.is_empty()) {
                            Some(d) => format!("{} — {d}", p.name),
                            None => p.name.clone(),
                        },
                        kind: p.kind.clone(),
                        value: String::new(),
                        error: None,
                    });
                }
            }
        }
        for (name, value) in stored {
            if strategy == FLEXIBLE && ROLLOUT_PARAMETERS.contains(&name.as_str()) {
                continue;
            }
            match fields.iter_mut().find(|f| f.name == *name) {
                Some(field) => field.value = value.clone(),
                None => fields.push(ParameterField {
                    name: name.clone(),
                    label: name.clone(),
                    kind: "string".to_owned(),
                    value: value.clone(),
                    error: None,
                }),
            }
        }
        for field in fields.iter_mut().filter(|f| f.kind == "list") {
            field.value = join_values(&split_values(&field.value));
        }
        fields
    }
}

/// The form for a stored strategy.
fn fields_of(values: &StrategyValues, catalogue: &Catalogue, feature: &str) -> StrategyFields {
    let parameter = |key: &str| values.parameters.get(key).cloned().unwrap_or_default();
    StrategyFields {
        name: values.name.clone(),
        shown: values.name.clone(),
        title: values.title.clone().unwrap_or_default(),
        disabled: values.disabled,
        rollout: match parameter("rollout") {
            r if r.is_empty() => "100".to_owned(),
            r => r,
        },
        rollout_error: None,
        stickiness: match parameter("stickiness") {
            s if s.is_empty() => "default".to_owned(),
            s => s,
        },
        group_id: match parameter("groupId") {
            g if g.is_empty() && values.name != FLEXIBLE => feature.to_owned(),
            g => g,
        },
        parameters: catalogue.parameter_fields(&values.name, &values.parameters),
        constraints: values
            .constraints
            .iter()
            .map(ConstraintRow::from_constraint)
            .collect(),
        segments: values.segments.clone(),
        variants: values
            .variants
            .iter()
            .map(VariantRow::from_variant)
            .collect(),
    }
}

/// The form as posted. The rollout is the number input's value unless only
/// the range slider was moved (without JavaScript they do not follow each other).
fn posted_fields(fields: &FormFields, catalogue: &Catalogue) -> StrategyFields {
    let name = fields.text("name");
    let shown = fields.text("shown");
    let rollout = {
        let (number, range, drawn) = (
            fields.text("rollout"),
            fields.text("rollout_range"),
            fields.text("rollout_shown"),
        );
        if number.trim() == drawn.trim() && !range.is_empty() {
            range
        } else {
            number
        }
    };
    let posted_parameters: BTreeMap<String, String> = fields
        .pairs()
        .filter_map(|(key, value)| Some((key.strip_prefix("p_")?.to_owned(), value.to_owned())))
        .collect();
    let parameters = catalogue.parameter_fields(&name, &posted_parameters);
    StrategyFields {
        name,
        shown,
        title: fields.text("title"),
        disabled: fields.checked("disabled"),
        rollout: rollout.trim().to_owned(),
        rollout_error: None,
        stickiness: fields.text("stickiness"),
        group_id: fields.text("groupId"),
        parameters,
        constraints: constraint_rows::posted_rows(fields),
        segments: fields
            .all("segment")
            .filter_map(|id| id.parse::<i64>().ok())
            .collect(),
        variants: variant_rows::posted_rows(fields),
    }
}

impl StrategyFields {
    /// The strategy as the operations take it; `None` when a field cannot be
    /// read (its error then says why).
    fn read_input(&mut self) -> Option<StrategyInput> {
        let mut parameters: BTreeMap<String, Value> = BTreeMap::new();
        if self.name == FLEXIBLE {
            parameters.insert("rollout".into(), json!(self.rollout));
            parameters.insert("stickiness".into(), json!(self.stickiness));
            parameters.insert("groupId".into(), json!(self.group_id.trim()));
        }
        for field in &self.parameters {
            let value = if field.kind == "list" {
                split_values(&field.value).join(",")
            } else {
                field.value.trim().to_owned()
            };
            parameters.insert(field.name.clone(), Value::String(value));
        }
        let constraints = self
            .constraints
            .iter()
            .map(ConstraintRow::to_constraint)
            .collect();
        let variants = variant_rows::to_variants(&mut self.variants)?;
        let title = self.title.trim();
        Some(StrategyInput {
            name: self.name.clone(),
            title: (!title.is_empty()).then(|| title.to_owned()),
            disabled: Some(self.disabled),
            sort_order: None,
            parameters: Some(parameters),
            constraints: Some(constraints),
            segments: Some(self.segments.clone()),
            variants: Some(variants),
        })
    }

    /// Puts a refusal next to the field it names; what names no field is returned.
    fn attach_error(&mut self, error: String) -> Option<String> {
        if error.starts_with("rollout") {
            self.rollout_error = Some(error);
            return None;
        }
        if let Some(field) = self
            .parameters
            .iter_mut()
            .find(|f| error.starts_with(&format!("parameter {:?}", f.name)))
        {
            field.error = Some(error);
            return None;
        }
        if constraint_rows::attach_error(&mut self.constraints, &error)
            || variant_rows::attach_error(&mut self.variants, &error)
        {
            return None;
        }
        Some(error)
    }
}

/// Where the form is and what it is for.
struct FormPlace {
    flag: Flag,
    environment: EnvironmentName,
    /// The strategy being edited (none: a new one).
    editing: Option<StrategyRow>,
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

    fn back(&self) -> String {
        format!("{}?environment={}", self.flag.url(), self.environment)
    }

    fn strategy_place(&self) -> StrategyPlace {
        StrategyPlace {
            project: self.flag.project.clone(),
            feature: self.flag.name.clone(),
            environment: self.environment.clone(),
        }
    }
}

fn page(
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
    let mut context_names: Vec<String> = BUILT_IN_CONTEXT.iter().map(|c| (*c).to_owned()).collect();
    let add = |names: &mut Vec<String>, name: &str| {
        if !name.is_empty() && !names.iter().any(|n| n == name) {
            names.push(name.to_owned());
        }
    };
    for name in &catalogue.context {
        add(&mut context_names, name);
    }
    for row in &form.constraints {
        add(&mut context_names, &row.context);
    }
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
        heading: match &place.editing {
            Some(_) => format!("Edit strategy in {}", place.environment),
            None => format!("Add a strategy in {}", place.environment),
        },
        action: place.action(),
        back: place.back(),
        csrf: signed.csrf.clone(),
        form,
        variants,
        strategy_types,
        stickiness_options,
        context_names,
        operators: flagstaff_engine::OPERATORS,
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

async fn form_place(
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

/// `POST …/strategies/new`.
pub async fn add(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(path): Path<(String, String, String)>,
    fields: FormFields,
) -> Response {
    save(state, signed, path, None, fields).await
}

/// `POST …/strategies/{id}/edit`.
pub async fn edit(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((project, feature, environment, id)): Path<(String, String, String, String)>,
    fields: FormFields,
) -> Response {
    save(
        state,
        signed,
        (project, feature, environment),
        Some(id),
        fields,
    )
    .await
}

async fn save(
    state: AppState,
    signed: SignedIn,
    path: (String, String, String),
    id: Option<String>,
    fields: FormFields,
) -> Response {
    if let Some(refused) = refuse_change(&signed, fields.csrf()) {
        return refused;
    }
    let place = match form_place(&state, &signed, &path, id.as_deref()).await {
        Ok(place) => place,
        Err(response) => return response,
    };
    let catalogue = match catalogue(&state, &path.0).await {
        Ok(catalogue) => catalogue,
        Err(response) => return response,
    };
    let mut form = posted_fields(&fields, &catalogue);
    let redraw = |form: StrategyFields, notice: Option<String>| {
        render(
            StatusCode::OK,
            &page(&signed, &place, &catalogue, form, None, notice),
        )
    };
    if fields.checked("add_constraint") || fields.checked("add_variant") || fields.checked("redraw")
    {
        return redraw(form, None);
    }
    if form.name != form.shown {
        let notice = format!(
            "The fields are now those of {}: check them, then save.",
            form.name
        );
        form.shown = form.name.clone();
        if form.name == FLEXIBLE && form.group_id.trim().is_empty() {
            form.group_id = place.flag.name.to_string();
        }
        return redraw(form, Some(notice));
    }
    let refused = |form: StrategyFields, error: Option<String>| {
        render(
            StatusCode::BAD_REQUEST,
            &page(
                &signed,
                &place,
                &catalogue,
                form,
                Some(error.unwrap_or_else(|| "Not saved: see the messages below.".to_owned())),
                None,
            ),
        )
    };
    let Some(input) = form.read_input() else {
        return refused(form, None);
    };
    let actor = Actor::named(&signed.user.username);
    let result = match &place.editing {
        None => {
            let last = match state
                .store
                .strategies(place.flag.name.as_str(), Some(place.environment.as_str()))
                .await
            {
                Ok(strategies) => strategies.iter().map(|s| s.values.sort_order).max(),
                Err(e) => return internal(e),
            };
            let operation = AddStrategy {
                place: place.strategy_place(),
                strategy: StrategyInput {
                    sort_order: Some(last.map_or(0, |l| l + 1)),
                    ..input
                },
            };
            state.apply(&actor, operation).await.map(drop)
        }
        Some(stored) => match replace_all_but_order(input) {
            Ok(patch) => {
                let operation = UpdateStrategy {
                    place: place.strategy_place(),
                    id: stored.id.clone(),
                    edit: Edit::Patch(patch),
                };
                state.apply(&actor, operation).await.map(drop)
            }
            Err(e) => Err(e),
        },
    };
    match result {
        Ok(()) => Redirect::to(&place.back()).into_response(),
        Err(OpError::Invalid(why) | OpError::InvalidOperation(why)) => {
            let unplaced = form.attach_error(why);
            refused(form, unplaced)
        }
        Err(e) => op_error(e, signed.nav()),
    }
}

/// An edit as a JSON Patch of every field but the sort order, so that a
/// reorder made meanwhile is kept.
fn replace_all_but_order(input: StrategyInput) -> Result<json_patch::Patch, OpError> {
    let replace = |path: &str, value: Value| json!({"op": "replace", "path": path, "value": value});
    let patch = json!([
        replace("/name", json!(input.name)),
        replace("/title", json!(input.title)),
        replace("/disabled", json!(input.disabled.unwrap_or(false))),
        replace("/parameters", json!(input.parameters.unwrap_or_default())),
        replace("/constraints", json!(input.constraints.unwrap_or_default())),
        replace("/segments", json!(input.segments.unwrap_or_default())),
        replace("/variants", json!(input.variants.unwrap_or_default())),
    ]);
    serde_json::from_value(patch).map_err(|e| OpError::Invalid(e.to_string()))
}
