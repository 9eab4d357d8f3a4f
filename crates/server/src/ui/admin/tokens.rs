//! API tokens (Admins only): the list (never a secret), the create form, the
//! result page that shows the new secret once — in the page, never in a URL —
//! and delete.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;

use super::{field, non_empty, page_of, refuse_change, PageQuery, Pager};
use crate::auth::TokenKind;
use crate::state::AppState;
use crate::ui::feedback::{done, unconfirmed, Ask};
use crate::ui::{internal, message, op_error, render, Nav, SignedIn};
use flagstaff_domain::ops::tokens::{display_prefix, CreateToken, TokenRequest};
use flagstaff_domain::ops::{Actor, OpError, RevokeToken, RootRole};
use flagstaff_storage::instant_text;

fn admins_only(signed: &SignedIn) -> Option<Response> {
    (signed.role != RootRole::Admin).then(|| {
        message(
            StatusCode::FORBIDDEN,
            "Not allowed",
            "Only Admins manage API tokens.",
            signed.nav(),
        )
    })
}

struct TokenLine {
    id: String,
    name: String,
    kind: &'static str,
    projects: String,
    environment: String,
    prefix: String,
    created: String,
    expires: String,
}

/// How the list names a token type (Unleash calls client tokens backend).
fn kind_label(kind: TokenKind) -> &'static str {
    match kind {
        TokenKind::Admin => "Admin",
        TokenKind::Frontend => "Frontend",
        TokenKind::Client => "Client (backend)",
    }
}

#[derive(Template)]
#[template(path = "admin/tokens.html")]
struct TokensPage {
    nav: Option<Nav>,
    csrf: String,
    tokens: Vec<TokenLine>,
    pager: Pager,
    projects: Vec<String>,
    environments: Vec<String>,
    name: String,
    kind: String,
    chosen_projects: Vec<String>,
    environment: String,
    expires: String,
    name_error: Option<String>,
    error: Option<String>,
}

async fn page(
    state: &AppState,
    signed: &SignedIn,
    query: &PageQuery,
) -> Result<TokensPage, Response> {
    let mut tokens = state.store.tokens().await.map_err(internal)?;
    tokens.sort_by(|a, b| {
        a.token_name
            .cmp(&b.token_name)
            .then(a.created_at.cmp(&b.created_at))
    });
    let (tokens, pager) = page_of(tokens, query, "/api-tokens");
    let projects = state.store.projects().await.map_err(internal)?;
    let environments = state.store.environments().await.map_err(internal)?;
    Ok(TokensPage {
        nav: signed.nav(),
        csrf: signed.csrf.clone(),
        tokens: tokens
            .into_iter()
            .map(|t| TokenLine {
                prefix: display_prefix(&t),
                kind: kind_label(t.token_type),
                projects: if t.projects.iter().any(|p| p == "*") {
                    "All".to_owned()
                } else {
                    t.projects.join(", ")
                },
                environment: if t.environment == "*" {
                    "All".to_owned()
                } else {
                    t.environment
                },
                created: t.created_at.format("%Y-%m-%d").to_string(),
                expires: t
                    .expires_at
                    .as_ref()
                    .map_or_else(|| "Never".to_owned(), instant_text),
                id: t.id,
                name: t.token_name,
            })
            .collect(),
        pager,
        projects: projects.into_iter().map(|(id, _, _)| id).collect(),
        environment: environments
            .iter()
            .find(|e| e.name == "development")
            .or(environments.first())
            .map(|e| e.name.clone())
            .unwrap_or_default(),
        environments: environments.into_iter().map(|e| e.name).collect(),
        name: String::new(),
        kind: "client".to_owned(),
        chosen_projects: Vec::new(),
        expires: String::new(),
        name_error: None,
        error: None,
    })
}

/// `GET /api-tokens?page=N`.
pub async fn list(
    State(state): State<AppState>,
    signed: SignedIn,
    Query(query): Query<PageQuery>,
) -> Response {
    if let Some(refused) = admins_only(&signed) {
        return refused;
    }
    match page(&state, &signed, &query).await {
        Ok(page) => render(StatusCode::OK, &page),
        Err(response) => response,
    }
}

#[derive(Template)]
#[template(path = "admin/token_created.html")]
struct CreatedPage {
    nav: Option<Nav>,
    name: String,
    kind: &'static str,
    secret: String,
}

/// The expiry field: a date (`2030-01-31`, a date input's value) means the
/// start of that day in UTC; anything else goes to the operation as written.
fn expiry(text: &str) -> Option<String> {
    let text = non_empty(text)?;
    Some(match chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
        Ok(_) => format!("{text}T00:00:00Z"),
        Err(_) => text,
    })
}

/// `POST /api-tokens`: `CreateToken`; the answer is the page with the secret.
pub async fn create(
    State(state): State<AppState>,
    signed: SignedIn,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Some(refused) = signed.csrf_refusal(field(&pairs, "_csrf")) {
        return refused;
    }
    if let Some(refused) = admins_only(&signed) {
        return refused;
    }
    let mut again = match page(&state, &signed, &PageQuery { page: None }).await {
        Ok(page) => page,
        Err(response) => return response,
    };
    again.name = field(&pairs, "name").unwrap_or_default().trim().to_owned();
    again.kind = field(&pairs, "type").unwrap_or_default().to_owned();
    again.chosen_projects = pairs
        .iter()
        .filter(|(k, v)| k == "projects" && !v.is_empty())
        .map(|(_, v)| v.clone())
        .collect();
    again.environment = field(&pairs, "environment").unwrap_or_default().to_owned();
    again.expires = field(&pairs, "expires").unwrap_or_default().to_owned();
    let Some(kind) = TokenKind::parse(&again.kind) else {
        again.error = Some("Choose client, frontend or admin.".to_owned());
        return render(StatusCode::BAD_REQUEST, &again);
    };
    let request = TokenRequest {
        name: again.name.clone(),
        kind,
        projects: again.chosen_projects.clone(),
        // The environment select is for client and frontend tokens; an admin
        // token covers every environment.
        environment: match kind {
            TokenKind::Admin => None,
            _ => non_empty(&again.environment),
        },
        expires_at: expiry(&again.expires),
    };
    match state
        .apply(&Actor::named(&signed.user.username), CreateToken(request))
        .await
    {
        Ok(created) => render(
            StatusCode::OK,
            &CreatedPage {
                nav: signed.nav(),
                kind: kind_label(created.row.token_type),
                name: created.row.token_name,
                secret: created.secret,
            },
        ),
        Err(OpError::Invalid { field, message }) => {
            if field.first_field() == Some("tokenName") {
                again.name_error = Some(message);
            } else {
                again.error = Some(message);
            }
            render(StatusCode::BAD_REQUEST, &again)
        }
        Err(e) => op_error(e, signed.nav()),
    }
}

/// `POST /api-tokens/{id}/delete`: `RevokeToken`.
pub async fn delete(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Some(refused) = refuse_change(&signed, field(&pairs, "_csrf")) {
        return refused;
    }
    if let Some(refused) = admins_only(&signed) {
        return refused;
    }
    let name = match state.store.tokens().await {
        Ok(tokens) => tokens
            .into_iter()
            .find(|t| t.id == id)
            .map_or_else(|| id.clone(), |t| t.token_name),
        Err(e) => return internal(e),
    };
    let question = format!("Delete the API token “{name}”?");
    let ask = Ask {
        question: &question,
        detail: "SDKs and scripts that use it are refused from then on.",
        button: "Delete token",
        cancel: "/api-tokens",
    };
    let action = format!("/api-tokens/{id}/delete");
    if let Some(page) = unconfirmed(&pairs, &action, &ask, signed.nav()) {
        return page;
    }
    let operation = RevokeToken { id_or_secret: id };
    match state
        .apply(&Actor::named(&signed.user.username), operation)
        .await
    {
        Ok(_) => done("/api-tokens", &format!("Deleted the API token “{name}”.")),
        Err(e) => op_error(e, signed.nav()),
    }
}
