//! The header every tab of a flag shows above its tabs (`flag_tabs.html`):
//! the name with a copy button (`flagstaff.js` shows it; without JavaScript
//! it stays hidden), its type, project, state, description and its links
//! (Unleash's feature links — only `http`/`https` ones become anchors).

use axum::response::Response;
use flagstaff_storage::{FlagRow, LinkRow};

use super::{internal, minute};
use crate::state::AppState;

pub struct FlagHead {
    pub project: String,
    pub name: String,
    /// "Release", "Experiment", … (the type's catalogue name).
    pub flag_type: &'static str,
    pub stale: bool,
    pub archived: Option<String>,
    pub description: Option<String>,
    pub created: String,
    /// (title or URL, URL if it may be a link)
    pub links: Vec<(String, Option<String>)>,
}

impl FlagHead {
    /// The header of `flag`, with its links read from the store.
    pub async fn load(state: &AppState, flag: &FlagRow) -> Result<FlagHead, Response> {
        let links = state.store.flag_links(&flag.name).await.map_err(internal)?;
        Ok(FlagHead::new(flag, links))
    }

    /// The header of `flag` with `links`.
    pub fn new(flag: &FlagRow, links: Vec<LinkRow>) -> FlagHead {
        FlagHead {
            project: flag.project.clone(),
            name: flag.name.clone(),
            flag_type: flag.feature_type.catalogue().0,
            stale: flag.stale,
            archived: flag.archived_at.as_ref().map(minute),
            description: flag.description.clone().filter(|d| !d.trim().is_empty()),
            created: minute(&flag.created_at),
            links: links
                .into_iter()
                .map(|l| {
                    let safe = l.url.starts_with("https://") || l.url.starts_with("http://");
                    let shown = l
                        .title
                        .filter(|t| !t.trim().is_empty())
                        .unwrap_or_else(|| l.url.clone());
                    (shown, safe.then_some(l.url))
                })
                .collect(),
        }
    }
}
