//! An event's before/after as a line diff of pretty-printed JSON (the
//! `similar` crate's Myers diff), unchanged runs folded to three lines of
//! context. Each line carries its kind as a class and as text (`+`/`-`), so
//! colour is never the only sign. Bounded: a huge event (an import's document)
//! is cut, and the diff gives up on exactness after a short deadline.

use std::time::Duration;

use serde_json::Value;
use similar::{ChangeTag, TextDiff};

/// Most characters of one side that are compared.
const MAX_TEXT: usize = 256 * 1024;
/// Most lines one diff shows.
const MAX_LINES: usize = 400;
/// Unchanged lines kept around each change.
const CONTEXT: usize = 3;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffLine {
    /// `added`, `removed`, `same`, or `gap` (folded unchanged lines).
    pub kind: &'static str,
    /// `+`, `-`, ` `, or `…`.
    pub marker: &'static str,
    pub text: String,
}

impl DiffLine {
    /// The kind in words, for screen readers (empty for unchanged lines).
    pub fn spoken(&self) -> &'static str {
        match self.kind {
            "added" => "added: ",
            "removed" => "removed: ",
            "gap" => "unchanged lines folded: ",
            _ => "",
        }
    }
}

fn pretty(value: Option<&Value>) -> String {
    let Some(value) = value else {
        return String::new();
    };
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    if text.len() > MAX_TEXT {
        let mut cut = MAX_TEXT;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str("\n… (cut: too large to compare whole)");
    }
    text.push('\n');
    text
}

/// The lines that differ between `before` and `after` (either may be absent:
/// then every line of the other is added or removed), with some context.
pub fn json_diff(before: Option<&Value>, after: Option<&Value>) -> Vec<DiffLine> {
    let (old, new) = (pretty(before), pretty(after));
    let diff = TextDiff::configure()
        .timeout(Duration::from_millis(50))
        .diff_lines(&old, &new);
    let mut lines = Vec::new();
    let gap = || DiffLine {
        kind: "gap",
        marker: "…",
        text: String::new(),
    };
    let groups = diff.grouped_ops(CONTEXT);
    for (i, group) in groups.iter().enumerate() {
        let starts_late = group
            .first()
            .is_some_and(|op| op.old_range().start > 0 || op.new_range().start > 0);
        if i > 0 || starts_late {
            lines.push(gap());
        }
        for op in group {
            for change in diff.iter_changes(op) {
                if lines.len() >= MAX_LINES {
                    lines.push(DiffLine {
                        kind: "gap",
                        marker: "…",
                        text: "(more changes not shown)".to_owned(),
                    });
                    return lines;
                }
                let (kind, marker) = match change.tag() {
                    ChangeTag::Insert => ("added", "+"),
                    ChangeTag::Delete => ("removed", "-"),
                    ChangeTag::Equal => ("same", " "),
                };
                lines.push(DiffLine {
                    kind,
                    marker,
                    text: change.value().trim_end_matches('\n').to_owned(),
                });
            }
        }
    }
    // Unchanged lines after the last change.
    let shown_to = groups
        .last()
        .and_then(|group| group.last())
        .map(|op| op.old_range().end);
    if shown_to.is_some_and(|end| end < diff.old_slices().len()) {
        lines.push(gap());
    }
    lines
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn shown(lines: &[DiffLine]) -> Vec<String> {
        lines
            .iter()
            .map(|l| format!("{}{}", l.marker, l.text))
            .collect()
    }

    #[test]
    fn changed_fields_are_removed_and_added_lines_with_context() {
        let before =
            json!({"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6, "g": 7, "stale": false});
        let after = json!({"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6, "g": 7, "stale": true});
        let lines = json_diff(Some(&before), Some(&after));
        assert_eq!(
            shown(&lines),
            [
                "…",
                "   \"e\": 5,",
                "   \"f\": 6,",
                "   \"g\": 7,",
                "-  \"stale\": false",
                "+  \"stale\": true",
                " }"
            ]
        );
        assert_eq!(lines[4].kind, "removed");
        assert_eq!(lines[4].spoken(), "removed: ");
        assert_eq!(lines[5].kind, "added");
    }

    #[test]
    fn a_new_thing_is_all_added_and_nothing_is_nothing() {
        let lines = json_diff(None, Some(&json!({"name": "x"})));
        assert!(lines.iter().all(|l| l.kind == "added"), "{lines:?}");
        assert_eq!(shown(&lines), ["+{", "+  \"name\": \"x\"", "+}"]);
        assert!(json_diff(None, None).is_empty());
        let same = json!({"a": 1});
        assert!(json_diff(Some(&same), Some(&same)).is_empty());
    }

    #[test]
    fn huge_diffs_are_cut() {
        let before = json!((0..5000).collect::<Vec<_>>());
        let lines = json_diff(Some(&before), None);
        assert_eq!(lines.len(), MAX_LINES + 1);
        assert_eq!(lines[MAX_LINES].kind, "gap");
    }
}
