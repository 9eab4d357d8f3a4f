//! Variants, compiled: the cumulative weights precomputed, overrides resolved to
//! context fields, the hash group prepared. Selection is one hash and a walk
//! over the cumulative weights; the result borrows from the compiled flag.

use serde::Serialize;

use crate::context::{ContextField, Resolved};
use crate::document::{Payload, Variant};
use crate::hash::{HashGroup, VARIANT_SEED};
use crate::random::RandomSource;

/// The variant an evaluation gives, in the JSON shape of Unleash's SDKs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VariantResult<'a> {
    pub name: &'a str,
    pub enabled: bool,
    pub feature_enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload: Option<&'a Payload>,
    /// This variant as Unleash's frontend API writes it (the fields above,
    /// then `featureEnabled`), made once when the variant is compiled: the
    /// frontend API copies it into every answer.
    #[serde(skip)]
    pub frontend_json: &'a str,
}

impl VariantResult<'static> {
    /// The variant of an off or unknown flag.
    pub const DISABLED: VariantResult<'static> = VariantResult {
        name: "disabled",
        enabled: false,
        feature_enabled: false,
        payload: None,
        frontend_json: r#"{"name":"disabled","enabled":false,"feature_enabled":false,"featureEnabled":false}"#,
    };

    /// The variant of an on flag that has no variants to give.
    pub const NO_VARIANT: VariantResult<'static> = VariantResult {
        name: "disabled",
        enabled: false,
        feature_enabled: true,
        payload: None,
        frontend_json: r#"{"name":"disabled","enabled":false,"feature_enabled":true,"featureEnabled":true}"#,
    };
}

/// Which context value a variant (or rollout) is made sticky on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Stickiness {
    /// userId, else sessionId, else random.
    Default,
    Random,
    Field(ContextField),
}

impl Stickiness {
    pub(crate) fn parse(name: Option<&str>) -> Self {
        match name {
            None | Some("default") => Stickiness::Default,
            Some("random") => Stickiness::Random,
            Some(field) => Stickiness::Field(ContextField::parse(field)),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct CompiledVariant {
    pub(crate) name: Box<str>,
    pub(crate) weight: u32,
    /// Sum of the weights up to and including this one.
    cumulative: u32,
    pub(crate) payload: Option<Payload>,
    overrides: Box<[VariantOverride]>,
    /// [`VariantResult::frontend_json`] of this variant.
    frontend_json: Box<str>,
}

/// Context values that force a variant.
#[derive(Debug, Clone)]
struct VariantOverride {
    field: ContextField,
    values: Box<[Box<str>]>,
}

/// A list of variants to pick from (a flag's or a strategy's).
#[derive(Debug, Clone)]
pub(crate) struct VariantSet {
    pub(crate) variants: std::sync::Arc<[CompiledVariant]>,
    pub(crate) total_weight: u32,
    pub(crate) stickiness: Stickiness,
    group: HashGroup,
    has_overrides: bool,
}

/// How a variant was chosen, for explanations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pick {
    Override,
    Bucket(u32),
}

impl VariantSet {
    /// Compiles `variants`, hashed under `group_id`. `strategy_stickiness` is
    /// `Some` for strategy variants, which are sticky on their strategy's field;
    /// feature variants are sticky on the first variant's. `None` when there is
    /// nothing to pick from.
    pub(crate) fn compile(
        variants: &[Variant],
        group_id: &str,
        strategy_stickiness: Option<&str>,
    ) -> Option<Self> {
        if variants.is_empty() {
            return None;
        }
        let mut cumulative = 0u32;
        let compiled: std::sync::Arc<[CompiledVariant]> = variants
            .iter()
            .map(|v| {
                cumulative = cumulative.saturating_add(v.weight);
                CompiledVariant {
                    frontend_json: frontend_json(&v.name, v.payload.as_ref()).into(),
                    name: v.name.as_str().into(),
                    weight: v.weight,
                    cumulative,
                    payload: v.payload.clone(),
                    overrides: v
                        .overrides
                        .iter()
                        .map(|o| VariantOverride {
                            field: ContextField::parse(&o.context_name),
                            values: o.values.iter().map(|x| x.as_str().into()).collect(),
                        })
                        .collect(),
                }
            })
            .collect();
        let stickiness = strategy_stickiness.or(variants[0].stickiness.as_deref());
        Some(VariantSet {
            has_overrides: compiled.iter().any(|v| !v.overrides.is_empty()),
            variants: compiled,
            total_weight: cumulative,
            stickiness: Stickiness::parse(stickiness),
            group: HashGroup::new(group_id),
        })
    }

    /// Picks a variant: an override that names the context's value first, else
    /// the weighted bucket of the sticky value. `None` when all weights are zero.
    #[inline]
    pub(crate) fn select(
        &self,
        context: &Resolved<'_>,
        random: &RandomSource,
    ) -> Option<(&CompiledVariant, Pick)> {
        if self.has_overrides {
            for variant in self.variants.iter() {
                let overridden = variant.overrides.iter().any(|o| {
                    context
                        .get(&o.field)
                        .is_some_and(|seen| o.values.iter().any(|v| **v == *seen))
                });
                if overridden {
                    return Some((variant, Pick::Override));
                }
            }
        }
        if self.total_weight == 0 {
            return None;
        }
        let bucket = match self.sticky_value(context) {
            Some(value) => self.group.bucket(value, VARIANT_SEED, self.total_weight),
            None => random.bucket(self.total_weight),
        };
        self.variants
            .iter()
            .find(|v| v.weight > 0 && v.cumulative >= bucket)
            .map(|v| (v, Pick::Bucket(bucket)))
    }

    fn sticky_value<'c>(&self, context: &Resolved<'c>) -> Option<&'c str> {
        let ctx = context.context;
        match &self.stickiness {
            Stickiness::Default => ctx.user_id.as_deref().or(ctx.session_id.as_deref()),
            Stickiness::Random => None,
            Stickiness::Field(field) => context.get(field),
        }
    }
}

impl CompiledVariant {
    pub(crate) fn result(&self) -> VariantResult<'_> {
        VariantResult {
            name: &self.name,
            enabled: true,
            feature_enabled: true,
            payload: self.payload.as_ref(),
            frontend_json: &self.frontend_json,
        }
    }
}

/// A chosen variant as Unleash's frontend API writes it (see
/// [`VariantResult::frontend_json`]).
fn frontend_json(name: &str, payload: Option<&Payload>) -> String {
    #[derive(Serialize)]
    struct FrontendVariant<'a> {
        name: &'a str,
        enabled: bool,
        feature_enabled: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        payload: Option<&'a Payload>,
        #[serde(rename = "featureEnabled")]
        feature_enabled_camel: bool,
    }
    serde_json::to_string(&FrontendVariant {
        name,
        enabled: true,
        feature_enabled: true,
        payload,
        feature_enabled_camel: true,
    })
    .unwrap_or_default()
}
