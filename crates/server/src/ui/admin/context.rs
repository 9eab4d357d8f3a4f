//! Context fields: the list, the create/edit form (description, stickiness,
//! legal values with their descriptions as rows, one more row on request),
//! and delete.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;

use super::{field, non_empty, not_found, path_segment, refuse_change, refuse_viewer};
use crate::state::AppState;
use crate::ui::feedback::{done, unconfirmed, Ask};
use crate::ui::{internal, op_error, render, Nav, SignedIn};
use flagstaff_domain::ops::{
    Actor, ContextFieldInput, CreateContextField, DeleteContextField, LegalValue, OpError,
    UpdateContextField,
};
use flagstaff_storage::{ContextFieldRow, StorageError};

/// The submit button that asks for one more legal value row.
const ADD_VALUE: &str = "add_value";

#[derive(Debug, Clone, Default)]
struct LegalRow {
    value: String,
    description: String,
}

struct FieldLine {
    name: String,
    link: String,
    description: String,
    stickiness: bool,
    legal_values: usize,
    /// The project of a project's own field; empty for a global one.
    project: String,
}

#[derive(Template)]
#[template(path = "admin/context.html")]
struct ContextPage {
    nav: Option<Nav>,
    can_edit: bool,
    fields: Vec<FieldLine>,
}

/// `GET /context`: every context field (a handful, never paged).
pub async fn list(State(state): State<AppState>, signed: SignedIn) -> Response {
    let fields = match state.store.context_fields().await {
        Ok(fields) => fields,
        Err(e) => return internal(e),
    };
    let fields = fields
        .into_iter()
        .map(|f| FieldLine {
            link: format!("/context/{}", path_segment(&f.name)),
            description: f.description.unwrap_or_default(),
            stickiness: f.stickiness,
            legal_values: f.legal_values.len(),
            project: f.project.unwrap_or_default(),
            name: f.name,
        })
        .collect();
    render(
        StatusCode::OK,
        &ContextPage {
            nav: signed.nav(),
            can_edit: signed.role.can_edit(),
            fields,
        },
    )
}

#[derive(Template)]
#[template(path = "admin/context_form.html")]
struct ContextForm {
    nav: Option<Nav>,
    csrf: String,
    can_edit: bool,
    /// The stored field's name; `None` for a new one.
    existing: Option<String>,
    name: String,
    description: String,
    stickiness: bool,
    legal: Vec<LegalRow>,
    name_error: Option<String>,
    legal_error: Option<String>,
}

impl ContextForm {
    fn new(signed: &SignedIn) -> ContextForm {
        ContextForm {
            nav: signed.nav(),
            csrf: signed.csrf.clone(),
            can_edit: signed.role.can_edit(),
            existing: None,
            name: String::new(),
            description: String::new(),
            stickiness: false,
            legal: vec![LegalRow::default()],
            name_error: None,
            legal_error: None,
        }
    }

    fn action(&self) -> String {
        match &self.existing {
            Some(name) => format!("/context/{}", path_segment(name)),
            None => "/context".to_owned(),
        }
    }

    fn delete_action(&self) -> String {
        format!("{}/delete", self.action())
    }
}

/// `GET /context/new`.
pub async fn new_form(signed: SignedIn) -> Response {
    if let Some(refused) = refuse_viewer(&signed) {
        return refused;
    }
    render(StatusCode::OK, &ContextForm::new(&signed))
}

async fn stored(
    state: &AppState,
    signed: &SignedIn,
    name: &str,
) -> Result<ContextFieldRow, Response> {
    match state.store.context_field(name).await {
        Ok(field) => Ok(field),
        Err(StorageError::NotFound(_)) => Err(not_found(
            signed,
            &format!("There is no context field {name}."),
        )),
        Err(e) => Err(internal(e)),
    }
}

/// `GET /context/{name}`: the form (read-only for Viewers).
pub async fn edit_form(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(name): Path<String>,
) -> Response {
    let stored = match stored(&state, &signed, &name).await {
        Ok(field) => field,
        Err(response) => return response,
    };
    let mut form = ContextForm::new(&signed);
    form.existing = Some(stored.name.clone());
    form.name = stored.name;
    form.description = stored.description.unwrap_or_default();
    form.stickiness = stored.stickiness;
    form.legal = stored
        .legal_values
        .iter()
        .filter_map(|v| serde_json::from_value::<LegalValue>(v.clone()).ok())
        .map(|v| LegalRow {
            value: v.value,
            description: v.description.unwrap_or_default(),
        })
        .chain(form.can_edit.then(LegalRow::default))
        .collect();
    render(StatusCode::OK, &form)
}

/// The legal value rows posted (`legal.<i>.value`, `.description`,
/// `.remove`), in index order, without removed ones.
fn legal_rows(pairs: &[(String, String)]) -> Vec<LegalRow> {
    let mut rows: std::collections::BTreeMap<usize, (LegalRow, bool)> = Default::default();
    for (key, value) in pairs {
        let Some((index, part)) = key
            .strip_prefix("legal.")
            .and_then(|rest| rest.split_once('.'))
        else {
            continue;
        };
        let Ok(index) = index.parse::<usize>() else {
            continue;
        };
        let (row, removed) = rows.entry(index).or_default();
        match part {
            "value" => row.value = value.clone(),
            "description" => row.description = value.clone(),
            "remove" => *removed = true,
            _ => {}
        }
    }
    rows.into_values()
        .filter(|(_, removed)| !removed)
        .map(|(row, _)| row)
        .collect()
}

/// `POST /context`: `CreateContextField`.
pub async fn create(
    State(state): State<AppState>,
    signed: SignedIn,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    save(&state, &signed, None, &pairs).await
}

/// `POST /context/{name}`: `UpdateContextField`.
pub async fn update(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(name): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    save(&state, &signed, Some(name), &pairs).await
}

async fn save(
    state: &AppState,
    signed: &SignedIn,
    existing: Option<String>,
    pairs: &[(String, String)],
) -> Response {
    if let Some(refused) = refuse_change(signed, field(pairs, "_csrf")) {
        return refused;
    }
    let mut form = ContextForm::new(signed);
    form.name = match &existing {
        Some(name) => name.clone(),
        None => field(pairs, "name").unwrap_or_default().to_owned(),
    };
    form.existing = existing;
    form.description = field(pairs, "description").unwrap_or_default().to_owned();
    form.stickiness = field(pairs, "stickiness").is_some();
    form.legal = legal_rows(pairs);
    if field(pairs, ADD_VALUE).is_some() || form.legal.is_empty() {
        form.legal.push(LegalRow::default());
        if field(pairs, ADD_VALUE).is_some() {
            return render(StatusCode::OK, &form);
        }
    }
    let legal_values: Vec<LegalValue> = form
        .legal
        .iter()
        .filter(|row| !row.value.trim().is_empty() || !row.description.trim().is_empty())
        .map(|row| LegalValue {
            value: row.value.trim().to_owned(),
            description: non_empty(&row.description),
        })
        .collect();
    let input = ContextFieldInput {
        name: Some(form.name.clone()),
        description: Some(form.description.trim().to_owned()),
        stickiness: Some(form.stickiness),
        sort_order: None,
        legal_values: Some(legal_values),
        project: None,
    };
    let actor = Actor::named(&signed.user.username);
    let applied = match &form.existing {
        Some(name) => {
            let operation = UpdateContextField {
                name: name.clone(),
                field: input,
                scope: None,
            };
            state.apply(&actor, operation).await
        }
        None => {
            state
                .apply(
                    &actor,
                    CreateContextField {
                        field: input,
                        scope: None,
                    },
                )
                .await
        }
    };
    match applied {
        Ok(field) => done(
            &format!("/context/{}", path_segment(&field.name)),
            &format!("Saved the context field “{}”.", field.name),
        ),
        Err(OpError::Invalid { field, message }) => {
            if field.first_field() == Some("legalValues") {
                form.legal_error = Some(message);
            } else {
                form.name_error = Some(message);
            }
            render(StatusCode::BAD_REQUEST, &form)
        }
        Err(OpError::Conflict(why)) => {
            form.name_error = Some(why);
            render(StatusCode::CONFLICT, &form)
        }
        Err(e) => op_error(e, signed.nav()),
    }
}

/// `POST /context/{name}/delete`: `DeleteContextField`.
pub async fn delete(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(name): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Some(refused) = refuse_change(&signed, field(&pairs, "_csrf")) {
        return refused;
    }
    let question = format!("Delete the context field “{name}”?");
    let page = format!("/context/{}", path_segment(&name));
    let ask = Ask {
        question: &question,
        detail: "Constraints that use it stay, but the playground and forms no longer offer it.",
        button: "Delete context field",
        cancel: &page,
    };
    if let Some(page) = unconfirmed(&pairs, &format!("{page}/delete"), &ask, signed.nav()) {
        return page;
    }
    let notice = format!("Deleted the context field “{name}”.");
    match state
        .apply(
            &Actor::named(&signed.user.username),
            DeleteContextField { name, scope: None },
        )
        .await
    {
        Ok(()) => done("/context", &notice),
        Err(e) => op_error(e, signed.nav()),
    }
}
