//! Flag operations: create, change metadata (replace or JSON Patch), archive,
//! revive, delete. Switching a flag on or off is in `switch.rs`. A flag other
//! flags depend on cannot be archived or deleted; archiving a child drops its
//! dependencies (both as Unleash).

use serde::{Deserialize, Serialize};

use super::dependencies::no_children;
use super::flag_fields::{apply_metadata, FlagFields};
use super::tags::{parse_all, tag_at, tag_flag, TagInput};
use super::{
    Actor, Context, Edit, FieldPath, FlagName, FlagScope, OpError, OpResult, Operation, ProjectId,
    RemoveDependencies,
};
use crate::wire::{to_value, FlagMetadata};
use flagstaff_storage::{now, EventKind, FlagRow, NewEvent, PoolReader, UnknownFlagType, WriteTx};

/// Unleash's flag types, as stored (the storage crate's, so its rows carry it).
pub use flagstaff_storage::FlagType;

/// A flag type that is none of Unleash's is refused on the input's `type`.
impl From<UnknownFlagType> for OpError {
    fn from(unknown: UnknownFlagType) -> OpError {
        OpError::invalid(FieldPath::root().field("type"), unknown.to_string())
    }
}

fn metadata_event(
    event_type: EventKind,
    actor: &Actor,
    before: Option<&FlagRow>,
    after: Option<&FlagRow>,
) -> NewEvent {
    let flag = after.or(before);
    NewEvent {
        created_by: actor.name.clone(),
        project: flag.map(|f| f.project.clone()),
        feature_name: flag.map(|f| f.name.clone()),
        pre_data: before.map(|f| to_value(&FlagMetadata::from(f))),
        data: after.map(|f| to_value(&FlagMetadata::from(f))),
        ..NewEvent::new(event_type)
    }
}

/// A flag name can be given to a new flag when no flag has it, archived or not.
fn name_is_free(existing: Option<FlagRow>) -> OpResult<()> {
    match existing {
        None => Ok(()),
        Some(f) if f.archived_at.is_some() => Err(OpError::Conflict(
            "An archived flag with that name already exists".to_owned(),
        )),
        Some(_) => Err(OpError::Conflict(
            "A flag with that name already exists".to_owned(),
        )),
    }
}

/// Whether `name` could be a new flag's name now (`POST /api/admin/features/validate`):
/// legal (400) and free (409).
pub async fn validate_new_name(store: &PoolReader, name: &str) -> OpResult<FlagName> {
    let name = FlagName::parse(name)?;
    name_is_free(store.flag(&name).await?)?;
    Ok(name)
}

/// A new flag in a project, switched off in each of the project's
/// environments, with the tags given (as Unleash's create body may have).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateFlag {
    pub project: ProjectId,
    pub name: FlagName,
    pub flag_type: FlagType,
    pub description: Option<String>,
    pub impression_data: bool,
    #[serde(default)]
    pub tags: Vec<TagInput>,
}

impl Operation for CreateFlag {
    type Output = FlagRow;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<FlagRow> {
        let actor = &cx.actor;
        let tags = parse_all(&self.tags).map_err(|e| e.within(&FieldPath::root().field("tags")))?;
        if !w.project_exists(&self.project).await? {
            return Err(OpError::NotFound(format!(
                "Could not find project {}",
                self.project
            )));
        }
        name_is_free(w.flag(&self.name).await?)?;
        let environments: Vec<String> = w
            .project_environments(&self.project)
            .await?
            .into_iter()
            .map(|e| e.name)
            .collect();
        let feature = FlagRow {
            name: self.name.into(),
            project: self.project.into(),
            description: self.description,
            feature_type: self.flag_type,
            stale: false,
            impression_data: self.impression_data,
            archived_at: None,
            created_at: now(),
            created_by: actor.name.clone(),
        };
        w.insert_flag(&feature, &environments).await?;
        w.record_event(metadata_event(
            EventKind::FeatureCreated,
            actor,
            None,
            Some(&feature),
        ))
        .await?;
        for tag in &tags {
            tag_flag(w, cx, &feature, tag)
                .await
                .map_err(|e| e.within(&tag_at(&self.tags, FieldPath::root().field("tags"), tag)))?;
        }
        Ok(feature)
    }
}

/// Changes a live flag's metadata: a replacement of its [`FlagFields`]
/// (Unleash's PUT body) or a JSON Patch of [`FlagMetadata`], read back as
/// [`FlagFields`]. Variants are not changed this way.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateFlag {
    pub project: ProjectId,
    pub name: FlagName,
    pub edit: Edit<FlagFields>,
}

impl Operation for UpdateFlag {
    type Output = FlagRow;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<FlagRow> {
        let actor = &cx.actor;
        if self
            .edit
            .patched_paths()
            .iter()
            .any(|p| p.starts_with("/variants"))
        {
            return Err(OpError::Denied(
                "Changing variants is done via PATCH operation to /api/admin/projects/:project/features/:feature/environments/:environment/variants"
                    .to_owned(),
            ));
        }
        let before = w.live_flag(&self.project, &self.name).await?;
        let fields = self.edit.resolve(
            &FlagMetadata::from(&before),
            "flag",
            cx.limits.document_bytes,
        )?;
        let mut after = before.clone();
        apply_metadata(&mut after, fields)?;
        w.update_flag(&after).await?;
        w.record_event(metadata_event(
            EventKind::FeatureMetadataUpdated,
            actor,
            Some(&before),
            Some(&after),
        ))
        .await?;
        if before.stale != after.stale {
            let stale = if after.stale {
                EventKind::FeatureStaleOn
            } else {
                EventKind::FeatureStaleOff
            };
            w.record_event(NewEvent {
                pre_data: None,
                data: None,
                ..metadata_event(stale, actor, None, Some(&after))
            })
            .await?;
        }
        Ok(after)
    }
}

/// Archives a live flag (Unleash's `DELETE …/features/:name`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ArchiveFlag {
    pub project: ProjectId,
    pub name: FlagName,
}

impl Operation for ArchiveFlag {
    type Output = ();

    fn flag_scopes(&self) -> Vec<FlagScope> {
        vec![FlagScope::Project(self.project.clone())]
    }

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        let actor = &cx.actor;
        let before = w.live_flag(&self.project, &self.name).await?;
        no_children(w, &self.name).await?;
        // As Unleash: an archived flag keeps no dependencies.
        RemoveDependencies {
            project: self.project.clone(),
            child: self.name.clone(),
        }
        .run(w, cx)
        .await?;
        let mut after = before.clone();
        after.archived_at = Some(now());
        w.update_flag(&after).await?;
        w.record_event(metadata_event(
            EventKind::FeatureArchived,
            actor,
            Some(&before),
            Some(&after),
        ))
        .await?;
        Ok(())
    }
}

async fn archived_flag(w: &mut WriteTx<'_>, name: &FlagName) -> OpResult<FlagRow> {
    match w.flag(name).await? {
        Some(f) if f.archived_at.is_some() => Ok(f),
        _ => Err(OpError::NotFound(format!(
            "Could not find archived feature flag {name}"
        ))),
    }
}

/// Brings an archived flag back, switched off everywhere (as Unleash).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReviveFlag {
    pub name: FlagName,
}

impl Operation for ReviveFlag {
    type Output = FlagRow;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<FlagRow> {
        let actor = &cx.actor;
        let before = archived_flag(w, &self.name).await?;
        let mut after = before.clone();
        after.archived_at = None;
        let environments = w.flag_environments(&self.name).await?;
        w.update_flag(&after).await?;
        for env in environments.iter().filter(|e| e.enabled) {
            w.set_environment_enabled(&self.name, &env.environment, false)
                .await?;
        }
        w.record_event(metadata_event(
            EventKind::FeatureRevived,
            actor,
            Some(&before),
            Some(&after),
        ))
        .await?;
        Ok(after)
    }
}

/// Deletes an archived flag for good.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeleteFlag {
    pub name: FlagName,
}

impl Operation for DeleteFlag {
    type Output = ();

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        let actor = &cx.actor;
        let before = archived_flag(w, &self.name).await?;
        no_children(w, &self.name).await?;
        w.delete_flag(&self.name).await?;
        w.record_event(metadata_event(
            EventKind::FeatureDeleted,
            actor,
            Some(&before),
            None,
        ))
        .await?;
        Ok(())
    }
}
