//! Explanations: for one flag and one context, what every dependency, strategy
//! and constraint saw and decided, and how the variant was picked. A separate
//! entry point that may allocate freely; the evaluation path does not use it.

use serde::Serialize;

use crate::compile::CompiledFlag;
use crate::constraint::Test;
use crate::context::{Context, Resolved};
use crate::engine::Engine;
use crate::strategy::{CompiledStrategy, RuleOutcome};
use crate::variant::{Pick, VariantResult, VariantSet};

/// Why a flag is on or off for a context.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Explanation {
    pub flag: String,
    /// Whether the document has this flag.
    pub found: bool,
    pub enabled: bool,
    /// One sentence: the deciding reason.
    pub reason: String,
    /// The flag's own on/off switch in this environment.
    pub switched_on: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<DependencyExplanation>,
    pub strategies: Vec<StrategyExplanation>,
    pub variant: VariantExplanation,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DependencyExplanation {
    pub feature: String,
    /// `true`: the parent must be on (and, when listed, give one of `variants`).
    pub expect_enabled: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<String>,
    pub satisfied: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StrategyExplanation {
    pub index: usize,
    pub name: String,
    pub result: bool,
    /// What the strategy's own rule saw, e.g. "bucket 37 <= 50".
    pub rule: String,
    pub constraints: Vec<ConstraintExplanation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing_segment: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConstraintExplanation {
    pub context_name: String,
    pub operator: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    pub inverted: bool,
    pub case_insensitive: bool,
    /// The segment the constraint belongs to, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segment: Option<i64>,
    /// The context value compared (`null` when the context lacks it).
    pub seen: Option<String>,
    pub result: bool,
    /// Why the constraint can never match, when that is the case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub never: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VariantExplanation {
    pub name: String,
    pub enabled: bool,
    pub feature_enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload: Option<crate::document::Payload>,
    /// `strategy`, `flag`, or `none`.
    pub source: &'static str,
    /// `override`, or the weighted bucket drawn (1..=total weight).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub picked_by: Option<String>,
}

impl Engine {
    /// Evaluates `name` for `context` and says why. Agrees with [`Engine::evaluate`]
    /// except where randomness is involved (each call draws anew).
    pub fn explain(&self, name: &str, context: &Context) -> Explanation {
        let resolved = Resolved::new(context);
        let Some(flag) = self.flag(name) else {
            return Explanation {
                flag: name.to_owned(),
                found: false,
                enabled: false,
                reason: "the flag does not exist".to_owned(),
                switched_on: false,
                dependencies: Vec::new(),
                strategies: Vec::new(),
                variant: variant_explanation(VariantResult::DISABLED, "none", None),
            };
        };
        let dependencies: Vec<DependencyExplanation> = flag
            .dependencies
            .iter()
            .map(|d| DependencyExplanation {
                feature: d.feature.to_string(),
                expect_enabled: d.expect_enabled,
                variants: d.variants.iter().map(|v| v.to_string()).collect(),
                satisfied: self.dependency_holds(d, &resolved),
            })
            .collect();
        let strategies: Vec<StrategyExplanation> = flag
            .strategies
            .iter()
            .enumerate()
            .map(|(i, s)| self.explain_strategy(i, s, &resolved))
            .collect();
        let matched = strategies.iter().position(|s| s.result);
        let (enabled, reason) = decide_reason(flag, &dependencies, &strategies, matched);
        let variant = if enabled {
            self.explain_variant(flag, matched, &resolved)
        } else {
            variant_explanation(VariantResult::DISABLED, "none", None)
        };
        Explanation {
            flag: name.to_owned(),
            found: true,
            enabled,
            reason,
            switched_on: flag.enabled,
            dependencies,
            strategies,
            variant,
        }
    }

    fn explain_strategy(
        &self,
        index: usize,
        strategy: &CompiledStrategy,
        context: &Resolved<'_>,
    ) -> StrategyExplanation {
        let constraints: Vec<ConstraintExplanation> = strategy
            .all_constraints()
            .map(|c| {
                let source = &c.source;
                let never = match c.test {
                    Test::Never(why) | Test::Broken(why) => Some(why.to_owned()),
                    _ => None,
                };
                let seen = context.get(&c.field).map(str::to_owned);
                ConstraintExplanation {
                    context_name: source.context_name.clone(),
                    operator: source.operator.clone(),
                    values: source.values.clone(),
                    value: source.value.clone(),
                    inverted: source.inverted,
                    case_insensitive: source.case_insensitive,
                    segment: c.segment,
                    seen,
                    result: c.matches(context),
                    never,
                }
            })
            .collect();
        let outcome = strategy.rule.evaluate(context, &self.random);
        let rule = match outcome {
            RuleOutcome::Matched => "matched".to_owned(),
            RuleOutcome::Missed => "did not match".to_owned(),
            RuleOutcome::Bucket { bucket, threshold } if bucket <= threshold => {
                format!("bucket {bucket} <= {threshold}")
            }
            RuleOutcome::Bucket { bucket, threshold } => format!("bucket {bucket} > {threshold}"),
            RuleOutcome::NoStickyValue => "the stickiness field is absent".to_owned(),
        };
        StrategyExplanation {
            index,
            name: strategy.name.to_string(),
            result: strategy.missing_segment.is_none()
                && constraints.iter().all(|c| c.result)
                && outcome.holds(),
            rule,
            constraints,
            missing_segment: strategy.missing_segment,
        }
    }

    fn explain_variant(
        &self,
        flag: &CompiledFlag,
        matched: Option<usize>,
        context: &Resolved<'_>,
    ) -> VariantExplanation {
        let (set, source): (Option<&VariantSet>, &'static str) =
            match matched.and_then(|i| flag.strategies[i].variants.as_ref()) {
                Some(set) => (Some(set), "strategy"),
                None => (flag.variants.as_ref(), "flag"),
            };
        match set.and_then(|set| set.select(context, &self.random)) {
            Some((variant, pick)) => {
                let picked_by = match pick {
                    Pick::Override => "override".to_owned(),
                    Pick::Bucket(bucket) => format!("bucket {bucket}"),
                };
                variant_explanation(variant.result(), source, Some(picked_by))
            }
            None => variant_explanation(VariantResult::NO_VARIANT, "none", None),
        }
    }
}

fn decide_reason(
    flag: &CompiledFlag,
    dependencies: &[DependencyExplanation],
    strategies: &[StrategyExplanation],
    matched: Option<usize>,
) -> (bool, String) {
    if !flag.enabled {
        return (false, "the flag is switched off".to_owned());
    }
    if let Some(reason) = flag.off_reason {
        return (false, reason.to_owned());
    }
    if let Some(d) = dependencies.iter().find(|d| !d.satisfied) {
        return (
            false,
            format!("dependency on {:?} is not satisfied", d.feature),
        );
    }
    if strategies.is_empty() {
        return (
            true,
            "the flag has no strategies, so it is on for everyone".to_owned(),
        );
    }
    match matched {
        Some(i) => (
            true,
            format!("strategy {} ({}) matched", i, strategies[i].name),
        ),
        None => (false, "no strategy matched".to_owned()),
    }
}

fn variant_explanation(
    result: VariantResult<'_>,
    source: &'static str,
    picked_by: Option<String>,
) -> VariantExplanation {
    VariantExplanation {
        name: result.name.to_owned(),
        enabled: result.enabled,
        feature_enabled: result.feature_enabled,
        payload: result.payload.cloned(),
        source,
        picked_by,
    }
}
