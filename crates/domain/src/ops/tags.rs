//! Tag types, tags and the tags of flags, with Unleash's rules: a tag type's
//! name is URL friendly (2–50 characters), a tag's value 2–50 characters; a
//! flag is tagged with a tag of an existing type, and the tag is created
//! when it is new (its own `tag-created` event); a flag has a tag once (409).
//! Deleting a type or a tag takes it off every flag. Deleting what is not
//! there answers as Unleash (success) but changes and records nothing.
//! Tagging flags (one, or many at once) is in `flag_tags.rs`.

use serde::{Deserialize, Serialize};

use super::names::check_url_friendly;
use super::{Actor, Context, FieldPath, OpError, OpResult, Operation};
use crate::wire::{to_value, TagTypeView};
use flagstaff_storage::{EventKind, NewEvent, PoolReader, Tag, TagTypeRow, WriteTx};

// Tagging flags lives in `flag_tags.rs`; these keep the paths callers use.
pub(super) use super::flag_tags::{parse_all, tag_at, tag_flag};
pub use super::flag_tags::{RetagFlag, RetagFlags, TagFlag, UntagFlag};

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

pub(super) fn event(event_type: EventKind, actor: &Actor) -> NewEvent {
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
pub(super) async fn ensure_tag(w: &mut WriteTx<'_>, actor: &Actor, tag: &Tag) -> OpResult<bool> {
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
