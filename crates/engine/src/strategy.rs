//! Activation strategies, compiled. Each built-in strategy becomes a [`Rule`] with
//! its parameters parsed (percentages, id lists, CIDR ranges, the hash group);
//! the strategy's own constraints and its segments' constraints are inlined into
//! one list, so evaluation is "all constraints hold, then the rule holds".

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;

use crate::constraint::{parse_net, CompiledConstraint};
use crate::context::{ContextField, Resolved};
use crate::document::{Segment, Strategy};
use crate::hash::HashGroup;
use crate::random::RandomSource;
use crate::variant::{Stickiness, VariantSet};

/// A strategy ready to evaluate.
#[derive(Debug, Clone)]
pub(crate) struct CompiledStrategy {
    pub(crate) name: Box<str>,
    pub(crate) rule: Rule,
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
    RemoteAddress {
        nets: Box<[IpNet]>,
        /// Entries that are not addresses, compared as text (as the SDKs do).
        literals: Box<[Box<str>]>,
    },
    /// Matches when the engine's configured host name is in the list.
    ApplicationHostname(bool),
    /// A strategy this engine does not know: never matches.
    Unknown,
}

/// Stickiness of a rollout. Unlike variants, a rollout's default does not fall back
/// to the remote address, and a named field that is absent means "off", not random.
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

/// Unleash reads percentages as JavaScript's `Number()` does; a bucket `b` in
/// 1..=100 passes when `p > 0 && b <= p`, i.e. when `b <= floor(p)`.
fn threshold(text: Option<&str>) -> u32 {
    let parsed = text
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .and_then(|t| t.parse::<f64>().ok())
        .unwrap_or(0.0);
    if parsed.is_nan() || parsed <= 0.0 {
        0
    } else {
        parsed.floor().min(100.0) as u32
    }
}

fn comma_list(text: Option<&str>) -> impl Iterator<Item = &str> {
    text.unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

impl Rule {
    fn compile(
        name: &str,
        parameters: &BTreeMap<String, String>,
        flag_name: &str,
        hostname: Option<&str>,
    ) -> Rule {
        let param = |key: &str| parameters.get(key).map(String::as_str);
        let group = |key: &str| {
            HashGroup::new(
                param(key)
                    .filter(|g| !g.is_empty())
                    .unwrap_or(if key == "groupId" { flag_name } else { "" }),
            )
        };
        match name {
            "default" => Rule::Default,
            "flexibleRollout" => Rule::Rollout {
                threshold: threshold(param("rollout")),
                stickiness: match Stickiness::parse(param("stickiness")) {
                    Stickiness::Default => RolloutStickiness::Default,
                    Stickiness::Random => RolloutStickiness::Random,
                    Stickiness::Field(field) => RolloutStickiness::Field(field),
                },
                group: group("groupId"),
            },
            "gradualRolloutUserId" => Rule::Rollout {
                threshold: threshold(param("percentage")),
                stickiness: RolloutStickiness::Field(ContextField::UserId),
                group: HashGroup::new(param("groupId").unwrap_or("")),
            },
            "gradualRolloutSessionId" => Rule::Rollout {
                threshold: threshold(param("percentage")),
                stickiness: RolloutStickiness::Field(ContextField::SessionId),
                group: HashGroup::new(param("groupId").unwrap_or("")),
            },
            "gradualRolloutRandom" => Rule::Random {
                threshold: threshold(param("percentage")),
            },
            "userWithId" => {
                Rule::UserWithId(comma_list(param("userIds")).map(Into::into).collect())
            }
            "remoteAddress" => {
                let (mut nets, mut literals) = (Vec::new(), Vec::new());
                for entry in comma_list(param("IPs")) {
                    match parse_net(entry) {
                        Some(net) => nets.push(net),
                        None => literals.push(entry.into()),
                    }
                }
                Rule::RemoteAddress {
                    nets: nets.into(),
                    literals: literals.into(),
                }
            }
            "applicationHostname" => {
                let host = hostname.map(str::to_lowercase);
                Rule::ApplicationHostname(host.is_some_and(|host| {
                    comma_list(param("hostNames")).any(|h| h.to_lowercase() == host)
                }))
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
                    RolloutStickiness::Default => ctx
                        .user_id
                        .as_deref()
                        .filter(|s| !s.is_empty())
                        .or_else(|| ctx.session_id.as_deref().filter(|s| !s.is_empty())),
                    RolloutStickiness::Random => None,
                    RolloutStickiness::Field(field) => {
                        match context.get(field).filter(|s| !s.is_empty()) {
                            Some(value) => Some(value),
                            None => return RuleOutcome::NoStickyValue,
                        }
                    }
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
            Rule::RemoteAddress { nets, literals } => {
                let Some(address) = ctx.remote_address.as_deref() else {
                    return RuleOutcome::Missed;
                };
                let by_net = context
                    .remote_ip()
                    .is_some_and(|ip: IpAddr| nets.iter().any(|net| net.contains(&ip)));
                outcome(by_net || literals.iter().any(|l| **l == *address))
            }
            Rule::ApplicationHostname(hit) => outcome(*hit),
            Rule::Unknown => RuleOutcome::Missed,
        }
    }
}

impl CompiledStrategy {
    pub(crate) fn compile(
        source: &Strategy,
        flag_name: &str,
        segments: &rustc_hash::FxHashMap<i64, &Segment>,
        hostname: Option<&str>,
    ) -> Self {
        let mut constraints = Vec::new();
        let mut missing_segment = None;
        for id in &source.segments {
            match segments.get(id) {
                Some(segment) => constraints.extend(
                    segment
                        .constraints
                        .iter()
                        .map(|c| CompiledConstraint::compile(c, Some(*id))),
                ),
                None => missing_segment = missing_segment.or(Some(*id)),
            }
        }
        constraints.extend(
            source
                .constraints
                .iter()
                .map(|c| CompiledConstraint::compile(c, None)),
        );
        let group_id = source
            .parameters
            .get("groupId")
            .map(String::as_str)
            .filter(|g| !g.is_empty())
            .unwrap_or(flag_name);
        CompiledStrategy {
            name: source.name.as_str().into(),
            rule: Rule::compile(&source.name, &source.parameters, flag_name, hostname),
            constraints: constraints.into(),
            missing_segment,
            variants: VariantSet::compile(
                &source.variants,
                group_id,
                source.parameters.get("stickiness").map(String::as_str),
            ),
        }
    }

    /// Whether the strategy is on for this context: every constraint (its own and
    /// its segments') holds, and then its rule does.
    #[inline]
    pub(crate) fn matches(&self, context: &Resolved<'_>, random: &RandomSource) -> bool {
        self.missing_segment.is_none()
            && self.constraints.iter().all(|c| c.matches(context))
            && self.rule.evaluate(context, random).holds()
    }
}
