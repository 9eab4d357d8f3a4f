//! Tagging flags: one tag more or less on a flag, [`RetagFlag`]'s added and
//! removed lists in one change, and [`RetagFlags`], Unleash's bulk tagging
//! of a project's flags (the same events as tagging each flag on its own).
//! The tag types and tags themselves are in `tags.rs`.

use serde::{Deserialize, Serialize};

use super::flag_batches::bounded_bulk;
use super::tags::{ensure_tag, event, TagInput};
use super::MAX_BULK;
use super::{Actor, Context, FieldPath, FlagName, OpError, OpResult, Operation, ProjectId};
use crate::wire::to_value;
use flagstaff_storage::{EventKind, FlagRow, NewEvent, Tag, WriteTx};

/// The flag, live or archived (Unleash tags both), or 404.
async fn flag(w: &mut WriteTx<'_>, name: &FlagName) -> OpResult<FlagRow> {
    w.flag(name)
        .await?
        .ok_or_else(|| OpError::NotFound(format!("Could not find feature flag {name}")))
}

fn flag_event(event_type: EventKind, actor: &Actor, flag: &FlagRow) -> NewEvent {
    NewEvent {
        project: Some(flag.project.clone()),
        feature_name: Some(flag.name.clone()),
        ..event(event_type, actor)
    }
}

/// Tags a flag (creating the tag when new); `false` when it had the tag. A
/// flag has at most `tags_per_flag` tags.
pub(super) async fn tag_flag(
    w: &mut WriteTx<'_>,
    cx: &Context,
    flag: &FlagRow,
    tag: &Tag,
) -> OpResult<bool> {
    let actor = &cx.actor;
    let tags = w.flag_tags(&flag.name).await?;
    if tags.contains(tag) {
        return Ok(false);
    }
    if tags.len() >= cx.limits.tags_per_flag {
        return Err(OpError::invalid_input(format!(
            "{} already has {} tags: at most {} (the tags-per-flag limit, MAX_TAGS_PER_FLAG)",
            flag.name,
            tags.len(),
            cx.limits.tags_per_flag
        )));
    }
    ensure_tag(w, actor, tag).await?;
    w.add_flag_tag(&flag.name, tag, &actor.name).await?;
    w.record_event(NewEvent {
        data: Some(to_value(tag)),
        ..flag_event(EventKind::FeatureTagged, actor, flag)
    })
    .await?;
    Ok(true)
}

/// Takes a tag off a flag; `false` when it did not have it. The event is
/// recorded first, so its `tags` are the flag's before (as Unleash's).
async fn untag_flag(
    w: &mut WriteTx<'_>,
    actor: &Actor,
    flag: &FlagRow,
    tag: &Tag,
) -> OpResult<bool> {
    if !w.flag_tags(&flag.name).await?.contains(tag) {
        return Ok(false);
    }
    w.record_event(NewEvent {
        pre_data: Some(to_value(tag)),
        ..flag_event(EventKind::FeatureUntagged, actor, flag)
    })
    .await?;
    w.remove_flag_tag(&flag.name, tag).await?;
    Ok(true)
}

/// `POST /api/admin/features/:name/tags`: one tag more (409 if it has it).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TagFlag {
    pub feature: FlagName,
    pub tag: TagInput,
}

impl Operation for TagFlag {
    type Output = Tag;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<Tag> {
        let tag = self.tag.parse()?;
        let flag = flag(w, &self.feature).await?;
        if !tag_flag(w, cx, &flag, &tag).await? {
            return Err(OpError::Conflict(format!(
                "{} already has the tag: [{tag}]",
                flag.name
            )));
        }
        Ok(tag)
    }
}

/// `PUT /api/admin/features/:name/tags`: tags added and removed in one change
/// (a tag both added and removed is removed); returns the flag's tags after.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RetagFlag {
    pub feature: FlagName,
    pub added_tags: Vec<TagInput>,
    pub removed_tags: Vec<TagInput>,
}

impl Operation for RetagFlag {
    type Output = Vec<Tag>;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<Vec<Tag>> {
        let added = parse_all(&self.added_tags).map_err(|e| e.within(&added_at()))?;
        let removed = parse_all(&self.removed_tags).map_err(|e| e.within(&removed_at()))?;
        let flag = flag(w, &self.feature).await?;
        for tag in added.iter().filter(|t| !removed.contains(t)) {
            tag_flag(w, cx, &flag, tag)
                .await
                .map_err(|e| e.within(&tag_at(&self.added_tags, added_at(), tag)))?;
        }
        for tag in &removed {
            untag_flag(w, &cx.actor, &flag, tag).await?;
        }
        Ok(w.flag_tags(&flag.name).await?)
    }
}

/// `PUT /api/admin/projects/:project/tags`: the same tags added to and taken
/// off many flags of a project in one change, as [`RetagFlag`] does for one
/// (a tag both added and removed is removed; what a flag has already, or
/// lacks, records nothing). A flag that is not the project's, or an added
/// tag of a type that does not exist, is a 400 and nothing changes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RetagFlags {
    pub project: ProjectId,
    pub features: Vec<FlagName>,
    pub added_tags: Vec<TagInput>,
    pub removed_tags: Vec<TagInput>,
}

impl Operation for RetagFlags {
    type Output = ();

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        bounded_bulk(&self.features)?;
        let added = parse_all(&self.added_tags).map_err(|e| e.within(&added_at()))?;
        let removed = parse_all(&self.removed_tags).map_err(|e| e.within(&removed_at()))?;
        if !w.project_exists(&self.project).await? {
            return Err(OpError::NotFound(format!(
                "Could not find project {}",
                self.project
            )));
        }
        let mut flags: Vec<FlagRow> = Vec::with_capacity(self.features.len());
        for (i, name) in self.features.iter().enumerate() {
            let flag = w
                .flag(name)
                .await?
                .filter(|f| f.project == self.project.as_str())
                .ok_or_else(|| {
                    OpError::invalid(
                        FieldPath::root().field("features").index(i),
                        format!(
                            "Feature flag {name} does not exist in project {}",
                            self.project
                        ),
                    )
                })?;
            if !flags.iter().any(|f| f.name == flag.name) {
                flags.push(flag);
            }
        }
        for flag in &flags {
            for tag in added.iter().filter(|t| !removed.contains(t)) {
                tag_flag(w, cx, flag, tag)
                    .await
                    .map_err(|e| e.within(&tag_at(&self.added_tags, added_at(), tag)))?;
            }
            for tag in &removed {
                untag_flag(w, &cx.actor, flag, tag).await?;
            }
        }
        Ok(())
    }
}

fn added_at() -> FieldPath {
    FieldPath::root().field("addedTags")
}

fn removed_at() -> FieldPath {
    FieldPath::root().field("removedTags")
}

/// Where `tag` is in the list `inputs` at `list` (its first mention).
pub(super) fn tag_at(inputs: &[TagInput], list: FieldPath, tag: &Tag) -> FieldPath {
    match inputs
        .iter()
        .position(|t| t.parse().ok().as_ref() == Some(tag))
    {
        Some(i) => list.index(i),
        None => list,
    }
}

/// Parsed tags, each once, in the order given; at most [`MAX_BULK`] in one
/// list (refusals' paths start at the list: `[2].value`).
pub(super) fn parse_all(inputs: &[TagInput]) -> OpResult<Vec<Tag>> {
    if inputs.len() > MAX_BULK {
        return Err(OpError::invalid(
            FieldPath::root(),
            format!("at most {MAX_BULK} tags in one change"),
        ));
    }
    let mut tags: Vec<Tag> = Vec::with_capacity(inputs.len());
    for (i, input) in inputs.iter().enumerate() {
        let tag = input
            .parse()
            .map_err(|e| e.within(&FieldPath::root().index(i)))?;
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    Ok(tags)
}

/// `DELETE /api/admin/features/:name/tags/:type/:value`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UntagFlag {
    pub feature: FlagName,
    pub tag: Tag,
}

impl Operation for UntagFlag {
    type Output = ();

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        let flag = flag(w, &self.feature).await?;
        untag_flag(w, &cx.actor, &flag, &self.tag).await?;
        Ok(())
    }
}
