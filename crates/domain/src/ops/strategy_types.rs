//! Custom strategy types (`/api/admin/strategies`): create, change, deprecate
//! or reactivate, delete. Unleash's own strategies can be deprecated and
//! reactivated but not changed or deleted (403). Flags may name a custom
//! strategy; SDKs that do not implement it evaluate it as off, and so does
//! Flagstaff's engine (the playground, the frontend API, OFREP).

use serde::{Deserialize, Serialize};

use super::names::check_url_friendly;
use super::{Actor, Context, FieldPath, OpError, OpResult, Operation};
use crate::wire::{to_value, StrategyTypeView};
use flagstaff_storage::{EventKind, NewEvent, StrategyParameter, StrategyTypeRow, WriteTx};

/// A strategy type as request bodies send it (Unleash's strategy schema;
/// `editable` and `deprecated` are not taken from the body). A change takes
/// the name from its path: `name`, when sent, must be the same.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"name": "country", "title": "By country",
    "description": "On for the countries listed",
    "parameters": [{"name": "countries", "type": "list", "description": "Country codes",
        "required": true}]}))]
pub struct StrategyTypeInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    pub parameters: Vec<StrategyParameter>,
}

impl StrategyTypeInput {
    fn checked(self, name: &str) -> OpResult<StrategyTypeRow> {
        check_url_friendly(name, "name", "a strategy type name", 1, 100)?;
        for (i, p) in self.parameters.iter().enumerate() {
            let at = FieldPath::root().field("parameters").index(i);
            if p.name.trim().is_empty() {
                return Err(OpError::invalid(
                    at.field("name"),
                    "a parameter needs a name",
                ));
            }
            if p.kind.trim().is_empty() {
                return Err(OpError::invalid(
                    at.field("type"),
                    "a parameter needs a type",
                ));
            }
        }
        if let Some(i) = (1..self.parameters.len()).find(|&i| {
            self.parameters[..i]
                .iter()
                .any(|p| p.name == self.parameters[i].name)
        }) {
            return Err(OpError::invalid(
                FieldPath::root().field("parameters").index(i).field("name"),
                format!("{:?} is declared twice", self.parameters[i].name),
            ));
        }
        Ok(StrategyTypeRow {
            name: name.to_owned(),
            title: self.title.filter(|t| !t.is_empty()),
            description: self.description,
            parameters: self.parameters,
            built_in: false,
            deprecated: false,
            sort_order: 9999,
        })
    }
}

fn event(event_type: EventKind, actor: &Actor) -> NewEvent {
    NewEvent {
        created_by: actor.name.clone(),
        ..NewEvent::new(event_type)
    }
}

async fn existing(w: &mut WriteTx<'_>, name: &str) -> OpResult<StrategyTypeRow> {
    w.strategy_type(name)
        .await?
        .ok_or_else(|| OpError::NotFound(format!("Could not find strategy with name {name}")))
}

/// A custom strategy, or 403 for one of Unleash's own.
async fn editable(w: &mut WriteTx<'_>, name: &str) -> OpResult<StrategyTypeRow> {
    let strategy = existing(w, name).await?;
    if strategy.built_in {
        return Err(OpError::Denied(format!(
            "Cannot edit strategy {name}: it is built in"
        )));
    }
    Ok(strategy)
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreateStrategyType {
    pub strategy: StrategyTypeInput,
}

impl Operation for CreateStrategyType {
    type Output = StrategyTypeRow;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<StrategyTypeRow> {
        let name = self.strategy.name.trim().to_owned();
        let strategy = self.strategy.checked(&name)?;
        if w.strategy_type(&name).await?.is_some() {
            return Err(OpError::Conflict(format!(
                "Strategy with name {name} already exist!"
            )));
        }
        w.insert_strategy_type(&strategy).await?;
        w.record_event(NewEvent {
            data: Some(to_value(&StrategyTypeView::from(&strategy))),
            ..event(EventKind::StrategyCreated, &cx.actor)
        })
        .await?;
        Ok(strategy)
    }
}

/// Replaces a custom strategy's title, description and parameters (the
/// name is the path's; a different one in the body is refused).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UpdateStrategyType {
    pub name: String,
    pub strategy: StrategyTypeInput,
}

impl Operation for UpdateStrategyType {
    type Output = StrategyTypeRow;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<StrategyTypeRow> {
        let before = editable(w, &self.name).await?;
        let asked = self.strategy.name.trim();
        if !asked.is_empty() && asked != self.name {
            return Err(OpError::invalid(
                FieldPath::root().field("name"),
                "A strategy's name cannot be changed",
            ));
        }
        let after = StrategyTypeRow {
            deprecated: before.deprecated,
            sort_order: before.sort_order,
            ..self.strategy.checked(&self.name)?
        };
        w.update_strategy_type(&after).await?;
        w.record_event(NewEvent {
            pre_data: Some(to_value(&StrategyTypeView::from(&before))),
            data: Some(to_value(&StrategyTypeView::from(&after))),
            ..event(EventKind::StrategyUpdated, &cx.actor)
        })
        .await?;
        Ok(after)
    }
}

/// Deprecates (`deprecated: true`) or reactivates a strategy, built in or
/// not; asking for the state it is in changes and records nothing.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeprecateStrategyType {
    pub name: String,
    pub deprecated: bool,
}

impl Operation for DeprecateStrategyType {
    type Output = ();

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        let before = existing(w, &self.name).await?;
        if before.deprecated == self.deprecated {
            return Ok(());
        }
        let after = StrategyTypeRow {
            deprecated: self.deprecated,
            ..before
        };
        w.update_strategy_type(&after).await?;
        let event_type = if self.deprecated {
            EventKind::StrategyDeprecated
        } else {
            EventKind::StrategyReactivated
        };
        w.record_event(NewEvent {
            data: Some(serde_json::json!({"name": after.name})),
            ..event(event_type, &cx.actor)
        })
        .await?;
        Ok(())
    }
}

/// Deletes a custom strategy. As in Unleash, flags that name it keep it
/// (SDKs evaluate it as off).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeleteStrategyType {
    pub name: String,
}

impl Operation for DeleteStrategyType {
    type Output = ();

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        let before = editable(w, &self.name).await?;
        w.delete_strategy_type(&before.name).await?;
        w.record_event(NewEvent {
            pre_data: Some(to_value(&StrategyTypeView::from(&before))),
            data: Some(serde_json::json!({"name": before.name})),
            ..event(EventKind::StrategyDeleted, &cx.actor)
        })
        .await?;
        Ok(())
    }
}
