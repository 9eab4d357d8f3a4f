//! The playground's evaluation: every flag of an environment (optionally of
//! some projects) explained for one context. The admin API
//! (`POST /api/admin/playground`) and the web UI's playground both read it, so
//! they always agree; it is lazy, so a page of results explains only its flags.

use flagstaff_engine::{Context, Explanation};

use super::{ClientFlag, Snapshot};

impl Snapshot {
    /// The flags of `environment`, by name, that belong to one of `projects`
    /// (all when `None`).
    pub fn playground_flags<'a>(
        &'a self,
        environment: &str,
        projects: Option<&'a [String]>,
    ) -> impl Iterator<Item = &'a ClientFlag> + 'a {
        self.environments
            .get(environment)
            .into_iter()
            .flat_map(|flags| flags.values())
            .map(AsRef::as_ref)
            .filter(move |flag: &&ClientFlag| projects.is_none_or(|ps| ps.contains(&flag.project)))
    }

    /// Those flags after the first `skip`, each with why it is on or off for
    /// `context`. Nothing when the environment has no flags.
    pub fn playground<'a>(
        &'a self,
        environment: &str,
        projects: Option<&'a [String]>,
        context: &'a Context,
        skip: usize,
    ) -> impl Iterator<Item = (&'a ClientFlag, Explanation)> + 'a {
        let engine = self.engines.get(environment);
        self.playground_flags(environment, projects)
            .filter(move |_| engine.is_some())
            .skip(skip)
            .filter_map(move |flag| Some((flag, engine?.explain(&flag.feature.name, context))))
    }
}
