//! Project and environment operations: create a project (every environment
//! enabled for it), create an environment, enable an environment for a project.

use serde::{Deserialize, Serialize};

use super::{Context, EnvironmentName, OpError, OpResult, Operation, ProjectId};
use crate::storage::{EnvironmentRow, NewEvent, WriteTx};
use crate::wire::{to_value, EnvironmentView, ProjectView};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreateProject {
    pub id: ProjectId,
    /// Defaults to the id.
    pub name: Option<String>,
    pub description: Option<String>,
}

impl Operation for CreateProject {
    type Output = ProjectView;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<ProjectView> {
        let actor = &cx.actor;
        if w.project_exists(&self.id).await? {
            return Err(OpError::Conflict(format!(
                "A project with id {} already exists",
                self.id
            )));
        }
        let project = ProjectView {
            name: self.name.unwrap_or_else(|| self.id.to_string()),
            id: self.id.into(),
            description: self.description,
        };
        w.insert_project(&project.id, &project.name, project.description.as_deref())
            .await?;
        w.record_event(NewEvent {
            event_type: "project-created",
            created_by: actor.name.clone(),
            project: Some(project.id.clone()),
            data: Some(to_value(&project)),
            ..NewEvent::default()
        })
        .await?;
        Ok(project)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateEnvironment {
    pub name: EnvironmentName,
    /// Unleash's environment type (`development`, `production`, …): free text, required.
    pub kind: String,
    /// Defaults to 1000 (after the built-in ones).
    pub sort_order: Option<i64>,
}

impl Operation for CreateEnvironment {
    type Output = EnvironmentRow;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<EnvironmentRow> {
        let actor = &cx.actor;
        let kind = self.kind.trim();
        if kind.is_empty() {
            return Err(OpError::Invalid("\"type\" is required".to_owned()));
        }
        if w.environment_exists(&self.name).await? {
            return Err(OpError::Conflict(format!(
                "An environment named {} already exists",
                self.name
            )));
        }
        let environment = EnvironmentRow {
            name: self.name.into(),
            kind: kind.to_owned(),
            sort_order: self.sort_order.unwrap_or(1000),
        };
        w.insert_environment(&environment.name, &environment.kind, environment.sort_order)
            .await?;
        w.record_event(NewEvent {
            event_type: "environment-created",
            created_by: actor.name.clone(),
            environment: Some(environment.name.clone()),
            data: Some(to_value(&EnvironmentView::from(&environment))),
            ..NewEvent::default()
        })
        .await?;
        Ok(environment)
    }
}

/// Enables an existing environment for a project; its flags get a
/// switched-off row there.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnableEnvironment {
    pub project: ProjectId,
    pub environment: EnvironmentName,
}

impl Operation for EnableEnvironment {
    type Output = ();

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        let actor = &cx.actor;
        let (project, environment) = (&self.project, &self.environment);
        if !w.project_exists(project).await? {
            return Err(OpError::NotFound(format!(
                "Could not find project {project}"
            )));
        }
        if !w.environment_exists(environment).await? {
            return Err(OpError::NotFound(format!(
                "Could not find environment {environment}"
            )));
        }
        if w.project_environments(project)
            .await?
            .iter()
            .any(|e| e.name == environment.as_str())
        {
            return Err(OpError::Conflict(format!(
                "Environment {environment} is already enabled for project {project}"
            )));
        }
        w.link_project_environment(project, environment).await?;
        w.record_event(NewEvent {
            event_type: "project-environment-added",
            created_by: actor.name.clone(),
            project: Some(project.to_string()),
            environment: Some(environment.to_string()),
            ..NewEvent::default()
        })
        .await?;
        Ok(())
    }
}
