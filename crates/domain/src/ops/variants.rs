//! Feature (environment) variants: replaced or JSON-patched as a list, with the
//! weight normalisation Unleash applies to every variant write.

use flagstaff_engine::document::Variant;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{
    project_environment, Context, Edit, EnvironmentName, FieldPath, FlagName, FlagScope, OpError,
    OpResult, Operation, ProjectId,
};
use flagstaff_storage::{EventKind, NewEvent, WriteTx};

/// Unleash's rules for a variant list: `weightType` defaults to `variable` and
/// `stickiness` to `default`; at least one variant is variable; fixed weights
/// total at most 1000 and the rest is split evenly over the variable ones (the
/// first get the remainder, one each); names are unique; the list is sorted by
/// name. Strategy variants (`keep_overrides: false`) carry no overrides.
pub fn normalise_variants(
    mut variants: Vec<Variant>,
    keep_overrides: bool,
) -> OpResult<Vec<Variant>> {
    if variants.is_empty() {
        return Ok(variants);
    }
    // Paths start at the list: `[1].payload.value`.
    let invalid = |at: FieldPath, why: String| Err(OpError::invalid(at, why));
    let mut names = std::collections::HashSet::new();
    let mut fixed_total = 0u32;
    for (i, v) in variants.iter_mut().enumerate() {
        let at = || FieldPath::root().index(i);
        if v.name.trim().is_empty() {
            return invalid(at().field("name"), "a variant needs a name".to_owned());
        }
        if !names.insert(v.name.clone()) {
            return invalid(
                at().field("name"),
                format!("variant names must be unique: {:?}", v.name),
            );
        }
        let weight_type = v.weight_type.get_or_insert_with(|| "variable".to_owned());
        match weight_type.as_str() {
            "variable" => {}
            "fix" => {
                if v.weight > 1000 {
                    return invalid(
                        at().field("weight"),
                        "a variant weight is at most 1000".to_owned(),
                    );
                }
                fixed_total += v.weight;
            }
            other => {
                return invalid(
                    at().field("weightType"),
                    format!("the weight type must be variable or fix, not {other:?}"),
                )
            }
        }
        if v.stickiness.as_deref().is_none_or(|s| s.trim().is_empty()) {
            v.stickiness = Some("default".to_owned());
        }
        if let Some(payload) = &v.payload {
            if !["string", "json", "csv", "number"].contains(&payload.payload_type.as_str()) {
                return invalid(
                    at().field("payload").field("type"),
                    format!("unknown payload type {:?}", payload.payload_type),
                );
            }
            if payload.payload_type == "json"
                && serde_json::from_str::<Value>(&payload.value).is_err()
            {
                return invalid(
                    at().field("payload").field("value"),
                    format!("the payload of {:?} is not valid JSON", v.name),
                );
            }
        }
        if !keep_overrides {
            v.overrides.clear();
        }
    }
    if fixed_total > 1000 {
        return invalid(
            FieldPath::root(),
            "The sum of fixed variant weights exceeds 1000".to_owned(),
        );
    }
    let variable = variants
        .iter()
        .filter(|v| v.weight_type.as_deref() == Some("variable"))
        .count() as u32;
    if variable == 0 {
        return invalid(
            FieldPath::root(),
            "There must be at least one \"variable\" variant".to_owned(),
        );
    }
    let share = (1000 - fixed_total) / variable;
    let mut remainder = (1000 - fixed_total) % variable;
    for v in variants
        .iter_mut()
        .filter(|v| v.weight_type.as_deref() == Some("variable"))
    {
        v.weight = share + u32::from(remainder > 0);
        remainder = remainder.saturating_sub(1);
    }
    variants.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(variants)
}

/// Sets a flag's variants in one environment: a new list, or a JSON Patch of
/// the current one. Returns the stored (normalised) list.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SetVariants {
    pub project: ProjectId,
    pub feature: FlagName,
    pub environment: EnvironmentName,
    pub edit: Edit<Vec<Variant>>,
}

impl Operation for SetVariants {
    type Output = Vec<Variant>;

    fn flag_scopes(&self) -> Vec<FlagScope> {
        vec![FlagScope::environment(&self.project, &self.environment)]
    }

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<Vec<Variant>> {
        let actor = &cx.actor;
        project_environment(w, &self.project, &self.environment).await?;
        w.live_flag(&self.project, &self.feature).await?;
        let before = w
            .flag_environment(&self.feature, &self.environment)
            .await?
            .variants;
        let after = normalise_variants(
            self.edit
                .resolve(&before, "variants", cx.limits.document_bytes)?,
            true,
        )?;
        w.set_environment_variants(&self.feature, &self.environment, &after)
            .await?;
        w.record_event(NewEvent {
            event_type: EventKind::FeatureEnvironmentVariantsUpdated,
            created_by: actor.name.clone(),
            project: Some(self.project.into()),
            environment: Some(self.environment.into()),
            feature_name: Some(self.feature.into()),
            pre_data: Some(json!(before)),
            data: Some(json!(after)),
        })
        .await?;
        Ok(after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variant(name: &str, weight: u32, weight_type: Option<&str>) -> Variant {
        Variant {
            name: name.to_owned(),
            weight,
            weight_type: weight_type.map(str::to_owned),
            ..Variant::default()
        }
    }

    #[test]
    fn variable_weights_share_what_fixed_ones_leave() {
        let out = normalise_variants(
            vec![
                variant("c", 0, None),
                variant("a", 100, Some("fix")),
                variant("b", 7, Some("variable")),
            ],
            true,
        )
        .expect("valid");
        let got: Vec<(&str, u32)> = out.iter().map(|v| (v.name.as_str(), v.weight)).collect();
        assert_eq!(got, [("a", 100), ("b", 450), ("c", 450)]);
        assert!(out
            .iter()
            .all(|v| v.stickiness.as_deref() == Some("default")));
        let thirds = normalise_variants(
            vec![
                variant("x", 0, None),
                variant("y", 0, None),
                variant("z", 0, None),
            ],
            true,
        )
        .expect("valid");
        assert_eq!(thirds.iter().map(|v| v.weight).sum::<u32>(), 1000);
        assert_eq!(thirds[0].weight, 334);
    }

    #[test]
    fn refuses_what_unleash_refuses() {
        assert!(normalise_variants(vec![variant("a", 500, Some("fix"))], true).is_err());
        assert!(normalise_variants(
            vec![
                variant("a", 600, Some("fix")),
                variant("b", 500, Some("fix")),
                variant("c", 0, None)
            ],
            true
        )
        .is_err());
        assert!(
            normalise_variants(vec![variant("a", 0, None), variant("a", 0, None)], true).is_err()
        );
        assert!(normalise_variants(vec![variant("a", 0, Some("heavy"))], true).is_err());
        assert!(normalise_variants(Vec::new(), true)
            .expect("empty is fine")
            .is_empty());
    }
}
