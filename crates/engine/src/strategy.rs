//! Activation strategies, compiled. Each built-in strategy becomes a [`Rule`] with
//! its parameters parsed (percentages, id lists, CIDR ranges, the hash group);
//! evaluation is "its segments' constraints and its own hold, then the rule
//! holds". A segment is compiled once per engine build and shared by every
//! strategy that names it ([`SegmentCache`]), so a large segment used by many
//! flags costs its size once, not once per use.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use ipnet::IpNet;

use crate::constraint::CompiledConstraint;
use crate::context::{ContextField, Resolved};
use crate::document::{Segment, Strategy};
use crate::hash::HashGroup;
use crate::random::RandomSource;
use crate::values::parse_net;
use crate::variant::{Stickiness, VariantSet};

/// A strategy ready to evaluate.
#[derive(Debug, Clone)]
pub(crate) struct CompiledStrategy {
    pub(crate) name: Box<str>,
    pub(crate) rule: Rule,
    /// The constraints of the segments it names, in order (shared).
    pub(crate) segments: Box<[Arc<[CompiledConstraint]>]>,
    /// Its own constraints.
    pub(crate) constraints: Box<[CompiledConstraint]>,
    /// A segment id the strategy names but the document lacks (turns the flag off).
    pub(crate) missing_segment: Option<i64>,
    pub(crate) variants: Option<VariantSet>,
}

#[derive(Debug, Clone)]
pub(crate) enum Rule {
    Default,
    /// `flexibleRollout`, `gradualRolloutUserId`, `gradualRolloutSessionId`.
    Rollout {
        /// On when the bucket (1..=100) is at most this (0 = never).
        threshold: u32,
        stickiness: RolloutStickiness,
        group: HashGroup,
    },
    /// `gradualRolloutRandom`.
    Random {
        threshold: u32,
    },
    UserWithId(Box<[Box<str>]>),
    RemoteAddress(Box<[IpNet]>),
    /// Matches when the engine's configured host name is in the list.
    ApplicationHostname(bool),
    /// A strategy this engine does not know, or one missing a parameter it
    /// needs: never matches.
    Unknown,
    /// Never matches because a parameter it needs is missing or unreadable.
    Off,
    /// Cannot be compiled (a rollout above 100%): the whole flag is off.
    Broken(&'static str),
}

/// Stickiness of a rollout. A named field that is absent means "off", not random.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RolloutStickiness {
    /// userId, else sessionId, else random.
    Default,
    Random,
    /// This field, or off when it is absent.
    Field(ContextField),
}

/// What a strategy's rule saw, for explanations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RuleOutcome {
    Matched,
    Missed,
    /// Rollouts: the bucket and the threshold it was compared against.
    Bucket {
        bucket: u32,
        threshold: u32,
    },
    /// Rollouts: the sticky value was absent.
    NoStickyValue,
}

impl RuleOutcome {
    pub(crate) fn holds(self) -> bool {
        match self {
            RuleOutcome::Matched => true,
            RuleOutcome::Bucket { bucket, threshold } => bucket <= threshold,
            RuleOutcome::Missed | RuleOutcome::NoStickyValue => false,
        }
    }
}

/// A rollout percentage: a whole number, read exactly as written. `None` when it
/// does not read (the strategy is then off); above 100 the flag cannot compile.
fn percentage(text: Option<&str>) -> Option<usize> {
    text.and_then(|t| t.parse::<usize>().ok())
}

fn rollout_rule(
    percentage_text: Option<&str>,
    stickiness: RolloutStickiness,
    group: Option<&str>,
) -> Rule {
    match percentage(percentage_text) {
        None => Rule::Off,
        Some(p) if p > 100 => Rule::Broken("a rollout percentage above 100"),
        Some(p) => Rule::Rollout {
            threshold: p as u32,
            stickiness,
            group: HashGroup::new(group.unwrap_or("")),
        },
    }
}

/// Comma-separated parameter entries, each trimmed; empty entries are kept.
fn comma_list(text: &str) -> impl Iterator<Item = &str> {
    text.split(',').map(str::trim)
}

impl Rule {
    fn compile(
        name: &str,
        parameters: &BTreeMap<String, String>,
        flag_name: &str,
        hostname: Option<&str>,
    ) -> Rule {
        let param = |key: &str| parameters.get(key).map(String::as_str);
        match name {
            "default" => Rule::Default,
            "flexibleRollout" => rollout_rule(
                param("rollout"),
                match Stickiness::parse(param("stickiness")) {
                    Stickiness::Default => RolloutStickiness::Default,
                    Stickiness::Random => RolloutStickiness::Random,
                    Stickiness::Field(field) => RolloutStickiness::Field(field),
                },
                // An absent groupId means the flag's name; an empty one stays empty.
                Some(param("groupId").unwrap_or(flag_name)),
            ),
            "gradualRolloutUserId" | "gradualRolloutSessionId" => match param("groupId") {
                None => Rule::Off,
                Some(group) => rollout_rule(
                    param("percentage"),
                    RolloutStickiness::Field(if name == "gradualRolloutUserId" {
                        ContextField::UserId
                    } else {
                        ContextField::SessionId
                    }),
                    Some(group),
                ),
            },
            "gradualRolloutRandom" => match percentage(param("percentage")) {
                Some(p) => Rule::Random {
                    threshold: p.min(100) as u32,
                },
                None => Rule::Off,
            },
            "userWithId" => match param("userIds") {
                Some(ids) => Rule::UserWithId(comma_list(ids).map(Into::into).collect()),
                None => Rule::Off,
            },
            "remoteAddress" => match param("IPs") {
                Some(ips) => Rule::RemoteAddress(comma_list(ips).filter_map(parse_net).collect()),
                None => Rule::Off,
            },
            "applicationHostname" => {
                let host = hostname.map(str::to_lowercase);
                let hosts = param("hostNames").unwrap_or("");
                Rule::ApplicationHostname(
                    host.is_some_and(|host| comma_list(hosts).any(|h| h.to_lowercase() == host)),
                )
            }
            _ => Rule::Unknown,
        }
    }

    #[inline]
    pub(crate) fn evaluate(&self, context: &Resolved<'_>, random: &RandomSource) -> RuleOutcome {
        let ctx = context.context;
        let outcome = |hit: bool| {
            if hit {
                RuleOutcome::Matched
            } else {
                RuleOutcome::Missed
            }
        };
        match self {
            Rule::Default => RuleOutcome::Matched,
            Rule::Rollout {
                threshold,
                stickiness,
                group,
            } => {
                let sticky = match stickiness {
                    RolloutStickiness::Default => {
                        ctx.user_id.as_deref().or(ctx.session_id.as_deref())
                    }
                    RolloutStickiness::Random => None,
                    RolloutStickiness::Field(field) => match context.get(field) {
                        Some(value) => Some(value),
                        None => return RuleOutcome::NoStickyValue,
                    },
                };
                let bucket = match sticky {
                    Some(value) => group.bucket(value, 0, 100),
                    None => random.bucket(100),
                };
                RuleOutcome::Bucket {
                    bucket,
                    threshold: *threshold,
                }
            }
            Rule::Random { threshold } => RuleOutcome::Bucket {
                bucket: random.bucket(100),
                threshold: *threshold,
            },
            Rule::UserWithId(ids) => outcome(
                ctx.user_id
                    .as_deref()
                    .is_some_and(|user| ids.iter().any(|id| **id == *user)),
            ),
            Rule::RemoteAddress(nets) => outcome(
                context
                    .remote_ip()
                    .is_some_and(|ip: IpAddr| nets.iter().any(|net| net.contains(&ip))),
            ),
            Rule::ApplicationHostname(hit) => outcome(*hit),
            Rule::Unknown | Rule::Off | Rule::Broken(_) => RuleOutcome::Missed,
        }
    }
}

/// Segments an engine has compiled, with the source each was compiled from.
pub(crate) type CompiledSegments = FxHashMap<i64, (Arc<Segment>, Arc<[CompiledConstraint]>)>;

/// The document's segments, each compiled on first use and then shared —
/// also with the engine an update starts from, while a segment is unchanged.
pub(crate) struct SegmentCache<'d> {
    sources: FxHashMap<i64, &'d Segment>,
    before: Option<&'d CompiledSegments>,
    compiled: CompiledSegments,
}

impl<'d> SegmentCache<'d> {
    pub(crate) fn new(segments: &'d [Segment], before: Option<&'d CompiledSegments>) -> Self {
        SegmentCache {
            sources: segments.iter().map(|s| (s.id, s)).collect(),
            before,
            compiled: FxHashMap::default(),
        }
    }

    /// Segment `id`'s constraints, compiled; `None` when the document lacks it.
    fn get(&mut self, id: i64) -> Option<Arc<[CompiledConstraint]>> {
        if let Some((_, compiled)) = self.compiled.get(&id) {
            return Some(compiled.clone());
        }
        let source = *self.sources.get(&id)?;
        let entry = match self.before.and_then(|before| before.get(&id)) {
            Some((was, compiled)) if **was == *source => (was.clone(), compiled.clone()),
            _ => (
                Arc::new(source.clone()),
                source
                    .constraints
                    .iter()
                    .map(|c| CompiledConstraint::compile(c, Some(id)))
                    .collect(),
            ),
        };
        let compiled = entry.1.clone();
        self.compiled.insert(id, entry);
        Some(compiled)
    }

    /// What an engine keeps: what this build compiled, over what the engine
    /// before it had for segments that still exist.
    pub(crate) fn into_compiled(self) -> CompiledSegments {
        let mut kept: CompiledSegments = self
            .before
            .map(|before| {
                before
                    .iter()
                    .filter(|(id, (was, _))| self.sources.get(id).is_some_and(|now| **now == **was))
                    .map(|(id, entry)| (*id, entry.clone()))
                    .collect()
            })
            .unwrap_or_default();
        kept.extend(self.compiled);
        kept
    }
}

impl CompiledStrategy {
    pub(crate) fn compile(
        source: &Strategy,
        flag_name: &str,
        segments: &mut SegmentCache<'_>,
        hostname: Option<&str>,
    ) -> Self {
        let mut shared = Vec::new();
        let mut missing_segment = None;
        for id in &source.segments {
            match segments.get(*id) {
                Some(compiled) => shared.push(compiled),
                None => missing_segment = missing_segment.or(Some(*id)),
            }
        }
        let constraints: Vec<CompiledConstraint> = source
            .constraints
            .iter()
            .map(|c| CompiledConstraint::compile(c, None))
            .collect();
        let group_id = source
            .parameters
            .get("groupId")
            .map_or(flag_name, String::as_str);
        CompiledStrategy {
            name: source.name.as_str().into(),
            rule: Rule::compile(&source.name, &source.parameters, flag_name, hostname),
            segments: shared.into(),
            constraints: constraints.into(),
            missing_segment,
            // Strategy variants are sticky on the strategy's stickiness, whatever
            // each variant says.
            variants: VariantSet::compile(
                &source.variants,
                group_id,
                Some(
                    source
                        .parameters
                        .get("stickiness")
                        .map_or("default", String::as_str),
                ),
            ),
        }
    }

    /// Whether the strategy is on for this context: every constraint (its
    /// segments', then its own) holds, and then its rule does.
    #[inline]
    pub(crate) fn matches(&self, context: &Resolved<'_>, random: &RandomSource) -> bool {
        self.missing_segment.is_none()
            && self
                .segments
                .iter()
                .all(|segment| segment.iter().all(|c| c.matches(context)))
            && self.constraints.iter().all(|c| c.matches(context))
            && self.rule.evaluate(context, random).holds()
    }

    /// Every constraint it checks, in order: its segments', then its own.
    pub(crate) fn all_constraints(&self) -> impl Iterator<Item = &CompiledConstraint> {
        self.segments
            .iter()
            .flat_map(|segment| segment.iter())
            .chain(self.constraints.iter())
    }
}

#[cfg(test)]
mod tests;
