//! Saving the strategy form: `AddStrategy` (placed last by the operation,
//! under the change lock) or `UpdateStrategy` as a patch that keeps the sort
//! order; buttons that add a row or switch the strategy type re-draw the form
//! without saving, and a refusal re-draws it with the message beside its field.
//! The form itself (its fields, the page) is `strategy_form.rs`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};

use super::form_fields::FormFields;
use super::refuse_change;
use super::strategy_fields::{catalogue, posted_fields, StrategyFields, FLEXIBLE};
use super::strategy_form::{form_place, page};
use crate::state::AppState;
use crate::ui::feedback::done;
use crate::ui::{op_error, render, SignedIn};
use flagstaff_domain::ops::{Actor, AddStrategy, Edit, OpError, StrategyInput, UpdateStrategy};

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
            // No sort order: the operation puts it last, under the change lock.
            let operation = AddStrategy {
                place: place.strategy_place(),
                strategy: StrategyInput {
                    sort_order: None,
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
        Ok(()) => done(
            &place.back(),
            &format!(
                "Saved the strategy in {}.",
                place.strategy_place().environment
            ),
        ),
        Err(OpError::Invalid { field, message }) => {
            let unplaced = form.attach_error(&field, message);
            refused(form, unplaced)
        }
        Err(OpError::InvalidOperation(why)) => refused(form, Some(why)),
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
    serde_json::from_value(patch).map_err(|e| OpError::invalid_input(e.to_string()))
}
