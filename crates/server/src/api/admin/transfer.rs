//! Export and import in Unleash's format (`/api/admin/features-batch/…`):
//! `export` answers the document (with `downloadFile`, as an attachment),
//! `validate` lists what an import would refuse or change, `import` applies
//! the file as one change. The rules are `ops::ExportFlags`/`ops::ImportFlags`.

use crate::api::routes::{post, Routes};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use crate::api::ApiObject;
use crate::auth::AdminToken;
use crate::error::ApiResult;
use crate::state::AppState;
use flagstaff_domain::ops::{EnvironmentName, ExportFlags, ImportFlags, ProjectId};
use flagstaff_domain::wire::transfer::{ExportDocument, ImportReport};

pub fn router() -> Routes {
    let batch = "/api/admin/features-batch";
    Routes::new()
        .route(&format!("{batch}/export"), post(export))
        .route(&format!("{batch}/validate"), post(validate))
        .route(&format!("{batch}/import"), post(import))
}

/// Unleash's exportQuerySchema: the environment, and the flags by name, by
/// tag (`type:value`) or by project (else every flag); `downloadFile` answers
/// the document as an attachment.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"environment": "production", "project": "default", "downloadFile": false}))]
struct ExportBody {
    environment: String,
    #[serde(default)]
    features: Option<Vec<String>>,
    #[serde(default)]
    tag: Option<String>,
    #[serde(default)]
    project: Option<String>,
    #[serde(default)]
    download_file: Option<bool>,
}

#[utoipa::path(
    post,
    path = "/api/admin/features-batch/export",
    summary = "Exports flags in Unleash's export format",
    request_body = ExportBody,
    responses(
        (status = 200, description = "The export document", body = ExportDocument),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn export(
    State(state): State<AppState>,
    admin: AdminToken,
    ApiObject(body): ApiObject<ExportBody>,
) -> ApiResult<Response> {
    let operation = ExportFlags {
        environment: EnvironmentName::parse(&body.environment)?,
        project: body.project.as_deref().map(ProjectId::parse).transpose()?,
        features: body.features,
        tag: body.tag,
    };
    let document = state.apply(&admin.actor(), operation).await?;
    let mut response = Json(document).into_response();
    if body.download_file == Some(true) {
        let name = format!(
            "attachment; filename=\"export-{}.json\"",
            state.clock.now().format("%Y-%m-%dT%H-%M-%S")
        );
        if let Ok(value) = name.parse() {
            response
                .headers_mut()
                .insert(header::CONTENT_DISPOSITION, value);
        }
    }
    Ok(response)
}

/// Unleash's importTogglesSchema, and `overwrite` (Flagstaff's confirmation
/// that flags the project already has may be updated).
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"project": "default", "environment": "production", "overwrite": false,
    "data": {"features": [{"name": "new-checkout", "type": "release"}],
        "featureStrategies": [{"name": "flexibleRollout", "featureName": "new-checkout",
            "parameters": {"groupId": "new-checkout", "rollout": "50", "stickiness": "default"}}],
        "featureEnvironments": [{"featureName": "new-checkout", "enabled": true}],
        "featureTags": [{"featureName": "new-checkout", "tagType": "simple", "tagValue": "checkout"}],
        "tagTypes": [{"name": "simple"}]}}))]
struct ImportBody {
    project: String,
    environment: String,
    data: ExportDocument,
    #[serde(default)]
    overwrite: Option<bool>,
}

impl ImportBody {
    fn operation(self) -> ApiResult<ImportFlags> {
        Ok(ImportFlags {
            project: ProjectId::parse(&self.project)?,
            environment: EnvironmentName::parse(&self.environment)?,
            data: self.data,
            overwrite: self.overwrite.unwrap_or(false),
        })
    }
}

#[utoipa::path(
    post,
    path = "/api/admin/features-batch/validate",
    summary = "What an import would change, and what stops it",
    request_body = ImportBody,
    responses(
        (status = 200, description = "What stops the import, and what it would change", body = ImportReport),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn validate(
    State(state): State<AppState>,
    admin: AdminToken,
    ApiObject(body): ApiObject<ImportBody>,
) -> ApiResult<Json<ImportReport>> {
    Ok(Json(
        state
            .domain()
            .validate_import(&admin.actor(), &body.operation()?)
            .await?,
    ))
}

#[utoipa::path(
    post,
    path = "/api/admin/features-batch/import",
    summary = "Imports flags into a project and environment",
    request_body = ImportBody,
    responses(
        (status = 200, description = "Imported"),
        (status = 400, description = "Invalid input"),
        (status = 404, description = "Not found"),
        (status = 409, description = "Conflicts with what is stored"),
    )
)]
async fn import(
    State(state): State<AppState>,
    admin: AdminToken,
    ApiObject(body): ApiObject<ImportBody>,
) -> ApiResult<StatusCode> {
    state.apply(&admin.actor(), body.operation()?).await?;
    Ok(StatusCode::OK)
}

/// This area's part of the OpenAPI document.
pub(super) fn doc() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(export, validate, import))]
    struct Doc;
    crate::api::openapi::area(Doc::openapi(), "Admin: export and import", "transfer")
}
