//! The instance-wide part of a migration, one change: environments (type,
//! sort order, on/off), projects and the environments enabled for each,
//! context fields with their legal values, tag types, custom strategy
//! definitions and segments — each created, or updated where it differs, so
//! a second run converges. And the tokens, in a change of their own.

use std::collections::BTreeSet;

use flagstaff_storage::WriteTx;

use super::{NewToken, Summary, UnleashState};
use crate::ops::tokens::TokenRequest;
use crate::ops::{
    AddEnvironmentToProject, Context, ContextFieldInput, CreateContextField, CreateEnvironment,
    CreateProject, CreateSegment, CreateStrategyType, CreateTagType, CreateToken,
    DeprecateStrategyType, EnvironmentName, LegalValue, OpError, OpResult, Operation, ProjectId,
    RemoveEnvironmentFromProject, SegmentInput, SetEnvironmentEnabled, StrategyTypeInput,
    TagTypeInput, UpdateContextField, UpdateProject, UpdateSegment, UpdateStrategyType,
};
use crate::TokenKind;

fn parse<T>(parsed: OpResult<T>, what: &str) -> OpResult<T> {
    parsed.map_err(|e| OpError::invalid_input(format!("{what}: {e}")))
}

pub(super) async fn apply(
    w: &mut WriteTx<'_>,
    cx: &Context,
    state: &UnleashState,
    summary: &mut Summary,
) -> OpResult<()> {
    environments(w, cx, state, summary).await?;
    projects(w, cx, state, summary).await?;
    context_fields(w, cx, state, summary).await?;
    for t in &state.tag_types {
        let Some(name) = &t.name else { continue };
        if w.tag_type(name).await?.is_none() {
            CreateTagType {
                tag_type: TagTypeInput {
                    name: name.clone(),
                    description: t.description.clone(),
                    icon: t.icon.clone(),
                    color: t.color.clone(),
                },
            }
            .run(w, cx)
            .await?;
        }
        summary.tag_types += 1;
    }
    strategies(w, cx, state, summary).await?;
    segments(w, cx, state, summary).await
}

async fn environments(
    w: &mut WriteTx<'_>,
    cx: &Context,
    state: &UnleashState,
    summary: &mut Summary,
) -> OpResult<()> {
    for e in &state.environments {
        let name = parse(EnvironmentName::parse(&e.name), "environment")?;
        if !w.environment_exists(&name).await? {
            CreateEnvironment {
                name: name.clone(),
                kind: e.kind.clone(),
                sort_order: e.sort_order,
            }
            .run(w, cx)
            .await?;
        }
        SetEnvironmentEnabled {
            name,
            enabled: e.enabled,
        }
        .run(w, cx)
        .await?;
        summary.environments += 1;
    }
    Ok(())
}

async fn projects(
    w: &mut WriteTx<'_>,
    cx: &Context,
    state: &UnleashState,
    summary: &mut Summary,
) -> OpResult<()> {
    let stored = w.projects().await?;
    for p in &state.projects {
        let id = parse(ProjectId::parse(&p.id), "project")?;
        let name = p.name.clone().unwrap_or_else(|| p.id.clone());
        match stored.iter().find(|(s, _, _)| s == &p.id) {
            None => {
                CreateProject {
                    id: id.clone(),
                    name: Some(name),
                    description: p.description.clone(),
                }
                .run(w, cx)
                .await?;
            }
            Some((_, n, d)) if *n != name || *d != p.description => {
                UpdateProject {
                    id: id.clone(),
                    name,
                    description: p.description.clone(),
                }
                .run(w, cx)
                .await?;
            }
            Some(_) => {}
        }
        let wanted: BTreeSet<&str> = p.environments.iter().map(String::as_str).collect();
        let has: BTreeSet<String> = w
            .project_environments(&id)
            .await?
            .into_iter()
            .map(|e| e.name)
            .collect();
        for environment in wanted.iter().filter(|e| !has.contains(**e)) {
            AddEnvironmentToProject {
                project: id.clone(),
                environment: parse(EnvironmentName::parse(environment), "environment")?,
            }
            .run(w, cx)
            .await?;
        }
        // Taken away after adding, so a project always keeps one.
        for environment in has.iter().filter(|e| !wanted.contains(e.as_str())) {
            RemoveEnvironmentFromProject {
                project: id.clone(),
                environment: parse(EnvironmentName::parse(environment), "environment")?,
            }
            .run(w, cx)
            .await?;
        }
        summary.projects += 1;
    }
    Ok(())
}

async fn context_fields(
    w: &mut WriteTx<'_>,
    cx: &Context,
    state: &UnleashState,
    summary: &mut Summary,
) -> OpResult<()> {
    for f in &state.context_fields {
        let legal_values: Vec<LegalValue> = f
            .legal_values
            .iter()
            .filter_map(|v| serde_json::from_value(v.clone()).ok())
            .collect();
        let input = ContextFieldInput {
            name: Some(f.name.clone()),
            description: f.description.clone(),
            stickiness: f.stickiness,
            sort_order: f.sort_order,
            legal_values: Some(legal_values.clone()),
            project: f.project.clone(),
        };
        match w
            .context_fields()
            .await?
            .into_iter()
            .find(|s| s.name == f.name)
        {
            None => CreateContextField {
                field: input,
                scope: None,
            }
            .run(w, cx)
            .await
            .map(drop)?,
            Some(s) => {
                let stored: Vec<LegalValue> = s
                    .legal_values
                    .iter()
                    .filter_map(|v| serde_json::from_value(v.clone()).ok())
                    .collect();
                let same = serde_json::to_value(&stored).ok()
                    == serde_json::to_value(&legal_values).ok()
                    && f.description
                        .as_ref()
                        .is_none_or(|d| s.description.as_ref() == Some(d))
                    && f.stickiness.is_none_or(|v| v == s.stickiness)
                    && f.sort_order.is_none_or(|v| v == s.sort_order);
                if !same {
                    UpdateContextField {
                        name: f.name.clone(),
                        field: input,
                        scope: None,
                    }
                    .run(w, cx)
                    .await?;
                }
            }
        }
        summary.context_fields += 1;
    }
    Ok(())
}

async fn strategies(
    w: &mut WriteTx<'_>,
    cx: &Context,
    state: &UnleashState,
    summary: &mut Summary,
) -> OpResult<()> {
    for s in &state.strategies {
        let input = StrategyTypeInput {
            name: s.name.clone(),
            title: s.title.clone(),
            description: s.description.clone(),
            parameters: s.parameters.clone(),
        };
        let stored = match w.strategy_type(&s.name).await? {
            // Unleash's own are built in here as well.
            Some(t) if t.built_in => continue,
            None => CreateStrategyType { strategy: input }.run(w, cx).await?,
            Some(t)
                if t.title != s.title.clone().filter(|t| !t.is_empty())
                    || t.description != s.description
                    || t.parameters != s.parameters =>
            {
                UpdateStrategyType {
                    name: s.name.clone(),
                    strategy: input,
                }
                .run(w, cx)
                .await?
            }
            Some(t) => t,
        };
        if stored.deprecated != s.deprecated {
            DeprecateStrategyType {
                name: s.name.clone(),
                deprecated: s.deprecated,
            }
            .run(w, cx)
            .await?;
        }
        summary.strategies += 1;
    }
    Ok(())
}

/// Segments by name (Unleash's ids are its own; strategies are mapped by name).
async fn segments(
    w: &mut WriteTx<'_>,
    cx: &Context,
    state: &UnleashState,
    summary: &mut Summary,
) -> OpResult<()> {
    for s in &state.segments {
        let input = SegmentInput {
            name: s.name.clone(),
            description: s.description.clone(),
            project: s.project.clone(),
            constraints: s.constraints.clone(),
        };
        match w.segments().await?.into_iter().find(|h| h.name == s.name) {
            None => CreateSegment { segment: input }
                .run(w, cx)
                .await
                .map(drop)?,
            Some(h)
                if h.description != s.description
                    || h.project != s.project
                    || h.constraints != s.constraints =>
            {
                UpdateSegment {
                    id: h.id,
                    segment: input,
                }
                .run(w, cx)
                .await
                .map(drop)?
            }
            Some(_) => {}
        }
        summary.segments += 1;
    }
    Ok(())
}

/// Tokens with Unleash's names and scopes and new secrets; one with the same
/// name, type and scope here already is kept (so a second run makes none).
pub(super) async fn tokens(
    w: &mut WriteTx<'_>,
    cx: &Context,
    state: &UnleashState,
    summary: &mut Summary,
) -> OpResult<()> {
    let stored = w.tokens().await?;
    for t in &state.tokens {
        let Some(kind) = TokenKind::parse(&t.kind) else {
            continue;
        };
        let mut projects = t.projects.clone();
        if projects.is_empty() || projects.iter().any(|p| p == "*") {
            projects = vec!["*".to_owned()];
        }
        projects.sort();
        let environment = t.environment.clone().unwrap_or_else(|| "*".to_owned());
        let exists = stored.iter().any(|s| {
            let mut scope = s.projects.clone();
            scope.sort();
            s.token_name == t.token_name
                && s.token_type == kind
                && s.environment == environment
                && scope == projects
        });
        if exists {
            continue;
        }
        let created = CreateToken(TokenRequest {
            name: t.token_name.clone(),
            kind,
            projects,
            environment: (kind != TokenKind::Admin).then(|| environment.clone()),
            expires_at: None,
        })
        .run(w, cx)
        .await?;
        summary.tokens.push(NewToken {
            token_name: created.row.token_name,
            kind: kind.as_str().to_owned(),
            environment: created.row.environment,
            projects: created.row.projects,
            secret: created.secret,
        });
    }
    Ok(())
}
