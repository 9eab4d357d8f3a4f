//! Context-field operations: create, change, add or remove a legal value,
//! delete. A field is global or belongs to one project (Unleash's
//! project-specific context fields); an operation made through a project's
//! routes (`scope`) finds only that project's fields there.

/// The context fields every SDK sends (Unleash's built-in ones): top-level
/// fields of a context, offered in every constraint editor besides the stored ones.
pub const STANDARD_CONTEXT_FIELDS: [&str; 6] = [
    "appName",
    "environment",
    "userId",
    "sessionId",
    "remoteAddress",
    "currentTime",
];

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Actor, Context, FieldPath, OpError, OpResult, Operation, ProjectId};
use crate::wire::{to_value, ContextFieldView};
use flagstaff_storage::{now, ContextFieldRow, EventKind, NewEvent, StorageError, WriteTx};

/// A context field's name, trimmed: 1–100 characters.
pub fn check_context_name(name: &str) -> OpResult<&str> {
    let name = name.trim();
    if name.is_empty() || name.len() > 100 {
        return Err(OpError::invalid(
            FieldPath::root().field("name"),
            "a context field needs a name of 1–100 characters",
        ));
    }
    Ok(name)
}

/// A context field as the admin API receives it; absent fields keep their
/// current value on update.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"name": "region", "description": "Where the user is", "stickiness": false,
    "sortOrder": 10, "legalValues": [{"value": "eu", "description": "Europe"}, {"value": "us"}]}))]
pub struct ContextFieldInput {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub stickiness: Option<bool>,
    #[serde(default)]
    pub sort_order: Option<i64>,
    #[serde(default)]
    pub legal_values: Option<Vec<LegalValue>>,
    /// The project the field belongs to (on create; a project's routes set
    /// it); absent or null: a global field.
    #[serde(default)]
    pub project: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"value": "eu", "description": "Europe"}))]
pub struct LegalValue {
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Legal values are unique and 1–100 characters.
fn legal_values(values: Vec<LegalValue>) -> OpResult<Vec<Value>> {
    let mut seen = std::collections::HashSet::new();
    values
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            if v.value.is_empty() || v.value.len() > 100 || !seen.insert(v.value.clone()) {
                return Err(OpError::invalid(
                    FieldPath::root()
                        .field("legalValues")
                        .index(i)
                        .field("value"),
                    format!("legal values are unique, 1–100 characters: {:?}", v.value),
                ));
            }
            Ok(serde_json::to_value(v).unwrap_or(Value::Null))
        })
        .collect()
}

/// Stores the field and records its event.
async fn save(
    w: &mut WriteTx<'_>,
    actor: &Actor,
    before: Option<&ContextFieldRow>,
    after: &ContextFieldRow,
) -> OpResult<()> {
    w.upsert_context_field(after).await?;
    w.record_event(NewEvent {
        created_by: actor.name.clone(),
        pre_data: before.map(|b| to_value(&ContextFieldView::from(b))),
        data: Some(to_value(&ContextFieldView::from(after))),
        project: after.project.clone(),
        ..NewEvent::new(if before.is_some() {
            EventKind::ContextFieldUpdated
        } else {
            EventKind::ContextFieldCreated
        })
    })
    .await?;
    Ok(())
}

/// The field `name`, if it is found where the operation looks: anywhere
/// (`scope` none), or among one project's fields (Unleash: a 404 naming both).
async fn scoped_field(
    w: &mut WriteTx<'_>,
    name: &str,
    scope: Option<&ProjectId>,
) -> OpResult<ContextFieldRow> {
    let field = w.context_field(name).await?;
    match scope {
        Some(p) if field.project.as_deref() != Some(p.as_str()) => Err(OpError::NotFound(format!(
            "Could not find context field {name} in project {}",
            p.as_str()
        ))),
        _ => Ok(field),
    }
}

/// The project exists: a 404 for the one a route names, a 400 on `project`
/// for the one a body names.
async fn check_project(w: &mut WriteTx<'_>, project: &str, in_route: bool) -> OpResult<()> {
    if w.project_exists(project).await? {
        return Ok(());
    }
    let message = format!("Could not find project {project}");
    Err(if in_route {
        OpError::NotFound(message)
    } else {
        OpError::invalid(FieldPath::root().field("project"), message)
    })
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreateContextField {
    pub field: ContextFieldInput,
    /// The project whose routes create it; it wins over the body's `project`.
    #[serde(default)]
    pub scope: Option<ProjectId>,
}

impl Operation for CreateContextField {
    type Output = ContextFieldRow;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<ContextFieldRow> {
        let actor = &cx.actor;
        let input = self.field;
        let name = check_context_name(input.name.as_deref().unwrap_or_default())?;
        let project = match (&self.scope, input.project.as_deref()) {
            (Some(p), _) => {
                check_project(w, p.as_str(), true).await?;
                Some(p.as_str().to_owned())
            }
            (None, Some(p)) if !p.is_empty() => {
                check_project(w, p, false).await?;
                Some(p.to_owned())
            }
            (None, _) => None,
        };
        match w.context_field(name).await {
            Err(StorageError::NotFound(_)) => {}
            Ok(_) => {
                return Err(OpError::Conflict(format!(
                    "A context field with name {name:?} already exists"
                )))
            }
            Err(e) => return Err(e.into()),
        }
        let field = ContextFieldRow {
            name: name.to_owned(),
            description: input.description,
            stickiness: input.stickiness.unwrap_or(false),
            sort_order: input.sort_order.unwrap_or(10),
            legal_values: legal_values(input.legal_values.unwrap_or_default())?,
            created_at: now(),
            project,
        };
        save(w, actor, None, &field).await?;
        Ok(field)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UpdateContextField {
    pub name: String,
    pub field: ContextFieldInput,
    #[serde(default)]
    pub scope: Option<ProjectId>,
}

impl Operation for UpdateContextField {
    type Output = ContextFieldRow;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<ContextFieldRow> {
        let actor = &cx.actor;
        let before = scoped_field(w, &self.name, self.scope.as_ref()).await?;
        let input = self.field;
        let after = ContextFieldRow {
            description: input.description.or(before.description.clone()),
            stickiness: input.stickiness.unwrap_or(before.stickiness),
            sort_order: input.sort_order.unwrap_or(before.sort_order),
            legal_values: match input.legal_values {
                Some(values) => legal_values(values)?,
                None => before.legal_values.clone(),
            },
            ..before.clone()
        };
        save(w, actor, Some(&before), &after).await?;
        Ok(after)
    }
}

/// Adds a legal value to a field, or replaces the one with the same value.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AddLegalValue {
    pub name: String,
    pub value: LegalValue,
    #[serde(default)]
    pub scope: Option<ProjectId>,
}

impl Operation for AddLegalValue {
    type Output = ContextFieldRow;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<ContextFieldRow> {
        let actor = &cx.actor;
        let before = scoped_field(w, &self.name, self.scope.as_ref()).await?;
        if self.value.value.is_empty() || self.value.value.len() > 100 {
            return Err(OpError::invalid(
                FieldPath::root().field("value"),
                "a legal value is 1–100 characters",
            ));
        }
        let mut values: Vec<LegalValue> = before
            .legal_values
            .iter()
            .filter_map(|v| serde_json::from_value(v.clone()).ok())
            .filter(|v: &LegalValue| v.value != self.value.value)
            .collect();
        values.push(self.value);
        let after = ContextFieldRow {
            legal_values: legal_values(values)?,
            ..before.clone()
        };
        save(w, actor, Some(&before), &after).await?;
        Ok(after)
    }
}

/// Removes a legal value from a field (one it does not have: nothing to do,
/// and no revision).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RemoveLegalValue {
    pub name: String,
    pub value: String,
    #[serde(default)]
    pub scope: Option<ProjectId>,
}

impl Operation for RemoveLegalValue {
    type Output = ContextFieldRow;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<ContextFieldRow> {
        let before = scoped_field(w, &self.name, self.scope.as_ref()).await?;
        let kept: Vec<Value> = before
            .legal_values
            .iter()
            .filter(|v| v.get("value").and_then(Value::as_str) != Some(self.value.as_str()))
            .cloned()
            .collect();
        if kept.len() == before.legal_values.len() {
            return Ok(before);
        }
        let after = ContextFieldRow {
            legal_values: kept,
            ..before.clone()
        };
        save(w, &cx.actor, Some(&before), &after).await?;
        Ok(after)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeleteContextField {
    pub name: String,
    #[serde(default)]
    pub scope: Option<ProjectId>,
}

impl Operation for DeleteContextField {
    type Output = ();

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        let actor = &cx.actor;
        let before = scoped_field(w, &self.name, self.scope.as_ref()).await?;
        if !w
            .strategies_using_context_field(&self.name, None)
            .await?
            .is_empty()
        {
            return Err(OpError::Conflict(
                "This context field is in use by existing flags. To delete it, first remove its usage from all flags."
                    .to_owned(),
            ));
        }
        w.delete_context_field(&self.name).await?;
        w.record_event(NewEvent {
            created_by: actor.name.clone(),
            pre_data: Some(to_value(&ContextFieldView::from(&before))),
            project: before.project.clone(),
            ..NewEvent::new(EventKind::ContextFieldDeleted)
        })
        .await?;
        Ok(())
    }
}
