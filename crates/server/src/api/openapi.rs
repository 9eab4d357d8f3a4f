//! The API's OpenAPI 3.1 document, `GET /docs/openapi.json`, and a page that
//! lists it, `GET /docs` (both public, as Unleash's `/docs/openapi`).
//!
//! Each area documents its handlers with `#[utoipa::path]` next to them and
//! lists them in a `doc()` of its own, which [`area`] gives the area's tag
//! and unique operation ids. [`document`] merges the areas and then applies
//! the rules every operation shares, in one place, so they cannot drift from
//! what the extractors do: the token scheme and its 401/403/429, a 404 for a
//! path naming nothing, 400/413/415 for a JSON body, 400 for a query string
//! or numeric path segment that does not parse, and Unleash's error shape on
//! every error response. The route registry (`api::routes`) records what the
//! router serves; the OpenAPI test holds the two to each other.

use std::sync::LazyLock;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::openapi::path::{Operation, Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ContentBuilder, ObjectBuilder, OpenApi, Ref, RefOr, Required, ResponseBuilder, Schema, Type,
};
use utoipa::{OpenApi as _, ToSchema};

use crate::api::routes::{get, Routes};

mod page;

/// The security scheme's name: a token in the `Authorization` header.
const TOKEN_SCHEME: &str = "apiKey";

pub fn router() -> Routes {
    Routes::new()
        .route("/docs/openapi.json", get(openapi_json))
        .route("/docs", get(page::docs_page))
}

/// Unleash's error body. The client, frontend and OFREP APIs answer a missing
/// or wrong token with only `message`.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// A unique id of this error, for the log.
    id: Option<String>,
    /// The kind of error (`BadDataError`, `NotFoundError`, ...).
    name: Option<String>,
    message: String,
    details: Option<Vec<ErrorDetail>>,
}

/// One thing wrong with the request (`description`: the same text, as Unleash).
#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    message: String,
    description: Option<String>,
    /// The field at fault from the body's root, as JavaScript reaches it; absent when none is.
    #[schema(example = "strategies[0].constraints[3].values")]
    path: Option<String>,
}

/// An OFREP evaluation error.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OfrepError<'a> {
    /// `INVALID_CONTEXT`, `FLAG_NOT_FOUND`, ...
    pub error_code: &'a str,
    pub error_details: String,
    /// The flag asked about (absent for a bulk evaluation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<&'a str>,
}

/// An area's part of the document, with the area's tag on every operation
/// and operation ids unique across the document (`<prefix>_<handler>`).
pub fn area(mut openapi: OpenApi, tag: &str, prefix: &str) -> OpenApi {
    for item in openapi.paths.paths.values_mut() {
        for (_, operation) in operations(item) {
            operation.tags = Some(vec![tag.to_owned()]);
            if let Some(id) = &operation.operation_id {
                operation.operation_id = Some(format!("{prefix}_{id}"));
            }
        }
    }
    openapi
}

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Flagstaff",
        description = "Flagstaff's HTTP API: Unleash's client, frontend, admin, Edge and OFREP APIs. \
            Send an API token in the `Authorization` header: an admin token for `/api/admin`, a \
            client (backend) token for `/api/client`, a frontend token for `/api/frontend`, \
            a client or frontend token for OFREP."
    ),
    paths(openapi_json, page::docs_page),
    components(schemas(ErrorBody, OfrepError))
)]
struct DocsApi;

/// The whole document, built once.
pub fn document() -> &'static OpenApi {
    static DOCUMENT: LazyLock<OpenApi> = LazyLock::new(|| {
        let mut openapi = area(DocsApi::openapi(), "Docs", "docs");
        for area in [
            super::health::doc(),
            super::client::doc(),
            super::streaming::doc(),
            super::client_metrics::doc(),
            super::frontend::doc(),
            super::edge::doc(),
            super::ofrep::doc(),
            super::signal_endpoint::doc(),
            super::prometheus::doc(),
            super::admin::doc(),
            super::auth_routes::doc(),
        ] {
            openapi.merge(area);
        }
        shared_rules(&mut openapi);
        openapi
    });
    &DOCUMENT
}

/// The document as served.
fn document_json() -> &'static str {
    static JSON: LazyLock<String> = LazyLock::new(|| {
        serde_json::to_string_pretty(document()).unwrap_or_else(|_| "{}".to_owned())
    });
    &JSON
}

/// The operations of a path item, with their methods.
pub fn operations(
    item: &mut utoipa::openapi::PathItem,
) -> impl Iterator<Item = (&'static str, &mut Operation)> {
    [
        ("GET", item.get.as_mut()),
        ("PUT", item.put.as_mut()),
        ("POST", item.post.as_mut()),
        ("DELETE", item.delete.as_mut()),
        ("PATCH", item.patch.as_mut()),
        ("HEAD", item.head.as_mut()),
        ("OPTIONS", item.options.as_mut()),
        ("TRACE", item.trace.as_mut()),
    ]
    .into_iter()
    .filter_map(|(method, operation)| operation.map(|o| (method, o)))
}

/// What a path parameter of this name is, for the parameters the handlers
/// do not declare themselves (all text).
fn path_parameter_description(name: &str) -> &'static str {
    match name {
        "project" => "A project's id",
        "feature" => "A flag's name",
        "environment" => "An environment's name",
        "strategy" => "A strategy's id",
        "parent" => "The parent flag's name",
        "name" => "The name of what the path names",
        "type" => "A tag type's name",
        "value" => "A tag's value",
        "token" => "A token's secret or id",
        "app" => "An application's name",
        "key" => "A flag's name (OFREP key)",
        "id" => "An id",
        _ => "A path segment",
    }
}

/// The rules every operation shares (see the module comment).
fn shared_rules(openapi: &mut OpenApi) {
    let components = openapi.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        TOKEN_SCHEME,
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
            "Authorization",
            "An API token (`Bearer ` before it is optional)",
        ))),
    );
    for (path, item) in &mut openapi.paths.paths {
        for (_, operation) in operations(item) {
            operation_rules(path, operation);
        }
    }
}

fn operation_rules(path: &str, operation: &mut Operation) {
    let public = operation
        .security
        .as_ref()
        .is_some_and(|s| s.iter().all(|r| *r == SecurityRequirement::default()));
    operation.security = if public {
        None
    } else {
        Some(vec![SecurityRequirement::new(
            TOKEN_SCHEME,
            Vec::<String>::new(),
        )])
    };
    let parameters = operation.parameters.get_or_insert_with(Vec::new);
    let mut named = Vec::new();
    for segment in path.split('/') {
        if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            named.push(name.to_owned());
        }
    }
    for name in &named {
        if !parameters
            .iter()
            .any(|p| p.name == *name && p.parameter_in == ParameterIn::Path)
        {
            parameters.push(text_path_parameter(name));
        }
    }
    let numeric_path = parameters.iter().any(|p| {
        p.parameter_in == ParameterIn::Path
            && matches!(&p.schema, Some(RefOr::T(Schema::Object(o)))
                if matches!(o.schema_type, utoipa::openapi::schema::SchemaType::Type(Type::Integer)))
    });
    let query = parameters
        .iter()
        .any(|p| p.parameter_in == ParameterIn::Query);
    if parameters.is_empty() {
        operation.parameters = None;
    }
    let lenient_body = path.starts_with("/ofrep/") || path.starts_with("/api/signal-endpoint/");
    let mut statuses: Vec<(&str, &str)> = Vec::new();
    if !public {
        statuses.push(("401", "No token, or not a live token"));
        if !path.starts_with("/api/signal-endpoint/") {
            statuses.push(("403", "A token of another kind"));
        }
        statuses.push((
            "429",
            "Too many requests with a wrong or missing token from this address",
        ));
    }
    if !named.is_empty() {
        statuses.push(("404", "The path names nothing"));
    }
    if numeric_path || query {
        statuses.push(("400", "A path segment or query parameter does not parse"));
    }
    if path.starts_with("/api/admin/") || path.starts_with("/api/signal-endpoint/") {
        statuses.push((
            "503",
            "The database is unreachable: nothing was done or stored; try again after `Retry-After` seconds",
        ));
    }
    if operation.request_body.is_some() {
        statuses.push(("400", "The body is not valid"));
        statuses.push(("413", "The body is over the size limit"));
        if !lenient_body {
            statuses.push(("415", "The body is not `application/json`"));
        }
    }
    let responses = &mut operation.responses.responses;
    for (status, description) in statuses {
        responses.entry(status.to_owned()).or_insert_with(|| {
            ResponseBuilder::new()
                .description(description)
                .build()
                .into()
        });
    }
    for (status, response) in responses.iter_mut() {
        let error = status.starts_with('4') || status.starts_with('5');
        if let (true, RefOr::T(response)) = (error, response) {
            if response.content.is_empty() {
                response.content.insert(
                    "application/json".to_owned(),
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                );
            }
        }
    }
}

fn text_path_parameter(name: &str) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .description(Some(path_parameter_description(name)))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1)),
        ))
        .build()
}

/// The OpenAPI document.
#[utoipa::path(
    get,
    path = "/docs/openapi.json",
    summary = "This API's OpenAPI document",
    security(()),
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json", body = Object,
        example = json!({"openapi": "3.1.0", "info": {"title": "Flagstaff", "version": "0.1.0"}, "paths": {}})))
)]
async fn openapi_json() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        document_json(),
    )
        .into_response()
}
