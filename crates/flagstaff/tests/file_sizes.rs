//! Keeps every source file readable: no `.rs` file under `crates/*/src` has
//! more than [`MAX_LINES`] lines of non-test code (issue 21; `STYLE.md`'s
//! budget of about 400). Test code does not count: a `#[cfg(test)] mod … { … }`
//! block inside a file, and a whole file declared as `#[cfg(test)] mod name;`.
//! A file over the budget is split along a real seam, never allow-listed.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 400;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The lines of `source` outside `#[cfg(test)] mod name { … }` blocks (the
/// block ends at the `}` indented as its `mod` line, as `cargo fmt` writes it).
fn non_test_lines(source: &str) -> usize {
    let lines: Vec<&str> = source.lines().collect();
    let mut count = 0;
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim() == "#[cfg(test)]" {
            if let Some(module) = lines.get(i + 1).filter(|l| opens_module(l)) {
                let indent = &module[..module.len() - module.trim_start().len()];
                let close = format!("{indent}}}");
                let end = lines[i + 2..]
                    .iter()
                    .position(|l| l.trim_end() == close)
                    .map_or(lines.len(), |at| i + 2 + at);
                i = end + 1;
                continue;
            }
        }
        count += 1;
        i += 1;
    }
    count
}

/// `mod name {` or `pub(…) mod name {`: an inline module.
fn opens_module(line: &str) -> bool {
    let line = line.trim();
    line.ends_with('{') && (line.starts_with("mod ") || line.contains(" mod "))
}

/// The names of the modules `source` declares as `#[cfg(test)] mod name;`.
fn test_module_files(source: &str) -> Vec<String> {
    let lines: Vec<&str> = source.lines().collect();
    lines
        .windows(2)
        .filter(|pair| pair[0].trim() == "#[cfg(test)]")
        .filter_map(|pair| {
            let declared = pair[1].trim().strip_suffix(';')?;
            let name = declared.rsplit(' ').next()?;
            (declared.starts_with("mod ") || declared.contains(" mod ")).then(|| name.to_owned())
        })
        .collect()
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, into: &mut Vec<PathBuf>) {
    let entries = fs::read_dir(dir).expect("a source directory can be read");
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs") {
            into.push(path);
        }
    }
}

/// Where the submodules of the module in `file` live: beside it for
/// `lib.rs`, `main.rs` and `mod.rs`, else in the directory named after it.
fn submodule_dir(file: &Path) -> PathBuf {
    let parent = file.parent().expect("a file has a directory");
    match file.file_stem().and_then(|s| s.to_str()) {
        Some("lib" | "main" | "mod") => parent.to_owned(),
        Some(stem) => parent.join(stem),
        None => parent.to_owned(),
    }
}

/// Each source file's path from the workspace root and its non-test lines;
/// files that are test modules (and everything under them) are left out.
fn measured_files() -> Vec<(String, usize)> {
    let root = workspace();
    let mut files = Vec::new();
    let crates = fs::read_dir(root.join("crates")).expect("crates/ can be read");
    for krate in crates {
        let src = krate.expect("a directory entry").path().join("src");
        if src.is_dir() {
            rust_files(&src, &mut files);
        }
    }
    let sources: Vec<(PathBuf, String)> = files
        .into_iter()
        .map(|path| {
            let text = fs::read_to_string(&path).expect("a source file is UTF-8");
            (path, text)
        })
        .collect();
    let mut test_only: BTreeSet<PathBuf> = BTreeSet::new();
    for (path, text) in &sources {
        let dir = submodule_dir(path);
        for name in test_module_files(text) {
            test_only.insert(dir.join(format!("{name}.rs")));
            test_only.insert(dir.join(&name));
        }
    }
    sources
        .iter()
        .filter(|(path, _)| !test_only.iter().any(|t| path.starts_with(t)))
        .map(|(path, text)| {
            let shown = path
                .strip_prefix(&root)
                .expect("under the workspace")
                .to_string_lossy()
                .replace('\\', "/");
            (shown, non_test_lines(text))
        })
        .collect()
}

#[test]
fn no_source_file_is_over_the_line_budget() {
    let measured = measured_files();
    assert!(
        measured
            .iter()
            .any(|(path, _)| path.ends_with("engine/src/lib.rs")),
        "the walk found the workspace's sources"
    );
    let mut over: Vec<String> = measured
        .iter()
        .filter(|(_, lines)| *lines > MAX_LINES)
        .map(|(path, lines)| format!("{path}: {lines} lines of non-test code"))
        .collect();
    over.sort();
    assert!(
        over.is_empty(),
        "over {MAX_LINES} lines of non-test code; split each along a real seam \
         (one concern per file):\n{}",
        over.join("\n")
    );
}

#[test]
fn test_modules_do_not_count() {
    let source = "//! A module.\n\
                  pub fn f() {}\n\
                  \n\
                  #[cfg(test)]\n\
                  mod tests {\n    \
                      #[test]\n    \
                      fn t() {\n        \
                          let inner = {\n        \
                          };\n    \
                      }\n\
                  }\n\
                  \n\
                  #[cfg(test)]\n\
                  mod more_tests;\n\
                  pub fn g() {}\n";
    // The doc, `f`, two blank lines, `more_tests` (attribute and declaration) and `g`.
    assert_eq!(non_test_lines(source), 7);
    assert_eq!(test_module_files(source), vec!["more_tests".to_owned()]);
    assert_eq!(non_test_lines("fn a() {}\nfn b() {}\n"), 2);
}
