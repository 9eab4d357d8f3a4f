//! Context-field operations: create, change, add a legal value, delete.

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

use super::{Actor, Context, FieldPath, OpError, OpResult, Operation};
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
        ..NewEvent::new(if before.is_some() {
            EventKind::ContextFieldUpdated
        } else {
            EventKind::ContextFieldCreated
        })
    })
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreateContextField {
    pub field: ContextFieldInput,
}

impl Operation for CreateContextField {
    type Output = ContextFieldRow;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<ContextFieldRow> {
        let actor = &cx.actor;
        let input = self.field;
        let name = check_context_name(input.name.as_deref().unwrap_or_default())?;
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
        };
        save(w, actor, None, &field).await?;
        Ok(field)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UpdateContextField {
    pub name: String,
    pub field: ContextFieldInput,
}

impl Operation for UpdateContextField {
    type Output = ContextFieldRow;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<ContextFieldRow> {
        let actor = &cx.actor;
        let before = w.context_field(&self.name).await?;
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
}

impl Operation for AddLegalValue {
    type Output = ContextFieldRow;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<ContextFieldRow> {
        let actor = &cx.actor;
        let before = w.context_field(&self.name).await?;
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

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeleteContextField {
    pub name: String,
}

impl Operation for DeleteContextField {
    type Output = ();

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        let actor = &cx.actor;
        let before = w.context_field(&self.name).await?;
        w.delete_context_field(&self.name).await?;
        w.record_event(NewEvent {
            created_by: actor.name.clone(),
            pre_data: Some(to_value(&ContextFieldView::from(&before))),
            ..NewEvent::new(EventKind::ContextFieldDeleted)
        })
        .await?;
        Ok(())
    }
}
