//! The flag search (`/api/admin/search/features`), with each flag's lifecycle
//! stage derived in SQL ([`Lifecycle`]); the plain per-project list is in
//! `flag_list.rs`.

use super::flags::{environment_from_row, flag_from_row, FLAG_COLUMNS};
use sqlx::Row;

use super::{FlagEnvironmentRow, FlagRow, Reader, Source, StorageError, StorageResult, Tag};

mod text;

/// How a search's tags select flags (Unleash's tag operators).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagMatch {
    /// Flags with any of the tags (`IS`, `IS_ANY_OF`, `INCLUDE`, `INCLUDE_ANY_OF`).
    Any,
    /// Flags with all of them (`INCLUDE_ALL_OF`).
    All,
    /// Flags with none of them (`DO_NOT_INCLUDE`, `EXCLUDE_IF_ANY_OF`).
    None,
    /// Flags without all of them (`EXCLUDE_ALL`).
    NotAll,
}

/// A flag's lifecycle stage (Unleash's names), derived from what Flagstaff
/// knows rather than recorded: `archived` when archived; `completed` when
/// marked completed (the one recorded mark, `feature_completions`); `live`
/// when SDKs reported evaluating it in a `production`-type environment;
/// `pre-live` when they did in another environment, or it is enabled in one;
/// `initial` otherwise. Reports count while the metrics are kept
/// (`--metrics-retention-hours`, 48 by default): a flag nobody evaluated since
/// then is back to what its environments say (unlike Unleash, which records a
/// stage once reached).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    Initial,
    PreLive,
    Live,
    Completed,
    Archived,
}

impl Lifecycle {
    pub fn parse(text: &str) -> Option<Lifecycle> {
        match text {
            "initial" => Some(Lifecycle::Initial),
            "pre-live" => Some(Lifecycle::PreLive),
            "live" => Some(Lifecycle::Live),
            "completed" => Some(Lifecycle::Completed),
            "archived" => Some(Lifecycle::Archived),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Lifecycle::Initial => "initial",
            Lifecycle::PreLive => "pre-live",
            Lifecycle::Live => "live",
            Lifecycle::Completed => "completed",
            Lifecycle::Archived => "archived",
        }
    }
}

/// The `FROM … WHERE …` of the SDK reports of the flag `{flag}.name` in
/// environments whose type is (`=`) or is not (`<>`) `production`.
pub(crate) fn reports_of(flag: &str, production: &str) -> String {
    format!(
        "FROM client_metrics m JOIN environments e ON e.name = m.environment \
         WHERE m.feature_name = {flag}.name AND e.type {production} 'production' \
         AND m.yes + m.no > 0"
    )
}

/// The `FROM … WHERE …` of the non-production environments the flag
/// `{flag}.name` is enabled in.
pub(crate) fn enabled_before_production(flag: &str) -> String {
    format!(
        "FROM feature_environments fe JOIN environments e ON e.name = fe.environment \
         WHERE fe.feature_name = {flag}.name AND fe.enabled = 1 AND e.type <> 'production'"
    )
}

/// The [`Lifecycle`] stage of the `features` row `{flag}`, as SQL text.
pub(crate) fn lifecycle_sql(flag: &str) -> String {
    format!(
        "CASE WHEN {flag}.archived_at IS NOT NULL THEN 'archived' \
         WHEN EXISTS (SELECT 1 FROM feature_completions c WHERE c.feature_name = {flag}.name) \
         THEN 'completed' \
         WHEN EXISTS (SELECT 1 {live}) THEN 'live' \
         WHEN EXISTS (SELECT 1 {pre}) OR EXISTS (SELECT 1 {enabled}) \
         THEN 'pre-live' ELSE 'initial' END",
        live = reports_of(flag, "="),
        pre = reports_of(flag, "<>"),
        enabled = enabled_before_production(flag),
    )
}

/// A flag search (`/api/admin/search/features`): every `Some` narrows it.
#[derive(Debug, Clone, Default)]
pub struct FlagSearch {
    /// Part of the name or description, any case.
    pub text: Option<String>,
    pub projects: Option<Vec<String>>,
    pub types: Option<Vec<String>>,
    /// Who created the flag (the token name the event log shows).
    pub created_by: Option<Vec<String>>,
    /// Distinct tags, and how they select.
    pub tags: Option<(TagMatch, Vec<Tag>)>,
    pub stale: Option<bool>,
    /// Flags in any of these stages; naming `archived` finds archived flags
    /// besides live ones (unless `archived` asks for those only).
    pub lifecycle: Option<Vec<Lifecycle>>,
    /// Archived flags instead of live ones.
    pub archived: bool,
    /// `name`, `createdAt`, `type` or `project`; descending when `descending`.
    pub sort_by: String,
    pub descending: bool,
    pub offset: i64,
    pub limit: i64,
}

impl TagMatch {
    /// A search's tag filter, `OPERATOR:type:value,type:value` (a bare
    /// `type:value,…` is `IS`), as the admin search and the web UI take it.
    /// The error says what is wrong with the text.
    pub fn parse_filter(text: &str) -> Result<(TagMatch, Vec<Tag>), String> {
        let (how, list) = match text.split_once(':') {
            Some((op, rest)) if op.chars().all(|c| c.is_ascii_uppercase() || c == '_') => {
                let how = match op {
                    "IS" | "IS_ANY_OF" | "INCLUDE" | "INCLUDE_ANY_OF" => TagMatch::Any,
                    "INCLUDE_ALL_OF" => TagMatch::All,
                    "IS_NOT" | "IS_NONE_OF" | "DO_NOT_INCLUDE" | "EXCLUDE_IF_ANY_OF" => {
                        TagMatch::None
                    }
                    "EXCLUDE_ALL" => TagMatch::NotAll,
                    other => return Err(format!("tag: the {other} filter is not supported")),
                };
                (how, rest)
            }
            _ => (TagMatch::Any, text),
        };
        let mut tags: Vec<Tag> = Vec::new();
        for item in list.split(',') {
            let Some((tag_type, value)) = item.trim().split_once(':') else {
                return Err(format!("tag: {item:?} is not type:value"));
            };
            let tag = Tag::new(tag_type.trim(), value.trim());
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        Ok((how, tags))
    }
}

impl<S: Source> Reader<S> {
    /// A page of the flags that match, and how many match in all.
    pub async fn search_flags(&self, search: &FlagSearch) -> StorageResult<(Vec<FlagRow>, i64)> {
        let archived_stage = search
            .lifecycle
            .as_ref()
            .is_some_and(|stages| stages.contains(&Lifecycle::Archived));
        let mut conditions = vec![if search.archived {
            "archived_at IS NOT NULL".to_owned()
        } else if archived_stage {
            // The stage filter below tells archived flags from live ones.
            "1 = 1".to_owned()
        } else {
            "archived_at IS NULL".to_owned()
        }];
        let mut binds: Vec<String> = Vec::new();
        let placeholder = |value: String, binds: &mut Vec<String>| {
            binds.push(value);
            format!("${}", binds.len())
        };
        if let Some(stages) = &search.lifecycle {
            let list: Vec<String> = stages
                .iter()
                .map(|stage| placeholder(stage.as_str().to_owned(), &mut binds))
                .collect();
            conditions.push(if list.is_empty() {
                "1 = 0".to_owned()
            } else {
                format!("({}) IN ({})", lifecycle_sql("features"), list.join(", "))
            });
        }
        let mut table = "features";
        if let Some(text) = &search.text {
            let (condition, by_rowid) = self.text_condition(text, &mut binds);
            conditions.push(condition);
            if by_rowid {
                table = "features NOT INDEXED";
            }
        }
        for (column, values) in [
            ("project_id", &search.projects),
            ("type", &search.types),
            ("created_by", &search.created_by),
        ] {
            if let Some(values) = values {
                let list: Vec<String> = values
                    .iter()
                    .map(|v| placeholder(v.clone(), &mut binds))
                    .collect();
                if list.is_empty() {
                    conditions.push("1 = 0".to_owned());
                } else {
                    conditions.push(format!("{column} IN ({})", list.join(", ")));
                }
            }
        }
        if let Some(stale) = search.stale {
            conditions.push(format!("stale = {}", i64::from(stale)));
        }
        if let Some((how, tags)) = &search.tags {
            let any: Vec<String> = tags
                .iter()
                .map(|t| {
                    let tag_type = placeholder(t.tag_type.clone(), &mut binds);
                    let value = placeholder(t.value.clone(), &mut binds);
                    format!("(tag_type = {tag_type} AND tag_value = {value})")
                })
                .collect();
            let any = if any.is_empty() {
                "1 = 0".to_owned()
            } else {
                any.join(" OR ")
            };
            let with_any = format!("SELECT feature_name FROM feature_tags WHERE {any}");
            let with_all = format!(
                "{with_any} GROUP BY feature_name HAVING COUNT(*) = {}",
                tags.len()
            );
            conditions.push(match how {
                TagMatch::Any => format!("name IN ({with_any})"),
                TagMatch::All => format!("name IN ({with_all})"),
                TagMatch::None => format!("name NOT IN ({with_any})"),
                TagMatch::NotAll => format!("name NOT IN ({with_all})"),
            });
        }
        let column = match search.sort_by.as_str() {
            "createdAt" => "created_at",
            "type" => "type",
            "project" => "project_id",
            _ => "name",
        };
        let direction = if search.descending { "DESC" } else { "ASC" };
        // Ties broken by name; by name alone the order is the index's.
        let order = if column == "name" {
            format!("name {direction}")
        } else {
            format!("{column} {direction}, name {direction}")
        };
        let condition = conditions.join(" AND ");
        let count_sql = format!("SELECT COUNT(*) FROM {table} WHERE {condition}");
        let mut count = sqlx::query_scalar(&count_sql);
        for value in &binds {
            count = count.bind(value);
        }
        let page_sql = format!(
            "SELECT {FLAG_COLUMNS} FROM {table} WHERE {condition} \
             ORDER BY {order} LIMIT {} OFFSET {}",
            search.limit.max(0),
            search.offset.max(0)
        );
        let mut page = sqlx::query(&page_sql);
        for value in &binds {
            page = page.bind(value);
        }
        // The total and the page on two connections at once.
        let (total, rows): (i64, _) = tokio::try_join!(
            async { Ok::<_, StorageError>(count.fetch_one(&mut *self.conn().await?).await?) },
            async { Ok::<_, StorageError>(page.fetch_all(&mut *self.conn().await?).await?) },
        )?;
        let flags = rows
            .iter()
            .map(flag_from_row)
            .collect::<StorageResult<Vec<_>>>()?;
        Ok((flags, total))
    }

    /// What a search result shows of each flag of a page besides the flag:
    /// its environment rows, and per (flag, environment) how many strategies
    /// it has and how many of them are enabled. Two queries per 500 flags.
    pub async fn search_details(
        &self,
        names: &[&str],
    ) -> StorageResult<(Vec<FlagEnvironmentRow>, Vec<(String, String, i64, i64)>)> {
        let (mut envs, mut counts) = (Vec::new(), Vec::new());
        for chunk in names.chunks(500) {
            let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let list = list.join(", ");
            let rows_sql = format!(
                "SELECT feature_name, environment, enabled, variants FROM feature_environments \
                 WHERE feature_name IN ({list})"
            );
            let counts_sql = format!(
                "SELECT feature_name, environment, COUNT(*) AS strategies, \
                 COUNT(CASE WHEN disabled = 0 THEN 1 END) AS enabled_strategies \
                 FROM feature_strategies WHERE feature_name IN ({list}) \
                 GROUP BY feature_name, environment"
            );
            let (mut rows, mut totals) = (sqlx::query(&rows_sql), sqlx::query(&counts_sql));
            for name in chunk {
                rows = rows.bind(*name);
                totals = totals.bind(*name);
            }
            for row in rows.fetch_all(&mut *self.conn().await?).await? {
                envs.push(environment_from_row(&row)?);
            }
            for row in totals.fetch_all(&mut *self.conn().await?).await? {
                counts.push((
                    row.try_get("feature_name")?,
                    row.try_get("environment")?,
                    row.try_get("strategies")?,
                    row.try_get("enabled_strategies")?,
                ));
            }
        }
        Ok((envs, counts))
    }

    /// The lifecycle stage of each named flag, with when it entered it where
    /// that is known: archived and initial flags by their dates, live and
    /// pre-live ones by their first report kept (none when pre-live only
    /// because it is enabled). One query per 500 flags.
    pub async fn lifecycle_stages(
        &self,
        names: &[&str],
    ) -> StorageResult<Vec<(String, Lifecycle, Option<String>)>> {
        let mut stages = Vec::with_capacity(names.len());
        for chunk in names.chunks(500) {
            let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT f.name, f.stage, CASE f.stage \
                   WHEN 'archived' THEN f.archived_at WHEN 'initial' THEN f.created_at \
                   WHEN 'completed' THEN (SELECT c.completed_at FROM feature_completions c \
                     WHERE c.feature_name = f.name) \
                   WHEN 'live' THEN (SELECT MIN(m.hour) {live}) \
                   ELSE (SELECT MIN(m.hour) {pre}) END AS entered \
                 FROM (SELECT features.name, features.archived_at, features.created_at, \
                   {stage} AS stage FROM features WHERE features.name IN ({list})) f",
                live = reports_of("f", "="),
                pre = reports_of("f", "<>"),
                stage = lifecycle_sql("features"),
                list = list.join(", "),
            );
            let mut query = sqlx::query(&sql);
            for name in chunk {
                query = query.bind(*name);
            }
            for row in query.fetch_all(&mut *self.conn().await?).await? {
                let stage: String = row.try_get("stage")?;
                stages.push((
                    row.try_get("name")?,
                    Lifecycle::parse(&stage).unwrap_or(Lifecycle::Initial),
                    row.try_get("entered")?,
                ));
            }
        }
        Ok(stages)
    }
}

#[cfg(test)]
mod tests;
