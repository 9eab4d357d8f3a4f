//! The "variants" tab: a flag's environment variants, one environment at a
//! time, with the same rows editor as strategy variants; saved through
//! `SetVariants`, the operation behind `PUT/PATCH …/environments/:env/variants`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::form_fields::FormFields;
use super::strategies::{EnvironmentLink, EnvironmentQuery};
use super::variant_rows::{self, VariantRow, PAYLOAD_TYPES};
use super::{load_flag, refuse_change, Flag};
use crate::state::AppState;
use crate::ui::feedback::done;
use crate::ui::flag_head::FlagHead;
use crate::ui::{internal, op_error, render, Nav, SignedIn};
use flagstaff_domain::ops::{Actor, Edit, EnvironmentName, OpError, SetVariants};

#[derive(Template)]
#[template(path = "flag_variants.html")]
struct VariantsPage {
    nav: Option<Nav>,
    project: String,
    feature: String,
    tab: &'static str,
    head: FlagHead,
    environments: Vec<EnvironmentLink>,
    environment: Option<String>,
    action: String,
    variants: Vec<VariantRow>,
    stickiness_options: Vec<String>,
    payload_types: [&'static str; 4],
    can_edit: bool,
    csrf: String,
    error: Option<String>,
}

async fn stickiness_options(
    state: &AppState,
    rows: &[VariantRow],
) -> Result<Vec<String>, Response> {
    let mut options: Vec<String> = ["default", "userId", "sessionId", "random"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let context = state.store.context_fields().await.map_err(internal)?;
    for name in context
        .iter()
        .map(|c| c.name.as_str())
        .chain(rows.iter().map(|r| r.stickiness.as_str()))
    {
        if !name.is_empty() && !options.iter().any(|o| o == name) {
            options.push(name.to_owned());
        }
    }
    Ok(options)
}

async fn variants_page(
    state: &AppState,
    signed: &SignedIn,
    flag: &Flag,
    environment: Option<String>,
    variants: Vec<VariantRow>,
    error: Option<String>,
) -> Result<VariantsPage, Response> {
    let url = flag.url();
    Ok(VariantsPage {
        nav: signed.nav(),
        project: flag.project.to_string(),
        feature: flag.name.to_string(),
        tab: "variants",
        head: flag.head(),
        environments: flag
            .environments
            .iter()
            .map(|e| EnvironmentLink {
                name: e.clone(),
                url: format!("{url}/variants?environment={e}"),
                current: environment.as_deref() == Some(e.as_str()),
                on: false,
            })
            .collect(),
        action: environment
            .as_deref()
            .map(|e| format!("{url}/variants?environment={e}"))
            .unwrap_or_default(),
        environment,
        stickiness_options: stickiness_options(state, &variants).await?,
        variants,
        payload_types: PAYLOAD_TYPES,
        can_edit: signed.role.can_edit(),
        csrf: signed.csrf.clone(),
        error,
    })
}

async fn show(
    state: &AppState,
    signed: &SignedIn,
    flag: &Flag,
    environment: &str,
    rows: Vec<VariantRow>,
    status: StatusCode,
    error: Option<String>,
) -> Response {
    match variants_page(
        state,
        signed,
        flag,
        Some(environment.to_owned()),
        rows,
        error,
    )
    .await
    {
        Ok(page) => render(status, &page),
        Err(response) => response,
    }
}

/// `GET /projects/{p}/features/{f}/variants?environment=NAME`.
pub async fn page(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((project, feature)): Path<(String, String)>,
    Query(query): Query<EnvironmentQuery>,
) -> Response {
    let flag = match load_flag(&state, &signed, &project, &feature).await {
        Ok(flag) => flag,
        Err(response) => return response,
    };
    let environment = flag.environment(query.environment.as_deref());
    let mut rows = Vec::new();
    if let Some(environment) = &environment {
        match state
            .store
            .flag_environment(flag.name.as_str(), environment)
            .await
        {
            Ok(row) => rows = row.variants.iter().map(VariantRow::from_variant).collect(),
            Err(e) => return internal(e),
        }
    }
    match variants_page(&state, &signed, &flag, environment, rows, None).await {
        Ok(page) => render(StatusCode::OK, &page),
        Err(response) => response,
    }
}

/// `POST /projects/{p}/features/{f}/variants?environment=NAME`: replaces the
/// environment's variants with the rows posted (`add_variant` only re-draws).
pub async fn save(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((project, feature)): Path<(String, String)>,
    Query(query): Query<EnvironmentQuery>,
    fields: FormFields,
) -> Response {
    if let Some(refused) = refuse_change(&signed, fields.csrf()) {
        return refused;
    }
    let flag = match load_flag(&state, &signed, &project, &feature).await {
        Ok(flag) => flag,
        Err(response) => return response,
    };
    let Some(environment) = flag.environment(query.environment.as_deref()) else {
        return internal("a variants form without an environment");
    };
    let mut rows = variant_rows::posted_rows(&fields);
    if fields.checked("add_variant") {
        return show(
            &state,
            &signed,
            &flag,
            &environment,
            rows,
            StatusCode::OK,
            None,
        )
        .await;
    }
    let Some(variants) = variant_rows::to_variants(&mut rows) else {
        return show(
            &state,
            &signed,
            &flag,
            &environment,
            rows,
            StatusCode::BAD_REQUEST,
            Some("Not saved: see the messages below.".to_owned()),
        )
        .await;
    };
    let Ok(environment_name) = EnvironmentName::parse(&environment) else {
        return internal("a stored environment name does not parse");
    };
    let operation = SetVariants {
        project: flag.project.clone(),
        feature: flag.name.clone(),
        environment: environment_name,
        edit: Edit::Replace(variants),
    };
    match state
        .apply(&Actor::named(&signed.user.username), operation)
        .await
    {
        Ok(_) => done(
            &format!("{}/variants?environment={environment}", flag.url()),
            &format!("Saved the variants of {} in {environment}.", flag.name),
        ),
        Err(OpError::Invalid { field, message }) => {
            let error = if variant_rows::attach_error(&mut rows, &field, &message) {
                "Not saved: see the messages below.".to_owned()
            } else {
                message
            };
            show(
                &state,
                &signed,
                &flag,
                &environment,
                rows,
                StatusCode::BAD_REQUEST,
                Some(error),
            )
            .await
        }
        Err(e) => op_error(e, signed.nav()),
    }
}
