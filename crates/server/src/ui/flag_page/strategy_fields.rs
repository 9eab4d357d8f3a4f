//! What the strategy form holds: every field as typed (so a refused form
//! comes back as entered), read from a stored strategy or from a posted
//! form, turned into the operations' `StrategyInput`, and a refusal put next
//! to the field it names. The selects' choices come from the store.

use std::collections::BTreeMap;

use axum::response::Response;
use serde_json::{json, Value};

use super::form_fields::{join_values, split_values, FormFields};
use super::variant_rows::{self, VariantRow};
use crate::state::AppState;
use crate::ui::constraint_form::ConstraintsForm;
use crate::ui::internal;
use flagstaff_domain::ops::{FieldPath, StrategyInput};
use flagstaff_storage::{StrategyTypeRow, StrategyValues};

pub const FLEXIBLE: &str = "flexibleRollout";
/// The parameters the flexibleRollout fields show.
const ROLLOUT_PARAMETERS: [&str; 3] = ["rollout", "stickiness", "groupId"];

/// A parameter of a strategy other than flexibleRollout's three.
#[derive(Debug, Clone)]
pub struct ParameterField {
    pub name: String,
    pub label: String,
    /// Unleash's parameter type: string, percentage, list, number, boolean.
    pub kind: String,
    pub value: String,
    pub error: Option<String>,
}

/// Everything the form shows and posts, as typed.
#[derive(Debug, Clone, Default)]
pub struct StrategyFields {
    pub name: String,
    /// The strategy type the parameter fields were drawn for.
    pub shown: String,
    pub title: String,
    pub disabled: bool,
    pub rollout: String,
    pub rollout_error: Option<String>,
    pub stickiness: String,
    pub group_id: String,
    pub parameters: Vec<ParameterField>,
    pub constraints: ConstraintsForm,
    pub segments: Vec<i64>,
    pub variants: Vec<VariantRow>,
}

/// What the form's selects offer, read from the store.
pub struct Catalogue {
    pub types: Vec<StrategyTypeRow>,
    pub context: Vec<String>,
    /// Each context field with its legal values, for the constraints editor.
    pub context_values: Vec<(String, Vec<String>)>,
    pub segments: Vec<(i64, String)>,
}

pub async fn catalogue(state: &AppState, project: &str) -> Result<Catalogue, Response> {
    let types = state.store.strategy_types().await.map_err(internal)?;
    let context_values: Vec<(String, Vec<String>)> = state
        .store
        .context_fields()
        .await
        .map_err(internal)?
        .iter()
        // A project's own context fields are offered in that project only.
        .filter(|f| f.project.as_deref().is_none_or(|p| p == project))
        .map(crate::ui::constraint_form::offered)
        .collect();
    let context = context_values
        .iter()
        .map(|(name, _)| name.clone())
        .collect();
    let segments = state
        .store
        .segments()
        .await
        .map_err(internal)?
        .into_iter()
        .filter(|s| s.project.as_deref().is_none_or(|p| p == project))
        .map(|s| (s.id, s.name))
        .collect();
    Ok(Catalogue {
        types,
        context,
        context_values,
        segments,
    })
}

impl Catalogue {
    /// Whether strategy type `strategy` declares the parameter `parameter`.
    fn declares(&self, strategy: &str, parameter: &str) -> bool {
        self.types
            .iter()
            .any(|t| t.name == strategy && t.parameters.iter().any(|p| p.name == parameter))
    }

    /// The declared parameters of `strategy` (none for flexibleRollout, whose
    /// three have their own fields), then any other `stored` ones, with their values.
    fn parameter_fields(
        &self,
        strategy: &str,
        stored: &BTreeMap<String, String>,
    ) -> Vec<ParameterField> {
        let mut fields: Vec<ParameterField> = Vec::new();
        if strategy != FLEXIBLE {
            if let Some(kind) = self.types.iter().find(|t| t.name == strategy) {
                for p in &kind.parameters {
                    fields.push(ParameterField {
                        name: p.name.clone(),
                        label: match p.description.as_deref().filter(|d| !d.is_empty()) {
                            Some(d) => format!("{} — {d}", p.name),
                            None => p.name.clone(),
                        },
                        kind: p.kind.clone(),
                        value: String::new(),
                        error: None,
                    });
                }
            }
        }
        for (name, value) in stored {
            if strategy == FLEXIBLE && ROLLOUT_PARAMETERS.contains(&name.as_str()) {
                continue;
            }
            match fields.iter_mut().find(|f| f.name == *name) {
                Some(field) => field.value = value.clone(),
                None => fields.push(ParameterField {
                    name: name.clone(),
                    label: name.clone(),
                    kind: "string".to_owned(),
                    value: value.clone(),
                    error: None,
                }),
            }
        }
        for field in fields.iter_mut().filter(|f| f.kind == "list") {
            field.value = join_values(&split_values(&field.value));
        }
        fields
    }
}

/// The form for a stored strategy.
pub fn fields_of(values: &StrategyValues, catalogue: &Catalogue, feature: &str) -> StrategyFields {
    let parameter = |key: &str| values.parameters.get(key).cloned().unwrap_or_default();
    StrategyFields {
        name: values.name.clone(),
        shown: values.name.clone(),
        title: values.title.clone().unwrap_or_default(),
        disabled: values.disabled,
        rollout: match parameter("rollout") {
            r if r.is_empty() => "100".to_owned(),
            r => r,
        },
        rollout_error: None,
        stickiness: match parameter("stickiness") {
            s if s.is_empty() => "default".to_owned(),
            s => s,
        },
        group_id: match parameter("groupId") {
            g if g.is_empty() && values.name != FLEXIBLE => feature.to_owned(),
            g => g,
        },
        parameters: catalogue.parameter_fields(&values.name, &values.parameters),
        constraints: ConstraintsForm::from_constraints(&values.constraints),
        segments: values.segments.clone(),
        variants: values
            .variants
            .iter()
            .map(VariantRow::from_variant)
            .collect(),
    }
}

/// The form as posted. The rollout is the number input's value: the slider
/// beside it has no name (forms.js keeps it in step with the number). A post
/// that still carries a slider value (a form from an older page) which
/// disagrees with the number is refused beside the field, never resolved by
/// picking one.
pub fn posted_fields(fields: &FormFields, catalogue: &Catalogue) -> StrategyFields {
    let name = fields.text("name");
    let shown = fields.text("shown");
    let rollout = fields.text("rollout");
    let range = fields.text("rollout_range");
    let rollout_error = (!range.trim().is_empty() && range.trim() != rollout.trim()).then(|| {
        format!(
            "The slider says {}% and the number {}%: set the number to the rollout you want.",
            range.trim(),
            rollout.trim()
        )
    });
    let mut posted_parameters: BTreeMap<String, String> = fields
        .pairs()
        .filter_map(|(key, value)| Some((key.strip_prefix("p_")?.to_owned(), value.to_owned())))
        .collect();
    // Another type chosen: the fields drawn for the previous one go, unless
    // the new type has them too (a stored strategy's other parameters stay).
    if name != shown {
        posted_parameters
            .retain(|p, _| !catalogue.declares(&shown, p) || catalogue.declares(&name, p));
    }
    let parameters = catalogue.parameter_fields(&name, &posted_parameters);
    StrategyFields {
        name,
        shown,
        title: fields.text("title"),
        disabled: fields.checked("disabled"),
        rollout: rollout.trim().to_owned(),
        rollout_error,
        stickiness: fields.text("stickiness"),
        group_id: fields.text("groupId"),
        parameters,
        constraints: ConstraintsForm::from_pairs(fields.pairs()),
        segments: fields
            .all("segment")
            .filter_map(|id| id.parse::<i64>().ok())
            .collect(),
        variants: variant_rows::posted_rows(fields),
    }
}

impl StrategyFields {
    /// The strategy as the operations take it; `None` when a field cannot be
    /// read (its error then says why).
    pub fn read_input(&mut self) -> Option<StrategyInput> {
        let mut parameters: BTreeMap<String, Value> = BTreeMap::new();
        if self.name == FLEXIBLE {
            parameters.insert("rollout".into(), json!(self.rollout));
            parameters.insert("stickiness".into(), json!(self.stickiness));
            parameters.insert("groupId".into(), json!(self.group_id.trim()));
        }
        for field in &self.parameters {
            let value = if field.kind == "list" {
                split_values(&field.value).join(",")
            } else {
                field.value.trim().to_owned()
            };
            parameters.insert(field.name.clone(), Value::String(value));
        }
        let constraints = self.constraints.constraints();
        let variants = variant_rows::to_variants(&mut self.variants);
        let (constraints, variants) = (constraints?, variants?);
        if self.name == FLEXIBLE && self.rollout_error.is_some() {
            return None;
        }
        let title = self.title.trim();
        Some(StrategyInput {
            name: self.name.clone(),
            title: (!title.is_empty()).then(|| title.to_owned()),
            disabled: Some(self.disabled),
            sort_order: None,
            parameters: Some(parameters),
            constraints: Some(constraints),
            segments: Some(self.segments.clone()),
            variants: Some(variants),
        })
    }

    /// Puts a refusal next to the field its path names; a message that names
    /// no field shown is returned.
    pub fn attach_error(&mut self, field: &FieldPath, message: String) -> Option<String> {
        let under = |name: &str| field.strip_prefix(&FieldPath::root().field(name));
        if let Some(parameter) = under("parameters") {
            let name = parameter.first_field();
            if self.name == FLEXIBLE && name == Some("rollout") {
                self.rollout_error = Some(message);
                return None;
            }
            if let Some(shown) = self
                .parameters
                .iter_mut()
                .find(|f| Some(f.name.as_str()) == name)
            {
                shown.error = Some(message);
                return None;
            }
        }
        if let Some(rest) = under("constraints") {
            if self.constraints.attach_error(&rest, &message) {
                return None;
            }
        }
        if let Some(rest) = under("variants") {
            if variant_rows::attach_error(&mut self.variants, &rest, &message) {
                return None;
            }
        }
        Some(message)
    }
}
