//! Project and environment operations: create a project (every environment
//! enabled for it), create an environment, switch an environment on or off,
//! enable an environment for a project.

use serde::{Deserialize, Serialize};

use super::{Context, EnvironmentName, FieldPath, OpError, OpResult, Operation, ProjectId};
use crate::wire::{to_value, EnvironmentView, ProjectView};
use flagstaff_storage::{EnvironmentRow, EventKind, NewEvent, WriteTx};

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
        let count = w.projects().await?.len();
        if count >= cx.limits.projects {
            return Err(OpError::invalid_input(format!(
                "There are {count} projects: at most {} (the projects limit, MAX_PROJECTS)",
                cx.limits.projects
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
            created_by: actor.name.clone(),
            project: Some(project.id.clone()),
            data: Some(to_value(&project)),
            ..NewEvent::new(EventKind::ProjectCreated)
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
            return Err(OpError::invalid(
                FieldPath::root().field("type"),
                "an environment needs a type",
            ));
        }
        if w.environment_exists(&self.name).await? {
            return Err(OpError::Conflict(format!(
                "An environment named {} already exists",
                self.name
            )));
        }
        let count = w.environments().await?.len();
        if count >= cx.limits.environments {
            return Err(OpError::invalid_input(format!(
                "There are {count} environments: at most {} (the environments limit, MAX_ENVIRONMENTS)",
                cx.limits.environments
            )));
        }
        let environment = EnvironmentRow {
            name: self.name.into(),
            kind: kind.to_owned(),
            sort_order: self.sort_order.unwrap_or(1000),
            enabled: true,
        };
        w.insert_environment(&environment.name, &environment.kind, environment.sort_order)
            .await?;
        w.record_event(NewEvent {
            created_by: actor.name.clone(),
            environment: Some(environment.name.clone()),
            data: Some(to_value(&EnvironmentView::from(&environment))),
            ..NewEvent::new(EventKind::EnvironmentCreated)
        })
        .await?;
        Ok(environment)
    }
}

/// Switches an environment on or off (Unleash's
/// `POST /api/admin/environments/:name/on|off`); switching it to the state it
/// has changes nothing and records nothing.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SetEnvironmentEnabled {
    pub name: EnvironmentName,
    pub enabled: bool,
}

impl Operation for SetEnvironmentEnabled {
    type Output = ();

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        let Some(before) = w
            .environments()
            .await?
            .into_iter()
            .find(|e| e.name == self.name.as_str())
        else {
            return Err(OpError::NotFound(format!(
                "Could not find environment {}",
                self.name
            )));
        };
        if before.enabled == self.enabled {
            return Ok(());
        }
        let after = EnvironmentRow {
            enabled: self.enabled,
            ..before.clone()
        };
        w.switch_environment(&after.name, after.enabled).await?;
        w.record_event(NewEvent {
            created_by: cx.actor.name.clone(),
            environment: Some(after.name.clone()),
            pre_data: Some(to_value(&EnvironmentView::from(&before))),
            data: Some(to_value(&EnvironmentView::from(&after))),
            ..NewEvent::new(EventKind::EnvironmentUpdated)
        })
        .await?;
        Ok(())
    }
}

/// Adds an existing environment to a project; its flags get a
/// switched-off row there.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AddEnvironmentToProject {
    pub project: ProjectId,
    pub environment: EnvironmentName,
}

impl Operation for AddEnvironmentToProject {
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
            created_by: actor.name.clone(),
            project: Some(project.to_string()),
            environment: Some(environment.to_string()),
            ..NewEvent::new(EventKind::ProjectEnvironmentAdded)
        })
        .await?;
        Ok(())
    }
}

/// Renames a project or changes its description.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UpdateProject {
    pub id: ProjectId,
    pub name: String,
    pub description: Option<String>,
}

async fn existing_project(w: &mut WriteTx<'_>, id: &ProjectId) -> OpResult<ProjectView> {
    w.projects()
        .await?
        .into_iter()
        .find(|(project, _, _)| project == id.as_str())
        .map(|(id, name, description)| ProjectView {
            id,
            name,
            description,
        })
        .ok_or_else(|| OpError::NotFound(format!("Could not find project {id}")))
}

impl Operation for UpdateProject {
    type Output = ProjectView;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<ProjectView> {
        let before = existing_project(w, &self.id).await?;
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(OpError::invalid(
                FieldPath::root().field("name"),
                "a project name must be between 1 and 100 characters long",
            ));
        }
        let after = ProjectView {
            name: name.to_owned(),
            description: self.description,
            ..before.clone()
        };
        w.update_project(&after.id, &after.name, after.description.as_deref())
            .await?;
        w.record_event(NewEvent {
            created_by: cx.actor.name.clone(),
            project: Some(after.id.clone()),
            pre_data: Some(to_value(&before)),
            data: Some(to_value(&after)),
            ..NewEvent::new(EventKind::ProjectUpdated)
        })
        .await?;
        Ok(after)
    }
}

/// Deletes a project with no flags (archived ones included) that no API
/// token is scoped to; otherwise 409 saying what is left.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeleteProject {
    pub id: ProjectId,
}

impl Operation for DeleteProject {
    type Output = ();

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        let before = existing_project(w, &self.id).await?;
        let flags = w.project_flag_count(&self.id).await?;
        if flags > 0 {
            return Err(OpError::Conflict(format!(
                "Project {} has {flags} flags (archived ones included); delete them first",
                self.id
            )));
        }
        let tokens = w
            .tokens()
            .await?
            .iter()
            .filter(|t| t.projects.iter().any(|p| p == self.id.as_str()))
            .count();
        if tokens > 0 {
            return Err(OpError::Conflict(format!(
                "{tokens} API tokens are scoped to project {}; delete them first",
                self.id
            )));
        }
        let action_sets = w.action_sets(&self.id).await?.len();
        if action_sets > 0 {
            return Err(OpError::Conflict(format!(
                "Project {} has {action_sets} action sets; delete them first",
                self.id
            )));
        }
        w.delete_project(&self.id).await?;
        w.record_event(NewEvent {
            created_by: cx.actor.name.clone(),
            project: Some(before.id.clone()),
            pre_data: Some(to_value(&before)),
            ..NewEvent::new(EventKind::ProjectDeleted)
        })
        .await?;
        Ok(())
    }
}

/// Takes an environment away from a project (Unleash's
/// `DELETE /api/admin/projects/:p/environments/:env`); its flags' strategies,
/// variants and switches there are deleted. A project keeps at least one.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RemoveEnvironmentFromProject {
    pub project: ProjectId,
    pub environment: EnvironmentName,
}

impl Operation for RemoveEnvironmentFromProject {
    type Output = ();

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        super::project_environment(w, &self.project, &self.environment).await?;
        if w.project_environments(&self.project).await?.len() <= 1 {
            return Err(OpError::invalid_input(format!(
                "{} is the last environment of project {}",
                self.environment, self.project
            )));
        }
        w.unlink_project_environment(&self.project, &self.environment)
            .await?;
        w.record_event(NewEvent {
            created_by: cx.actor.name.clone(),
            project: Some(self.project.to_string()),
            environment: Some(self.environment.to_string()),
            ..NewEvent::new(EventKind::ProjectEnvironmentRemoved)
        })
        .await?;
        Ok(())
    }
}
