//! The left navigation of every signed-in page, grouped by task: the flags;
//! what targets them (segments, context); what happened (events,
//! applications, playground); and configuration. On a phone it folds into a
//! `<details>` menu (`base.html`), which needs no JavaScript.

/// The signed-in user's name and CSRF token, as the page header shows them,
/// the path the navigation marks as current, and the notice left by the
/// change before this page (`feedback`).
pub struct Nav {
    pub username: String,
    pub csrf: String,
    /// Shows the links to the screens only Admins use.
    pub admin: bool,
    pub path: String,
    pub notice: Option<String>,
}

pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

pub struct NavGroup {
    /// None for the first group (the flags), which needs no heading.
    pub label: Option<&'static str>,
    pub id: &'static str,
    pub links: Vec<NavLink>,
}

/// (group heading, id, [(href, label, admins only)]).
type Group = (
    Option<&'static str>,
    &'static str,
    &'static [(&'static str, &'static str, bool)],
);

const GROUPS: &[Group] = &[
    (
        None,
        "nav-flags",
        &[("/projects/default/features", "Flags", false)],
    ),
    (
        Some("Targeting"),
        "nav-targeting",
        &[
            ("/segments", "Segments", false),
            ("/context", "Context", false),
        ],
    ),
    (
        Some("Activity"),
        "nav-activity",
        &[
            ("/events", "Events", false),
            ("/applications", "Applications", false),
            ("/playground", "Playground", false),
        ],
    ),
    (
        Some("Configure"),
        "nav-configure",
        &[
            ("/integrations", "Integrations", true),
            ("/signals", "Signals", true),
            ("/actions", "Actions", true),
            ("/projects", "Projects", false),
            ("/environments", "Environments", false),
            ("/api-tokens", "API tokens", true),
            ("/users", "Users", true),
        ],
    ),
];

impl Nav {
    /// The navigation's groups, the current screen's link marked.
    pub fn groups(&self) -> Vec<NavGroup> {
        GROUPS
            .iter()
            .map(|(label, id, links)| NavGroup {
                label: *label,
                id,
                links: links
                    .iter()
                    .filter(|(_, _, admins)| self.admin || !admins)
                    .map(|(href, label, _)| NavLink {
                        href,
                        label,
                        current: section(&self.path) == *href,
                    })
                    .collect(),
            })
            .filter(|g| !g.links.is_empty())
            .collect()
    }
}

/// The navigation link a path belongs to: a project's flags (and every
/// flag page) are "Flags", the rest is the first path segment.
fn section(path: &str) -> &'static str {
    let mut parts = path.trim_start_matches('/').split('/');
    let first = parts.next().unwrap_or("");
    if first == "projects" && parts.nth(1) == Some("features") {
        return "/projects/default/features";
    }
    GROUPS
        .iter()
        .flat_map(|(_, _, links)| links.iter())
        .map(|(href, _, _)| *href)
        .find(|href| href.trim_start_matches('/') == first)
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::section;

    #[test]
    fn a_path_belongs_to_its_screen() {
        assert_eq!(
            section("/projects/default/features"),
            "/projects/default/features"
        );
        assert_eq!(
            section("/projects/web/features/a/metrics"),
            "/projects/default/features"
        );
        assert_eq!(section("/projects/web"), "/projects");
        assert_eq!(section("/projects"), "/projects");
        assert_eq!(section("/segments/3"), "/segments");
        assert_eq!(section("/profile"), "");
    }
}
