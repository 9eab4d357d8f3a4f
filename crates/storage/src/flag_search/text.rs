//! The flag search's text condition: the trigram index (migration 0022)
//! where the text is long enough, the `LIKE` that decides.

use crate::{Backend, Reader, Source};

/// The `LIKE` pattern of flags whose name or description contains `text`, in
/// lower case (`%` and `_` in it escaped with `\`).
fn contains_pattern(text: &str) -> String {
    let escaped = text
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// The shortest text the trigram index (`features_search`, migration 0022)
/// can look up: shorter ones are matched by scanning.
const TRIGRAM: usize = 3;

impl<S: Source> Reader<S> {
    /// The condition on `features` of a search's text: part of the name or
    /// the description, any case (`LOWER` on SQLite folds ASCII letters only,
    /// PostgreSQL's `ILIKE` every letter, as before the index). A text of
    /// [`TRIGRAM`] characters or more is looked up in the trigram index:
    /// PostgreSQL's `pg_trgm` index serves `ILIKE` itself; on SQLite the FTS5
    /// table names the candidates (its case folding matches a superset of
    /// `LIKE`'s) and the `LIKE` decides among them. Also says whether the
    /// flags are to be read by the candidates' rowids (`NOT INDEXED`: else
    /// SQLite's planner walks a whole index in name order, probing each row).
    pub(super) fn text_condition(&self, text: &str, binds: &mut Vec<String>) -> (String, bool) {
        binds.push(contains_pattern(text));
        let p = format!("${}", binds.len());
        match self.backend() {
            Backend::Postgres => (
                format!("(name ILIKE {p} ESCAPE '\\' OR description ILIKE {p} ESCAPE '\\')"),
                false,
            ),
            Backend::Sqlite => {
                let like = format!(
                    "(LOWER(name) LIKE {p} ESCAPE '\\' \
                     OR LOWER(COALESCE(description, '')) LIKE {p} ESCAPE '\\')"
                );
                if text.chars().count() < TRIGRAM {
                    return (like, false);
                }
                // One FTS5 phrase: the text, its quotes doubled.
                binds.push(format!("\"{}\"", text.replace('"', "\"\"")));
                let phrase = format!("${}", binds.len());
                let condition = format!(
                    "rowid IN (SELECT rowid FROM features_search WHERE features_search MATCH {phrase}) \
                     AND {like}"
                );
                (condition, true)
            }
        }
    }
}
