//! Protected environments: where a project environment needs change requests,
//! [`super::apply`] refuses every operation that says it changes a flag there
//! ([`Operation::flag_scopes`]), decided under the change lock as maintenance
//! mode is. Applying an approved change request runs its operations inside
//! its own operation (not through `apply`), so they pass.

use super::{EnvironmentName, OpError, OpResult, Operation, ProjectId};
use flagstaff_storage::WriteTx;

/// Where an operation changes what flags evaluate to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlagScope {
    /// Flags of the project in this one environment.
    Environment {
        project: ProjectId,
        environment: EnvironmentName,
    },
    /// Flags of the project in every environment (archiving, dependencies,
    /// an import): refused when any of its environments is protected, as
    /// Unleash's `canBypassChangeRequestForProject`.
    Project(ProjectId),
}

impl FlagScope {
    pub fn environment(project: &ProjectId, environment: &EnvironmentName) -> FlagScope {
        FlagScope::Environment {
            project: project.clone(),
            environment: environment.clone(),
        }
    }
}

/// Unleash's refusal (a `PermissionError` naming `SKIP_CHANGE_REQUEST`), with
/// where the change goes instead.
fn refusal(project: &ProjectId, environment: &str) -> OpError {
    OpError::ChangeRequestRequired(format!(
        "You don't have the required permissions to perform this operation. To perform this \
         action, you need the \"SKIP_CHANGE_REQUEST\" permission: changes to environment \
         {environment} of project {project} need an approved change request (add it with POST \
         /api/admin/projects/{project}/environments/{environment}/change-requests)"
    ))
}

/// Refuses `operation` when it changes flags where change requests are required.
pub(super) async fn refuse_protected<O: Operation>(
    w: &mut WriteTx<'_>,
    operation: &O,
) -> OpResult<()> {
    for scope in operation.flag_scopes() {
        match scope {
            FlagScope::Environment {
                project,
                environment,
            } => {
                if w.change_request_setting(project.as_str(), environment.as_str())
                    .await?
                    .is_some()
                {
                    return Err(refusal(&project, environment.as_str()));
                }
            }
            FlagScope::Project(project) => {
                if let Some((environment, _)) = w
                    .change_request_settings(project.as_str())
                    .await?
                    .into_iter()
                    .next()
                {
                    return Err(refusal(&project, &environment));
                }
            }
        }
    }
    Ok(())
}
