//! `--backup-folder`: each scope's last good document (with its ETag and the
//! token it is fetched with) and the validated tokens, written atomically (a
//! temporary file in the same folder, synced, then renamed over the old one)
//! whenever they change, and read back at start, so an edge restarted while
//! its upstream is unreachable serves at once. The files hold secrets, as
//! Edge's do: they are created readable by their owner only.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::tokens::{EdgeToken, Scope};

/// One scope's file.
#[derive(Debug, Serialize, Deserialize)]
pub struct ScopeBackup {
    pub scope: Scope,
    pub token: String,
    pub etag: String,
    /// The document as the upstream sent it (JSON text).
    pub document: String,
}

const TOKENS_FILE: &str = "tokens.json";
const SCOPE_PREFIX: &str = "features-";

#[derive(Debug, Clone)]
pub struct Backup {
    folder: PathBuf,
}

impl Backup {
    pub fn new(folder: &Path) -> std::io::Result<Backup> {
        std::fs::create_dir_all(folder)?;
        Ok(Backup {
            folder: folder.to_owned(),
        })
    }

    pub fn save_scope(&self, backup: &ScopeBackup) -> std::io::Result<()> {
        let name = format!("{SCOPE_PREFIX}{}.json", backup.scope.key());
        write_atomically(&self.folder.join(name), &serde_json::to_vec(backup)?)
    }

    pub fn remove_scope(&self, scope: &Scope) {
        let name = format!("{SCOPE_PREFIX}{}.json", scope.key());
        let _ = std::fs::remove_file(self.folder.join(name));
    }

    pub fn save_tokens(&self, tokens: &[EdgeToken]) -> std::io::Result<()> {
        write_atomically(&self.folder.join(TOKENS_FILE), &serde_json::to_vec(tokens)?)
    }

    /// The tokens saved (none when there is no readable file).
    pub fn tokens(&self) -> Vec<EdgeToken> {
        std::fs::read(self.folder.join(TOKENS_FILE))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// Every readable scope file; unreadable ones are logged and skipped.
    pub fn scopes(&self) -> Vec<ScopeBackup> {
        let Ok(dir) = std::fs::read_dir(&self.folder) else {
            return Vec::new();
        };
        let mut scopes = Vec::new();
        for entry in dir.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.starts_with(SCOPE_PREFIX) || !name.ends_with(".json") {
                continue;
            }
            let read = std::fs::read(entry.path())
                .map_err(|e| e.to_string())
                .and_then(|bytes| serde_json::from_slice(&bytes).map_err(|e| e.to_string()));
            match read {
                Ok(backup) => scopes.push(backup),
                Err(error) => tracing::warn!(file = %name, %error, "skipping an unreadable backup"),
            }
        }
        scopes
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let temporary = path.with_extension("json.tmp");
    {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    std::fs::rename(&temporary, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_and_tokens_come_back() {
        let folder = tempfile::tempdir().expect("tempdir");
        let backup = Backup::new(folder.path()).expect("folder");
        let scope = Scope::new("development", &[]);
        backup
            .save_scope(&ScopeBackup {
                scope: scope.clone(),
                token: "*:development.x".to_owned(),
                etag: "\"1\"".to_owned(),
                document: r#"{"version":2,"features":[]}"#.to_owned(),
            })
            .expect("saved");
        let scopes = backup.scopes();
        assert_eq!(scopes.len(), 1);
        assert_eq!(scopes[0].scope, scope);
        assert_eq!(scopes[0].document, r#"{"version":2,"features":[]}"#);
        assert!(backup.tokens().is_empty());
    }
}
