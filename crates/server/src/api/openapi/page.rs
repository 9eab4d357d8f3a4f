//! `GET /docs`: the OpenAPI document as a server-rendered page (no script, no
//! CDN). Every operation with its parameters' statuses, its request and
//! response bodies (a link to the named schema, or the inline schema) and an
//! example of each body; then every named schema, as JSON.

use askama::Template;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use utoipa::openapi::{Content, OpenApi, RefOr, Schema};

use super::{document, operations};

/// A request or response body as the page shows it.
struct Body {
    /// `200`, `201`, ... for a response; empty for the request body.
    status: String,
    description: String,
    content_type: String,
    /// The named schema, when the body is one (linked to its entry).
    schema_name: Option<String>,
    /// The inline schema as JSON, when the body is not a named one.
    inline_schema: Option<String>,
    /// An example, as pretty JSON: the body's own, else its schema's.
    example: Option<String>,
}

/// One operation as the page lists it.
struct Listed {
    method: &'static str,
    path: String,
    summary: String,
    statuses: String,
    request: Option<Body>,
    responses: Vec<Body>,
}

struct Group {
    tag: String,
    operations: Vec<Listed>,
}

/// A named schema and its JSON.
struct Named {
    name: String,
    json: String,
}

#[derive(Template)]
#[template(path = "docs.html")]
struct DocsPage {
    nav: Option<crate::ui::Nav>,
    groups: Vec<Group>,
    schemas: Vec<Named>,
    total: usize,
}

fn pretty(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// The example a named schema carries (`example`, or the first of `examples`).
fn schema_example(openapi: &OpenApi, name: &str) -> Option<serde_json::Value> {
    let schema = openapi.components.as_ref()?.schemas.get(name)?;
    let json = serde_json::to_value(schema).ok()?;
    json.get("example")
        .cloned()
        .or_else(|| json.get("examples")?.get(0).cloned())
}

/// The body of one content type (the first: bodies here have one).
fn body(
    openapi: &OpenApi,
    status: &str,
    description: &str,
    content: &[(&String, &Content)],
) -> Option<Body> {
    let (content_type, content) = content.first()?;
    let (schema_name, inline_schema) = match &content.schema {
        Some(RefOr::Ref(r)) => (r.ref_location.rsplit('/').next().map(str::to_owned), None),
        Some(RefOr::T(schema)) => (None, Some(pretty(schema))),
        None => (None, None),
    };
    let own = content.example.clone().or_else(|| {
        content.examples.values().find_map(|e| match e {
            RefOr::T(e) => e.value.clone(),
            RefOr::Ref(_) => None,
        })
    });
    let example = own
        .or_else(|| schema_example(openapi, schema_name.as_deref()?))
        .map(|e| pretty(&e));
    Some(Body {
        status: status.to_owned(),
        description: description.to_owned(),
        content_type: (*content_type).clone(),
        schema_name,
        inline_schema,
        example,
    })
}

/// The operations grouped by tag, tags and paths in alphabetical order.
fn groups(openapi: &OpenApi) -> Vec<Group> {
    let mut paths = openapi.paths.clone();
    let mut groups: Vec<Group> = Vec::new();
    for (path, item) in &mut paths.paths {
        for (method, operation) in operations(item) {
            let tag = operation
                .tags
                .as_ref()
                .and_then(|t| t.first().cloned())
                .unwrap_or_default();
            let request = operation.request_body.as_ref().and_then(|r| {
                let content: Vec<_> = r.content.iter().collect();
                body(
                    openapi,
                    "",
                    r.description.as_deref().unwrap_or(""),
                    &content,
                )
            });
            let responses = operation
                .responses
                .responses
                .iter()
                .filter(|(status, _)| status.starts_with('2'))
                .filter_map(|(status, response)| match response {
                    RefOr::T(response) => {
                        let content: Vec<_> = response.content.iter().collect();
                        body(openapi, status, &response.description, &content)
                    }
                    RefOr::Ref(_) => None,
                })
                .collect();
            let listed = Listed {
                method,
                path: path.clone(),
                summary: operation.summary.clone().unwrap_or_default(),
                statuses: operation
                    .responses
                    .responses
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" "),
                request,
                responses,
            };
            match groups.iter_mut().find(|g| g.tag == tag) {
                Some(group) => group.operations.push(listed),
                None => groups.push(Group {
                    tag,
                    operations: vec![listed],
                }),
            }
        }
    }
    groups.sort_by(|a, b| a.tag.cmp(&b.tag));
    for group in &mut groups {
        group
            .operations
            .sort_by(|a, b| (&a.path, a.method).cmp(&(&b.path, b.method)));
    }
    groups
}

/// Every named schema, in name order.
fn schemas(openapi: &OpenApi) -> Vec<Named> {
    let mut named: Vec<Named> = openapi
        .components
        .iter()
        .flat_map(|c| c.schemas.iter())
        .map(|(name, schema): (&String, &RefOr<Schema>)| Named {
            name: name.clone(),
            json: pretty(schema),
        })
        .collect();
    named.sort_by(|a, b| a.name.cmp(&b.name));
    named
}

/// A page listing every operation and schema.
#[utoipa::path(
    get,
    path = "/docs",
    summary = "This page: every operation, by area, with its bodies' schemas and examples",
    security(()),
    responses((status = 200, description = "An HTML page", content_type = "text/html"))
)]
pub(super) async fn docs_page() -> Response {
    let openapi = document();
    let groups = groups(openapi);
    let total = groups.iter().map(|g| g.operations.len()).sum();
    let mut response = crate::ui::render(
        StatusCode::OK,
        &DocsPage {
            nav: None,
            groups,
            schemas: schemas(openapi),
            total,
        },
    );
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}
