//! Flag links (Unleash 7's feature links): add, change and remove a link of a
//! live flag. A link is an http(s) URL (a URL without a scheme gets `https://`,
//! as Unleash normalises it) and an optional title; a flag has a bounded
//! number of them. Each change records a `feature-link-*` event naming the
//! flag and its project.

use serde::{Deserialize, Serialize};

use super::{Actor, Context, FieldPath, FlagName, OpError, OpResult, Operation, ProjectId};
use crate::wire::{to_value, LinkView};
use flagstaff_storage::{now, EventKind, LinkRow, NewEvent, WriteTx};

/// Most links one flag may have (Unleash's limit).
pub const MAX_LINKS_PER_FLAG: usize = 10;
/// Longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 100;
/// Longest URL, in bytes.
pub const MAX_URL_BYTES: usize = 2000;

/// A link as the admin API receives it (featureLinkSchema).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"url": "https://example.com/tickets/42", "title": "Ticket"}))]
pub struct LinkInput {
    pub url: String,
    #[serde(default)]
    pub title: Option<String>,
}

fn url_at() -> FieldPath {
    FieldPath::root().field("url")
}

impl LinkInput {
    /// The URL as stored and the title (blank: none), or why not.
    fn checked(self) -> OpResult<(String, Option<String>)> {
        let text = self.url.trim();
        if text.is_empty() || text.len() > MAX_URL_BYTES {
            return Err(OpError::invalid(
                url_at(),
                format!("a URL must be 1 to {MAX_URL_BYTES} characters long"),
            ));
        }
        let parsed = match url::Url::parse(text) {
            Err(url::ParseError::RelativeUrlWithoutBase) => {
                url::Url::parse(&format!("https://{text}"))
            }
            other => other,
        };
        let url =
            parsed.map_err(|e| OpError::invalid(url_at(), format!("Invalid URL {text:?}: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
            return Err(OpError::invalid(
                url_at(),
                format!("Invalid URL {text:?}: a link must be an http or https URL"),
            ));
        }
        let title = self
            .title
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty());
        if title
            .as_ref()
            .is_some_and(|t| t.chars().count() > MAX_TITLE_CHARS)
        {
            return Err(OpError::invalid(
                FieldPath::root().field("title"),
                format!("a title must be at most {MAX_TITLE_CHARS} characters long"),
            ));
        }
        Ok((url.to_string(), title))
    }
}

fn link_event(
    event_type: EventKind,
    actor: &Actor,
    project: &ProjectId,
    before: Option<&LinkRow>,
    after: Option<&LinkRow>,
) -> NewEvent {
    NewEvent {
        created_by: actor.name.clone(),
        project: Some(project.to_string()),
        feature_name: after.or(before).map(|l| l.feature_name.clone()),
        pre_data: before.map(|l| to_value(&LinkView::from(l))),
        data: after.map(|l| to_value(&LinkView::from(l))),
        ..NewEvent::new(event_type)
    }
}

/// The flag's link `id`, or `NotFound` (also when the flag is not live).
async fn existing_link(
    w: &mut WriteTx<'_>,
    project: &ProjectId,
    feature: &FlagName,
    id: &str,
) -> OpResult<LinkRow> {
    w.live_flag(project, feature).await?;
    w.flag_links(feature)
        .await?
        .into_iter()
        .find(|l| l.id == id)
        .ok_or_else(|| OpError::NotFound(format!("Could not find link with id {id}")))
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AddLink {
    pub project: ProjectId,
    pub feature: FlagName,
    pub link: LinkInput,
}

impl Operation for AddLink {
    type Output = LinkRow;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<LinkRow> {
        w.live_flag(&self.project, &self.feature).await?;
        let (url, title) = self.link.checked()?;
        let existing = w.flag_links(&self.feature).await?.len();
        if existing >= MAX_LINKS_PER_FLAG {
            return Err(OpError::invalid_input(format!(
                "{} already has {existing} links: at most {MAX_LINKS_PER_FLAG} (the links limit)",
                self.feature
            )));
        }
        let link = LinkRow {
            id: uuid::Uuid::new_v4().simple().to_string(),
            feature_name: self.feature.to_string(),
            url,
            title,
            created_at: now(),
        };
        w.insert_link(&link).await?;
        w.record_event(link_event(
            EventKind::FeatureLinkAdded,
            &cx.actor,
            &self.project,
            None,
            Some(&link),
        ))
        .await?;
        Ok(link)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UpdateLink {
    pub project: ProjectId,
    pub feature: FlagName,
    pub id: String,
    pub link: LinkInput,
}

impl Operation for UpdateLink {
    type Output = LinkRow;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<LinkRow> {
        let before = existing_link(w, &self.project, &self.feature, &self.id).await?;
        let (url, title) = self.link.checked()?;
        let after = LinkRow {
            url,
            title,
            ..before.clone()
        };
        w.update_link(&after).await?;
        w.record_event(link_event(
            EventKind::FeatureLinkUpdated,
            &cx.actor,
            &self.project,
            Some(&before),
            Some(&after),
        ))
        .await?;
        Ok(after)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RemoveLink {
    pub project: ProjectId,
    pub feature: FlagName,
    pub id: String,
}

impl Operation for RemoveLink {
    type Output = ();

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<()> {
        let before = existing_link(w, &self.project, &self.feature, &self.id).await?;
        w.delete_link(&before.id).await?;
        w.record_event(link_event(
            EventKind::FeatureLinkRemoved,
            &cx.actor,
            &self.project,
            Some(&before),
            None,
        ))
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(url: &str, title: Option<&str>) -> OpResult<(String, Option<String>)> {
        LinkInput {
            url: url.to_owned(),
            title: title.map(str::to_owned),
        }
        .checked()
    }

    #[test]
    fn links_are_http_urls_with_short_titles() {
        let ok = |url: &str| check(url, None).map(|(u, _)| u).ok();
        assert_eq!(
            ok("https://jira.example.com/browse/CHK-12").as_deref(),
            Some("https://jira.example.com/browse/CHK-12")
        );
        assert_eq!(
            ok("example.com/x").as_deref(),
            Some("https://example.com/x")
        );
        assert_eq!(
            ok("http://localhost:8080").as_deref(),
            Some("http://localhost:8080/")
        );
        for bad in [
            "",
            "javascript:alert(1)",
            "ftp://example.com",
            "mailto:a@b.c",
            "https://",
        ] {
            assert!(
                matches!(check(bad, None), Err(OpError::Invalid { .. })),
                "{bad}"
            );
        }
        assert_eq!(
            check("https://a.b", Some("  ")).map(|(_, t)| t).ok(),
            Some(None)
        );
        let long = "x".repeat(MAX_TITLE_CHARS + 1);
        assert!(check("https://a.b", Some(&long)).is_err());
    }
}
