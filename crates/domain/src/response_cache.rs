//! Client responses (a filtered client-features document), serialised and
//! gzipped once per ETag and shared. Bounded in bytes: past
//! [`MAX_CACHE_BYTES`] other entries are dropped. A miss builds outside any
//! lock that other requests wait on — only requests for the same ETag wait,
//! and for one build — so a flood of distinct filters cannot stall the rest.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use tokio::sync::OnceCell;

/// Most bytes (plain and gzipped) kept.
pub const MAX_CACHE_BYTES: usize = 64 * 1024 * 1024;

/// One client response, plain and gzipped.
#[derive(Debug, Clone)]
pub struct CachedBody {
    pub plain: Bytes,
    pub gzip: Bytes,
}

impl CachedBody {
    pub fn new(plain: Bytes) -> CachedBody {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        // Writing to a Vec cannot fail.
        let _ = encoder.write_all(&plain);
        CachedBody {
            gzip: Bytes::from(encoder.finish().unwrap_or_default()),
            plain,
        }
    }

    fn size(&self) -> usize {
        self.plain.len() + self.gzip.len()
    }
}

#[derive(Debug, Clone)]
struct Entry {
    environment: String,
    body: Arc<OnceCell<CachedBody>>,
}

#[derive(Debug, Default)]
pub struct ResponseCache {
    /// ETag → the environment it belongs to and its body (built once).
    entries: Mutex<HashMap<String, Entry>>,
    /// Bytes of the built bodies in `entries`.
    bytes: AtomicUsize,
}

impl ResponseCache {
    /// The body for `etag` (of `environment`), built by `build` on the first request.
    pub async fn get_or_build(
        &self,
        environment: &str,
        etag: &str,
        build: impl FnOnce() -> Bytes,
    ) -> CachedBody {
        let cell = {
            let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(
                &entries
                    .entry(etag.to_owned())
                    .or_insert_with(|| Entry {
                        environment: environment.to_owned(),
                        body: Arc::new(OnceCell::new()),
                    })
                    .body,
            )
        };
        let mut built_here = false;
        let body = cell
            .get_or_init(|| async {
                built_here = true;
                CachedBody::new(build())
            })
            .await
            .clone();
        if built_here {
            let total = self.bytes.fetch_add(body.size(), Ordering::Relaxed) + body.size();
            if total > MAX_CACHE_BYTES {
                self.evict_all_but(etag);
            }
        }
        body
    }

    /// Drops every entry but `keep` (so the cache stays under its byte bound).
    fn evict_all_but(&self, keep: &str) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.retain(|etag, entry| {
            if etag == keep {
                return true;
            }
            if let Some(body) = entry.body.get() {
                self.bytes.fetch_sub(body.size(), Ordering::Relaxed);
            }
            false
        });
    }

    /// A cache for the next snapshot with the built entries whose environment
    /// `unchanged` says still holds (their ETags are still current).
    pub fn carry_over(&self, unchanged: impl Fn(&str) -> bool) -> ResponseCache {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let mut bytes = 0;
        let kept: HashMap<String, Entry> = entries
            .iter()
            .filter(|(_, entry)| unchanged(&entry.environment))
            .filter_map(|(etag, entry)| {
                bytes += entry.body.get()?.size();
                Some((etag.clone(), entry.clone()))
            })
            .collect();
        ResponseCache {
            entries: Mutex::new(kept),
            bytes: AtomicUsize::new(bytes),
        }
    }

    /// Bytes held.
    pub fn bytes(&self) -> usize {
        self.bytes.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn builds_once_and_stays_bounded() {
        let cache = ResponseCache::default();
        let builds = AtomicUsize::new(0);
        for _ in 0..3 {
            let body = cache
                .get_or_build("dev", "a", || {
                    builds.fetch_add(1, Ordering::Relaxed);
                    Bytes::from_static(b"{}")
                })
                .await;
            assert_eq!(&body.plain[..], b"{}");
        }
        assert_eq!(builds.load(Ordering::Relaxed), 1);
        // Incompressible bodies of 8 MiB: the cache never holds much more than its bound.
        let big: Vec<u8> = (0..8 * 1024 * 1024u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for key in 0..12 {
            let plain = Bytes::from(big.clone());
            cache
                .get_or_build("dev", &format!("big-{key}"), move || plain)
                .await;
            assert!(
                cache.bytes() <= MAX_CACHE_BYTES + 20 * 1024 * 1024,
                "{}",
                cache.bytes()
            );
        }
        let kept = cache.carry_over(|environment| environment != "dev");
        assert_eq!(kept.bytes(), 0);
    }
}
