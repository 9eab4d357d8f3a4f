//! Compiling flags: one flag from its document form, the name index, and
//! dependencies resolved to flag positions once every flag is compiled.

use std::sync::Arc;

use crate::document::Feature;
use crate::index::NameIndex;
use crate::strategy::{CompiledStrategy, SegmentCache};
use crate::table::FlagTable;
use crate::variant::VariantSet;

/// A compiled flag. Its parts are shared (`Arc`), so cloning one — as
/// [`Engine::updated`] does for every flag it keeps — costs a few reference counts.
#[derive(Debug, Clone)]
pub(crate) struct CompiledFlag {
    pub(crate) name: Arc<str>,
    pub(crate) enabled: bool,
    pub(crate) impression_data: bool,
    pub(crate) project: Option<Arc<str>>,
    pub(crate) strategies: Arc<[CompiledStrategy]>,
    /// Set when the flag is off whatever the context, and why: every strategy
    /// is disabled, or a strategy names a segment the document lacks (Unleash's
    /// engine turns such a flag off as a whole).
    pub(crate) off_reason: Option<&'static str>,
    pub(crate) variants: Option<VariantSet>,
    pub(crate) dependencies: Box<[CompiledDependency]>,
}

#[derive(Debug, Clone)]
pub(crate) struct CompiledDependency {
    pub(crate) feature: Box<str>,
    /// Index of the parent flag; `None` when it is missing or has parents of its
    /// own (Unleash allows one level only), which makes the dependency fail.
    pub(crate) parent: Option<usize>,
    pub(crate) expect_enabled: bool,
    pub(crate) variants: Box<[Box<str>]>,
}

pub(crate) fn build_index(flags: &FlagTable) -> NameIndex {
    let mut index = NameIndex::with_capacity(flags.len());
    for (at, flag) in flags.iter().enumerate() {
        index.insert(&flag.name, at, |i| &flags[i].name);
    }
    index
}

/// Compiles one flag, its dependencies not yet resolved; returns what it
/// could not understand.
pub(crate) fn compile_flag(
    feature: &Feature,
    segments: &mut SegmentCache<'_>,
    hostname: Option<&str>,
) -> (CompiledFlag, Vec<String>) {
    let mut warnings = Vec::new();
    let name = feature.name.as_str();
    let strategies: Arc<[CompiledStrategy]> = feature
        .strategies
        .iter()
        .filter(|s| !s.disabled)
        .map(|s| CompiledStrategy::compile(s, name, segments, hostname))
        .collect();
    for strategy in strategies.iter() {
        report_strategy(name, strategy, &mut warnings);
    }
    let dependencies = feature
        .dependencies
        .iter()
        .map(|d| CompiledDependency {
            feature: d.feature.as_str().into(),
            parent: None,
            expect_enabled: d.enabled.unwrap_or(true),
            variants: d
                .variants
                .iter()
                .flatten()
                .map(|v| v.as_str().into())
                .collect(),
        })
        .collect();
    let flag = CompiledFlag {
        name: name.into(),
        enabled: feature.enabled,
        impression_data: feature.impression_data,
        project: feature.project.as_deref().map(Into::into),
        off_reason: off_reason(feature, &strategies),
        strategies,
        variants: VariantSet::compile(&feature.variants, name, None),
        dependencies,
    };
    (flag, warnings)
}

/// Points every dependency at its parent's position: `None` when the parent is
/// missing or has parents of its own (one level only, as Unleash), which makes
/// the dependency fail. Returns why each failing one fails.
pub(crate) fn resolve_dependencies(flags: &mut FlagTable, index: &NameIndex) -> Vec<String> {
    let mut warnings = Vec::new();
    let mut resolved: Vec<(usize, usize, Option<usize>)> = Vec::new();
    for (at, flag) in flags.iter().enumerate() {
        for (k, d) in flag.dependencies.iter().enumerate() {
            let parent = index.get(&d.feature, |i| &flags[i].name);
            let usable = match parent {
                None => {
                    warnings.push(format!(
                        "flag {:?} depends on {:?}, which is not in the document",
                        flag.name, d.feature
                    ));
                    None
                }
                Some(p) if !flags[p].dependencies.is_empty() => {
                    warnings.push(format!(
                        "flag {:?} depends on {:?}, which has parents of its own",
                        flag.name, d.feature
                    ));
                    None
                }
                Some(p) => Some(p),
            };
            resolved.push((at, k, usable));
        }
    }
    for (at, k, parent) in resolved {
        // Only a changed link copies the flag's chunk.
        if flags[at].dependencies[k].parent != parent {
            flags.get_mut(at).dependencies[k].parent = parent;
        }
    }
    warnings
}

/// Why a flag is off whatever the context, if it is: Unleash's engine refuses a
/// flag as a whole when any part of it cannot be compiled.
fn off_reason(feature: &Feature, strategies: &[CompiledStrategy]) -> Option<&'static str> {
    use crate::constraint::Test;
    use crate::strategy::Rule;
    for strategy in strategies {
        if strategy.missing_segment.is_some() {
            return Some("a strategy names a segment that is not in the document");
        }
        if let Rule::Broken(why) = strategy.rule {
            return Some(why);
        }
        for constraint in strategy.all_constraints() {
            if let Test::Broken(why) = constraint.test {
                return Some(why);
            }
        }
    }
    if !feature.strategies.is_empty() && strategies.is_empty() {
        return Some("every strategy of the flag is disabled");
    }
    None
}

fn report_strategy(flag: &str, strategy: &CompiledStrategy, warnings: &mut Vec<String>) {
    use crate::constraint::Test;
    use crate::strategy::Rule;
    if matches!(strategy.rule, Rule::Unknown) {
        warnings.push(format!(
            "flag {flag:?}: unknown strategy {:?} never matches",
            strategy.name
        ));
    }
    if let Some(id) = strategy.missing_segment {
        warnings.push(format!(
            "flag {flag:?}: segment {id} is not in the document; the flag is off"
        ));
    }
    if let Rule::Broken(why) = strategy.rule {
        warnings.push(format!("flag {flag:?} is off for everyone: {why}"));
    }
    for constraint in strategy.all_constraints() {
        match constraint.test {
            Test::Never(why) => {
                warnings.push(format!("flag {flag:?}: a constraint never matches ({why})"));
            }
            Test::Broken(why) => warnings.push(format!(
                "flag {flag:?} is off for everyone: a constraint cannot be used ({why})"
            )),
            _ => {}
        }
    }
}
