//! Protected environments (`SetChangeRequestConfig` says which): where a
//! project environment needs change requests,
//! [`super::apply`] refuses every operation that says it changes a flag there
//! ([`Operation::flag_scopes`]), decided under the change lock as maintenance
//! mode is. Applying an approved change request runs its operations inside
//! its own operation (not through `apply`), so they pass.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{
    project_environment, Context, EnvironmentName, FieldPath, OpError, OpResult, Operation,
    ProjectId,
};
use flagstaff_storage::{EventKind, NewEvent, WriteTx};

/// The most approvals a project environment may require (Unleash's bound).
pub const MAX_APPROVALS: i64 = 10;

/// Whether changes to a project environment need a change request, and how
/// many approvals (`PUT …/environments/:env/change-requests/config`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SetChangeRequestConfig {
    pub project: ProjectId,
    pub environment: EnvironmentName,
    pub enabled: bool,
    /// 1 to [`MAX_APPROVALS`]; absent: 1.
    pub required_approvals: Option<i64>,
}

impl Operation for SetChangeRequestConfig {
    type Output = ();

    fn check(&self, _cx: &Context) -> OpResult<()> {
        match self.required_approvals {
            Some(n) if !(1..=MAX_APPROVALS).contains(&n) => Err(OpError::invalid(
                FieldPath::root().field("requiredApprovals"),
                format!("requiredApprovals must be between 1 and {MAX_APPROVALS}"),
            )),
            _ => Ok(()),
        }
    }

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        project_environment(w, &self.project, &self.environment).await?;
        let approvals = self.required_approvals.unwrap_or(1);
        let (project, environment) = (self.project.as_str(), self.environment.as_str());
        let before = w.change_request_setting(project, environment).await?;
        let after = self.enabled.then_some(approvals);
        w.set_change_request_setting(project, environment, after)
            .await?;
        let view = |setting: Option<i64>| {
            json!({"project": project, "environment": environment,
                "changeRequestsEnabled": setting.is_some(), "requiredApprovals": setting.unwrap_or(approvals)})
        };
        w.record_event(NewEvent {
            created_by: cx.actor.name.clone(),
            project: Some(project.to_owned()),
            environment: Some(environment.to_owned()),
            pre_data: Some(view(before)),
            data: Some(view(after)),
            ..NewEvent::new(EventKind::ChangeRequestConfigurationUpdated)
        })
        .await?;
        Ok(())
    }
}

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
