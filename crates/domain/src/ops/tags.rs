//! Tag types, tags and the tags of flags, with Unleash's rules: a tag type's
//! name is URL friendly (2–50 characters), a tag's value 2–50 characters; a
//! flag is tagged with a tag of an existing type, and the tag is created
//! when it is new (its own `tag-created` event); a flag has a tag once (409).
//! Deleting a type or a tag takes it off every flag. Deleting what is not
//! there answers as Unleash (success) but changes and records nothing.
//! [`RetagFlags`] is Unleash's bulk tagging of a project's flags: one change,
//! the same events as tagging each flag on its own.

use serde::{Deserialize, Serialize};

use super::flag_batches::bounded_bulk;
use super::names::check_url_friendly;
use super::MAX_BULK;
use super::{Actor, Context, FeatureName, FieldPath, OpError, OpResult, Operation, ProjectId};
use crate::wire::{to_value, TagTypeView};
use flagstaff_storage::{EventKind, FeatureRow, NewEvent, PoolReader, Tag, TagTypeRow, WriteTx};

/// The tag type every fresh Unleash has, and the one a tag without a type gets.
pub const DEFAULT_TAG_TYPE: &str = "simple";

/// A tag as request bodies send it (`{type?, value}`; Unleash's `color` is ignored).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"type": "simple", "value": "checkout"}))]
pub struct TagInput {
    #[serde(rename = "type", default)]
    pub tag_type: Option<String>,
    pub value: String,
}

impl TagInput {
    /// The tag, or why it is not one: a URL-friendly type of 2–50 characters
    /// (`simple` when absent) and a value of 2–50.
    pub fn parse(&self) -> OpResult<Tag> {
        let tag_type = self.tag_type.as_deref().unwrap_or(DEFAULT_TAG_TYPE).trim();
        check_url_friendly(tag_type, "type", "a tag type", 2, 50)?;
        let value = self.value.trim();
        if !(2..=50).contains(&value.chars().count()) {
            return Err(OpError::invalid(
                FieldPath::root().field("value"),
                "a tag value must be between 2 and 50 characters long",
            ));
        }
        Ok(Tag::new(tag_type, value))
    }
}

/// A tag type as request bodies send it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"name": "team", "description": "Which team owns the flag", "color": "#1a7f37"}))]
pub struct TagTypeInput {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub icon: Option<String>,
    #[serde(default)]
    pub color: Option<String>,
}

/// Unleash's colour rule: `#rrggbb`, or dotted words (a palette name); empty is none.
fn check_color(color: Option<&str>) -> OpResult<()> {
    let Some(color) = color.filter(|c| !c.is_empty()) else {
        return Ok(());
    };
    let hex = color.len() == 7
        && color.starts_with('#')
        && color[1..].bytes().all(|b| b.is_ascii_hexdigit());
    let words = color
        .split('.')
        .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_alphanumeric()));
    if hex || words {
        Ok(())
    } else {
        Err(OpError::invalid(
            FieldPath::root().field("color"),
            format!("a colour must be #rrggbb or a colour name, not {color:?}"),
        ))
    }
}

impl TagTypeInput {
    /// The stored form (name trimmed), or why it cannot be stored.
    pub fn checked(self) -> OpResult<TagTypeRow> {
        let name = self.name.trim().to_owned();
        check_url_friendly(&name, "name", "a tag type name", 2, 50)?;
        check_color(self.color.as_deref())?;
        Ok(TagTypeRow {
            name,
            description: self.description,
            icon: self.icon,
            color: self.color.filter(|c| !c.is_empty()),
        })
    }
}

fn name_taken(name: &str) -> OpError {
    OpError::Conflict(format!(
        "There already exists a tag-type with the name {name}"
    ))
}

/// Whether `input` could be a new tag type now (`POST /api/admin/tag-types/validate`):
/// legal (400) and free (409).
pub async fn validate_tag_type(store: &PoolReader, input: TagTypeInput) -> OpResult<TagTypeRow> {
    let tag_type = input.checked()?;
    match store.tag_type(&tag_type.name).await? {
        Some(_) => Err(name_taken(&tag_type.name)),
        None => Ok(tag_type),
    }
}

fn event(event_type: EventKind, actor: &Actor) -> NewEvent {
    NewEvent {
        created_by: actor.name.clone(),
        ..NewEvent::new(event_type)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreateTagType {
    pub tag_type: TagTypeInput,
}

impl Operation for CreateTagType {
    type Output = TagTypeRow;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<TagTypeRow> {
        let tag_type = self.tag_type.checked()?;
        if w.tag_type(&tag_type.name).await?.is_some() {
            return Err(name_taken(&tag_type.name));
        }
        w.insert_tag_type(&tag_type).await?;
        w.record_event(NewEvent {
            data: Some(to_value(&TagTypeView::from(&tag_type))),
            ..event(EventKind::TagTypeCreated, &cx.actor)
        })
        .await?;
        Ok(tag_type)
    }
}

/// Changes a tag type's description, icon and colour (its name stays).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UpdateTagType {
    pub tag_type: TagTypeInput,
}

impl Operation for UpdateTagType {
    type Output = TagTypeRow;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<TagTypeRow> {
        let after = self.tag_type.checked()?;
        let Some(before) = w.tag_type(&after.name).await? else {
            return Err(OpError::NotFound(format!(
                "Tagtype {} could not be found",
                after.name
            )));
        };
        w.update_tag_type(&after).await?;
        w.record_event(NewEvent {
            pre_data: Some(to_value(&TagTypeView::from(&before))),
            data: Some(to_value(&TagTypeView::from(&after))),
            ..event(EventKind::TagTypeUpdated, &cx.actor)
        })
        .await?;
        Ok(after)
    }
}

/// Deletes a tag type with its tags, taking them off every flag (Unleash's rule).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeleteTagType {
    pub name: String,
}

impl Operation for DeleteTagType {
    type Output = ();

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        let Some(before) = w.tag_type(&self.name).await? else {
            return Ok(());
        };
        w.delete_tag_type(&before.name).await?;
        w.record_event(NewEvent {
            pre_data: Some(to_value(&TagTypeView::from(&before))),
            ..event(EventKind::TagTypeDeleted, &cx.actor)
        })
        .await?;
        Ok(())
    }
}

/// Creates the tag unless it exists (recording `tag-created`); its type must
/// exist. Returns whether it was new.
async fn ensure_tag(w: &mut WriteTx<'_>, actor: &Actor, tag: &Tag) -> OpResult<bool> {
    if w.tag_exists(tag).await? {
        return Ok(false);
    }
    if w.tag_type(&tag.tag_type).await?.is_none() {
        return Err(OpError::invalid(
            FieldPath::root().field("type"),
            format!("Tag type '{}' does not exist", tag.tag_type),
        ));
    }
    w.insert_tag(tag, &actor.name).await?;
    w.record_event(NewEvent {
        data: Some(to_value(tag)),
        ..event(EventKind::TagCreated, actor)
    })
    .await?;
    Ok(true)
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreateTag {
    pub tag: TagInput,
}

impl Operation for CreateTag {
    type Output = Tag;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<Tag> {
        let tag = self.tag.parse()?;
        if !ensure_tag(w, &cx.actor, &tag).await? {
            return Err(OpError::Conflict(format!("A tag of {tag} already exists")));
        }
        Ok(tag)
    }
}

/// Deletes a tag and takes it off every flag.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeleteTag {
    pub tag: Tag,
}

impl Operation for DeleteTag {
    type Output = ();

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        if !w.tag_exists(&self.tag).await? {
            return Ok(());
        }
        w.delete_tag(&self.tag).await?;
        w.record_event(NewEvent {
            pre_data: Some(to_value(&self.tag)),
            ..event(EventKind::TagDeleted, &cx.actor)
        })
        .await?;
        Ok(())
    }
}

/// The flag, live or archived (Unleash tags both), or 404.
async fn flag(w: &mut WriteTx<'_>, name: &FeatureName) -> OpResult<FeatureRow> {
    w.feature(name)
        .await?
        .ok_or_else(|| OpError::NotFound(format!("Could not find feature flag {name}")))
}

fn flag_event(event_type: EventKind, actor: &Actor, flag: &FeatureRow) -> NewEvent {
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
    flag: &FeatureRow,
    tag: &Tag,
) -> OpResult<bool> {
    let actor = &cx.actor;
    let tags = w.feature_tags(&flag.name).await?;
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
    w.add_feature_tag(&flag.name, tag, &actor.name).await?;
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
    flag: &FeatureRow,
    tag: &Tag,
) -> OpResult<bool> {
    if !w.feature_tags(&flag.name).await?.contains(tag) {
        return Ok(false);
    }
    w.record_event(NewEvent {
        pre_data: Some(to_value(tag)),
        ..flag_event(EventKind::FeatureUntagged, actor, flag)
    })
    .await?;
    w.remove_feature_tag(&flag.name, tag).await?;
    Ok(true)
}

/// `POST /api/admin/features/:name/tags`: one tag more (409 if it has it).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TagFlag {
    pub feature: FeatureName,
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
    pub feature: FeatureName,
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
        Ok(w.feature_tags(&flag.name).await?)
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
    pub features: Vec<FeatureName>,
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
        let mut flags: Vec<FeatureRow> = Vec::with_capacity(self.features.len());
        for (i, name) in self.features.iter().enumerate() {
            let flag = w
                .feature(name)
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
    pub feature: FeatureName,
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
