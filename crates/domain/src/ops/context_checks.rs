//! What a constraint may say about the context fields it names, beyond what
//! the engine checks: a field with legal values takes only those (Unleash
//! checks the legal values of strategies' and segments' constraints: `value`
//! for a single-value operator, every one of `values` for the others). A
//! project's own field may be named anywhere, as Unleash's API allows (only
//! its UI offers a project's fields in that project alone), so that what is
//! migrated from Unleash is accepted.

use std::collections::HashMap;

use flagstaff_engine::document::Constraint;
use flagstaff_engine::Operator;
use flagstaff_storage::{ContextFieldRow, WriteTx};
use serde_json::Value;

use super::{FieldPath, OpError, OpResult};

/// Every constraint's values are legal ones for its context field; a
/// refusal's path starts at the list (`[2].values`).
pub(super) async fn check_constraint_fields(
    w: &mut WriteTx<'_>,
    constraints: &[Constraint],
) -> OpResult<()> {
    if constraints.is_empty() {
        return Ok(());
    }
    let fields: HashMap<String, ContextFieldRow> = w
        .context_fields()
        .await?
        .into_iter()
        .map(|f| (f.name.clone(), f))
        .collect();
    for (i, c) in constraints.iter().enumerate() {
        let Some(field) = fields.get(&c.context_name) else {
            continue;
        };
        let at = FieldPath::root().index(i);
        check_legal_values(field, c).map_err(|e| e.within(&at))?;
    }
    Ok(())
}

/// A constraint on a field with legal values uses only those.
fn check_legal_values(field: &ContextFieldRow, c: &Constraint) -> OpResult<()> {
    let legal: Vec<&str> = field
        .legal_values
        .iter()
        .filter_map(|v| v.get("value").and_then(Value::as_str))
        .collect();
    if legal.is_empty() {
        return Ok(());
    }
    let single = Operator::named(&c.operator).is_some_and(|o| o.value_field() == "value");
    if single {
        let value = c.value.as_deref().unwrap_or_default();
        if !legal.contains(&value) {
            return Err(OpError::invalid(
                FieldPath::root().field("value"),
                format!("{value} is not specified as a legal value on this context field"),
            ));
        }
    } else if let Some(bad) = c.values.iter().find(|v| !legal.contains(&v.as_str())) {
        return Err(OpError::invalid(
            FieldPath::root().field("values"),
            format!(
                "input values are not specified as a legal value on this context field: {bad:?}"
            ),
        ));
    }
    Ok(())
}
