//! The compiled state and its evaluation API.
//!
//! [`Engine::new`] compiles a client-features document once; every question after
//! that (`is_enabled`, `get_variant`, `evaluate`, `evaluate_all`, `explain`) is a
//! hash-map lookup and a walk over pre-parsed enums. Compilation never fails: what
//! cannot be understood (an unknown operator, a bad regex, a missing segment or
//! parent) compiles to "does not match" and is reported by [`Engine::warnings`].

use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::compile::{
    build_index, compile_flag, resolve_dependencies, CompiledDependency, CompiledFlag,
};
use crate::context::{Context, Resolved};
use crate::document::{ClientFeatures, Feature, Segment};
use crate::index::NameIndex;
use crate::random::RandomSource;
use crate::strategy::{CompiledSegments, SegmentCache};
use crate::table::FlagTable;
use crate::variant::VariantResult;

/// Settings that come from the caller's environment, not from the document.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// The host name `applicationHostname` compares against; `None` makes that
    /// strategy never match.
    pub hostname: Option<String>,
    /// Seed for `random` stickiness and `gradualRolloutRandom`. Give each process
    /// its own (e.g. from the OS) when the answers should differ between runs.
    pub random_seed: u64,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            hostname: None,
            random_seed: 0x5eed_f1a6_57a1_ff00,
        }
    }
}

/// The answer for one flag and one context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Evaluation<'a> {
    pub enabled: bool,
    pub variant: VariantResult<'a>,
    pub impression_data: bool,
}

/// A compiled client-features document.
#[derive(Debug)]
pub struct Engine {
    pub(crate) flags: FlagTable,
    index: NameIndex,
    pub(crate) random: RandomSource,
    options: EngineOptions,
    /// About the document as a whole (a flag listed twice).
    document_warnings: Vec<String>,
    /// About single flags, by name, as they were compiled.
    flag_warnings: FxHashMap<Arc<str>, Vec<String>>,
    /// About dependencies, found each time they are resolved.
    dependency_warnings: Vec<String>,
    /// The segments compiled for its flags, shared with the engines updated from it.
    segments: CompiledSegments,
}

/// Why a flag is on or off, before variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    Off,
    /// On; `Some(i)` is the first strategy that matched, `None` means the flag
    /// has no strategies (on for everyone).
    On(Option<usize>),
}

impl Engine {
    /// Compiles a document with default options.
    pub fn new(document: &ClientFeatures) -> Self {
        Self::with_options(document, &EngineOptions::default())
    }

    /// Compiles a document.
    pub fn with_options(document: &ClientFeatures, options: &EngineOptions) -> Self {
        let mut document_warnings = Vec::new();
        let mut segments = SegmentCache::new(&document.segments, None);
        let mut index = NameIndex::with_capacity(document.features.len());
        let mut sources: Vec<&Feature> = Vec::with_capacity(document.features.len());
        for feature in &document.features {
            match index.get(&feature.name, |i| &sources[i].name) {
                Some(at) => {
                    document_warnings.push(format!(
                        "flag {:?} appears twice; the later one is used",
                        feature.name
                    ));
                    sources[at] = feature;
                }
                None => {
                    index.insert(&feature.name, sources.len(), |i| &sources[i].name);
                    sources.push(feature);
                }
            }
        }
        let hostname = options.hostname.as_deref();
        let mut flag_warnings = FxHashMap::default();
        let flags: Vec<CompiledFlag> = sources
            .iter()
            .map(|f| {
                let (flag, warnings) = compile_flag(f, &mut segments, hostname);
                if !warnings.is_empty() {
                    flag_warnings.insert(flag.name.clone(), warnings);
                }
                flag
            })
            .collect();
        let mut flags = FlagTable::from_vec(flags);
        let dependency_warnings = resolve_dependencies(&mut flags, &index);
        Engine {
            flags,
            index,
            random: RandomSource::new(options.random_seed),
            options: options.clone(),
            document_warnings,
            flag_warnings,
            dependency_warnings,
            segments: segments.into_compiled(),
        }
    }

    /// A new engine with `upserts` compiled in (each replacing the flag of its
    /// name, or added after the others) and the flags named in `removals` taken
    /// out. Every other flag is shared with `self`, so the cost follows the size
    /// of the change, not of the document. `segments` is the document's segment
    /// list now: pass as upserts the flags that use a segment that changed.
    /// The result answers exactly as an engine compiled from the updated
    /// document would.
    pub fn updated(&self, segments: &[Segment], upserts: &[&Feature], removals: &[&str]) -> Engine {
        let mut segments = SegmentCache::new(segments, Some(&self.segments));
        let hostname = self.options.hostname.as_deref();
        let mut flags = self.flags.clone();
        let mut flag_warnings = self.flag_warnings.clone();
        // Positions move only when flags are removed; otherwise the index is kept.
        let mut index = if removals.is_empty() {
            self.index.clone()
        } else {
            flags = flags.filtered(|f| !removals.contains(&&*f.name));
            for name in removals {
                flag_warnings.remove(*name);
            }
            build_index(&flags)
        };
        for feature in upserts {
            let (flag, warnings) = compile_flag(feature, &mut segments, hostname);
            flag_warnings.remove(&*flag.name);
            if !warnings.is_empty() {
                flag_warnings.insert(flag.name.clone(), warnings);
            }
            match index.get(&feature.name, |i| &flags[i].name) {
                Some(at) => *flags.get_mut(at) = flag,
                None => {
                    flags.push(flag);
                    let at = flags.len() - 1;
                    index.insert(&feature.name, at, |i| &flags[i].name);
                }
            }
        }
        let dependency_warnings = resolve_dependencies(&mut flags, &index);
        Engine {
            flags,
            index,
            random: RandomSource::new(self.options.random_seed),
            options: self.options.clone(),
            document_warnings: self.document_warnings.clone(),
            flag_warnings,
            dependency_warnings,
            segments: segments.into_compiled(),
        }
    }

    /// What could not be understood while compiling (those parts never match):
    /// about the document, then each flag in document order, then dependencies.
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = self.document_warnings.clone();
        for flag in self.flags.iter() {
            if let Some(of_flag) = self.flag_warnings.get(&flag.name) {
                warnings.extend(of_flag.iter().cloned());
            }
        }
        warnings.extend(self.dependency_warnings.iter().cloned());
        warnings
    }

    /// Number of flags.
    pub fn len(&self) -> usize {
        self.flags.len()
    }

    /// Whether the document had no flags.
    pub fn is_empty(&self) -> bool {
        self.flags.len() == 0
    }

    /// Whether the document has a flag by this name.
    pub fn contains(&self, name: &str) -> bool {
        self.flag(name).is_some()
    }

    /// Flag names in document order.
    pub fn flag_names(&self) -> impl Iterator<Item = &str> {
        self.flags.iter().map(|f| &*f.name)
    }

    /// Whether `name` is on for `context`. An unknown flag is off.
    pub fn is_enabled(&self, name: &str, context: &Context) -> bool {
        match self.flag(name) {
            Some(flag) => self.decide(flag, &Resolved::new(context)) != Decision::Off,
            None => false,
        }
    }

    /// The variant of `name` for `context`, as Unleash's `getVariant` gives it.
    pub fn get_variant(&self, name: &str, context: &Context) -> VariantResult<'_> {
        self.evaluate(name, context).variant
    }

    /// Both answers for one flag in one pass.
    pub fn evaluate(&self, name: &str, context: &Context) -> Evaluation<'_> {
        match self.flag(name) {
            Some(flag) => self.evaluate_flag(flag, &Resolved::new(context)),
            None => Evaluation {
                enabled: false,
                variant: VariantResult::DISABLED,
                impression_data: false,
            },
        }
    }

    /// Every flag, in document order, for one context (parsed once for all).
    pub fn evaluate_all<'e, 'c>(
        &'e self,
        context: &'c Context,
    ) -> impl Iterator<Item = (&'e str, Evaluation<'e>)> + 'c
    where
        'e: 'c,
    {
        let resolved = Resolved::new(context);
        self.flags
            .iter()
            .map(move |flag| (&*flag.name, self.evaluate_flag(flag, &resolved)))
    }

    /// The flags of the projects `sees` accepts (a flag without a project is
    /// in none), in document order, for one context: flags the caller cannot
    /// see are skipped before they are evaluated. Yields each flag's name,
    /// project and answer.
    pub fn evaluate_visible<'e, 'c, F>(
        &'e self,
        context: &'c Context,
        sees: F,
    ) -> impl Iterator<Item = (&'e str, &'e str, Evaluation<'e>)> + 'c
    where
        'e: 'c,
        F: Fn(&str) -> bool + 'c,
    {
        let resolved = Resolved::new(context);
        self.flags.iter().filter_map(move |flag| {
            let project = flag.project.as_deref().filter(|p| sees(p))?;
            Some((&*flag.name, project, self.evaluate_flag(flag, &resolved)))
        })
    }

    /// The flag's `impressionData` setting; `None` for an unknown flag.
    pub fn impression_data(&self, name: &str) -> Option<bool> {
        self.flag(name).map(|f| f.impression_data)
    }

    /// The project the document places the flag in, if it says.
    pub fn project(&self, name: &str) -> Option<&str> {
        self.flag(name).and_then(|f| f.project.as_deref())
    }

    #[inline]
    pub(crate) fn flag(&self, name: &str) -> Option<&CompiledFlag> {
        self.index
            .get(name, |i| &self.flags[i].name)
            .map(|i| &self.flags[i])
    }

    fn evaluate_flag<'e>(
        &'e self,
        flag: &'e CompiledFlag,
        context: &Resolved<'_>,
    ) -> Evaluation<'e> {
        let decision = self.decide(flag, context);
        Evaluation {
            enabled: decision != Decision::Off,
            variant: self.variant_for(flag, decision, context),
            impression_data: flag.impression_data,
        }
    }

    #[inline]
    pub(crate) fn decide(&self, flag: &CompiledFlag, context: &Resolved<'_>) -> Decision {
        if !flag.enabled || flag.off_reason.is_some() {
            return Decision::Off;
        }
        if !flag
            .dependencies
            .iter()
            .all(|d| self.dependency_holds(d, context))
        {
            return Decision::Off;
        }
        if flag.strategies.is_empty() {
            return Decision::On(None);
        }
        match flag
            .strategies
            .iter()
            .position(|s| s.matches(context, &self.random))
        {
            Some(i) => Decision::On(Some(i)),
            None => Decision::Off,
        }
    }

    /// Whether a parent flag is as the dependency expects. As in Unleash's engine,
    /// the parent's variant is picked whether or not the parent is on, and a
    /// parent without variants satisfies any variant list.
    pub(crate) fn dependency_holds(
        &self,
        dependency: &CompiledDependency,
        context: &Resolved<'_>,
    ) -> bool {
        let Some(parent) = dependency.parent.map(|i| &self.flags[i]) else {
            return false;
        };
        if !dependency.variants.is_empty() {
            if let Some(name) = self.parent_variant(parent, context) {
                if !dependency.variants.iter().any(|v| **v == *name) {
                    return false;
                }
            }
        }
        (self.decide(parent, context) != Decision::Off) == dependency.expect_enabled
    }

    fn parent_variant<'e>(
        &'e self,
        parent: &'e CompiledFlag,
        context: &Resolved<'_>,
    ) -> Option<&'e str> {
        let matched = match parent.off_reason {
            Some(_) => None,
            None => parent
                .strategies
                .iter()
                .find(|s| s.matches(context, &self.random)),
        };
        matched
            .and_then(|s| s.variants.as_ref())
            .or(parent.variants.as_ref())
            .and_then(|set| set.select(context, &self.random))
            .map(|(variant, _)| &*variant.name)
    }

    /// The variant for a flag already decided: the matched strategy's variants if
    /// it has any, else the flag's own.
    pub(crate) fn variant_for<'e>(
        &'e self,
        flag: &'e CompiledFlag,
        decision: Decision,
        context: &Resolved<'_>,
    ) -> VariantResult<'e> {
        let Decision::On(strategy) = decision else {
            return VariantResult::DISABLED;
        };
        let set = strategy
            .and_then(|i| flag.strategies[i].variants.as_ref())
            .or(flag.variants.as_ref());
        set.and_then(|set| set.select(context, &self.random))
            .map_or(VariantResult::NO_VARIANT, |(variant, _)| variant.result())
    }
}
