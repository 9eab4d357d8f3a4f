//! The flags the edge serves: per token scope (environment and projects), the
//! upstream's last good client-features document — its bytes as the upstream
//! sent them, gzipped once (the domain's `CachedBody`), its ETag, and the
//! engine compiled from it for the frontend API and OFREP. A scope's flags are
//! replaced only by a document that parsed: a failed or refused fetch never
//! empties them.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::SystemTime;

use arc_swap::ArcSwapOption;
use bytes::Bytes;
use flagstaff_domain::evaluation::body_etag;
use flagstaff_domain::CachedBody;
use flagstaff_engine::{ClientFeatures, Engine};
use tokio::sync::Notify;

use crate::tokens::Scope;

/// One scope's document, ready to serve.
#[derive(Debug)]
pub struct Flags {
    pub etag: String,
    pub body: CachedBody,
    pub engine: Arc<Engine>,
    pub flag_count: usize,
    /// This scope's count of documents so far (the delta API's event id).
    pub revision: u64,
    /// The delta API's hydration of this document, made on first request.
    hydration: std::sync::OnceLock<Bytes>,
    /// This document narrowed by SDKs' `project`/`namePrefix` queries.
    pub filtered: flagstaff_domain::ResponseCache,
}

impl Flags {
    /// Flags from a document's bytes, or why they are not a document.
    pub fn parse(body: Bytes, etag: Option<String>) -> Result<Flags, String> {
        let document: ClientFeatures = serde_json::from_slice(&body)
            .map_err(|e| format!("not a client-features document: {e}"))?;
        let engine = Arc::new(Engine::new(&document));
        Ok(Flags {
            etag: etag.unwrap_or_else(|| body_etag(&body)),
            flag_count: document.features.len(),
            body: CachedBody::new(body),
            engine,
            revision: 0,
            hydration: std::sync::OnceLock::new(),
            filtered: Default::default(),
        })
    }

    /// `{"events": [{"type": "hydration", "eventId", "features", "segments"}]}`:
    /// what the delta API and a stream send for this document.
    pub fn hydration(&self) -> Bytes {
        self.hydration
            .get_or_init(|| {
                let document: ClientFeatures =
                    serde_json::from_slice(&self.body.plain).unwrap_or_default();
                let body = serde_json::json!({"events": [{
                    "type": "hydration", "eventId": self.revision,
                    "features": document.features, "segments": document.segments,
                }]});
                Bytes::from(serde_json::to_vec(&body).unwrap_or_default())
            })
            .clone()
    }
}

/// How the upstream answered this scope's fetches lately.
#[derive(Debug, Clone, Default)]
pub struct Health {
    pub last_success: Option<SystemTime>,
    pub last_update: Option<SystemTime>,
    pub failures_in_a_row: u32,
    pub last_error: Option<String>,
}

/// One scope: its flags (none until the first good fetch or backup), the
/// token it is fetched with, and how the fetches go.
#[derive(Debug)]
pub struct ScopeEntry {
    pub scope: Scope,
    flags: ArcSwapOption<Flags>,
    token: Mutex<String>,
    health: Mutex<Health>,
    /// Woken when flags first arrive (requests waiting for a new scope).
    pub arrived: Notify,
    /// Wakes the scope's fetching before its interval is up (the upstream's
    /// stream announced a change).
    pub wake: Notify,
    revision: tokio::sync::watch::Sender<u64>,
}

impl ScopeEntry {
    pub fn flags(&self) -> Option<Arc<Flags>> {
        self.flags.load_full()
    }

    pub fn set_flags(&self, mut flags: Flags) {
        let revision = *self.revision.borrow() + 1;
        flags.revision = revision;
        self.flags.store(Some(Arc::new(flags)));
        self.arrived.notify_waiters();
        self.revision.send_replace(revision);
    }

    /// Moves with every new document (streams wait on it).
    pub fn watch(&self) -> tokio::sync::watch::Receiver<u64> {
        self.revision.subscribe()
    }

    pub fn token(&self) -> String {
        self.token
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub fn set_token(&self, token: String) {
        *self.token.lock().unwrap_or_else(PoisonError::into_inner) = token;
    }

    pub fn health(&self) -> Health {
        self.health
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub fn note(&self, outcome: Result<bool, String>) {
        let mut health = self.health.lock().unwrap_or_else(PoisonError::into_inner);
        match outcome {
            Ok(changed) => {
                let now = SystemTime::now();
                health.last_success = Some(now);
                if changed {
                    health.last_update = Some(now);
                }
                health.failures_in_a_row = 0;
                health.last_error = None;
            }
            Err(error) => {
                health.failures_in_a_row = health.failures_in_a_row.saturating_add(1);
                health.last_error = Some(error);
            }
        }
    }
}

/// Every scope the edge serves.
#[derive(Debug, Default)]
pub struct Scopes {
    entries: RwLock<BTreeMap<Scope, Arc<ScopeEntry>>>,
}

impl Scopes {
    pub fn get(&self, scope: &Scope) -> Option<Arc<ScopeEntry>> {
        let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        entries.get(scope).cloned()
    }

    /// The entry of `scope`, and whether it was made now (then its fetching
    /// must be started).
    pub fn get_or_insert(&self, scope: &Scope, token: &str) -> (Arc<ScopeEntry>, bool) {
        if let Some(entry) = self.get(scope) {
            return (entry, false);
        }
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = entries.get(scope) {
            return (Arc::clone(entry), false);
        }
        let entry = Arc::new(ScopeEntry {
            scope: scope.clone(),
            flags: ArcSwapOption::empty(),
            token: Mutex::new(token.to_owned()),
            health: Mutex::default(),
            arrived: Notify::new(),
            wake: Notify::new(),
            revision: tokio::sync::watch::Sender::new(0),
        });
        entries.insert(scope.clone(), Arc::clone(&entry));
        (entry, true)
    }

    pub fn remove(&self, scope: &Scope) {
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        entries.remove(scope);
    }

    pub fn all(&self) -> Vec<Arc<ScopeEntry>> {
        let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        entries.values().cloned().collect()
    }

    /// The scope with flags that serves `scope`: itself, else the narrowest
    /// one of its environment that covers it (a frontend token's flags are
    /// evaluated from a client token's document, filtered to its projects).
    pub fn serving(&self, scope: &Scope) -> Option<Arc<ScopeEntry>> {
        if let Some(entry) = self.get(scope).filter(|e| e.flags().is_some()) {
            return Some(entry);
        }
        let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        entries
            .values()
            .filter(|e| e.scope.covers(scope) && e.flags().is_some())
            .min_by_key(|e| (e.scope.all_projects(), e.scope.projects.len()))
            .cloned()
    }
}
