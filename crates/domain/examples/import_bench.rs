//! How long an import holds the change lock: N flags (each with one
//! strategy, on in the environment, one tag) imported into a fresh SQLite
//! file (or PostgreSQL when `FLAGSTAFF_BENCH_POSTGRES_URL` names a server)
//! through `ops::apply`, the same path the admin API and `flagstaff import`
//! take; then the same file again with `overwrite` (every flag updated).
//! Nothing else writes, so the time from taking the lock to the commit is
//! what another admin write would wait at most.
//!
//! ```sh
//! cargo run --release -p flagstaff-server --example import_bench -- 500
//! ```
//!
//! Figures only: nothing here asserts a time.

use std::time::Instant;

use flagstaff_domain::ops::{self, Actor, Context, EnvironmentName, ImportFlags, ProjectId};
use flagstaff_storage::Store;
use serde_json::json;

#[tokio::main]
async fn main() {
    let count: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(500);
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = std::env::var("FLAGSTAFF_BENCH_POSTGRES_URL").unwrap_or_else(|_| {
        format!(
            "sqlite://{}",
            dir.path().join("import-bench.db").to_string_lossy()
        )
    });
    let store = Store::connect(&url).await.expect("store");
    let mut limits = ops::Limits::default();
    limits.import_flags = limits.import_flags.max(count);
    let cx = Context::new(Actor::named("import-bench"), limits);
    let names: Vec<String> = (0..count).map(|i| format!("bench-{i:06}")).collect();
    let data = json!({
        "features": names.iter().map(|n| json!({"name": n, "type": "release"})).collect::<Vec<_>>(),
        "featureStrategies": names.iter().map(|n| json!({
            "name": "flexibleRollout", "featureName": n,
            "parameters": {"rollout": "50", "stickiness": "default", "groupId": n},
            "constraints": [{"contextName": "userId", "operator": "IN", "values": ["a", "b"]}]
        })).collect::<Vec<_>>(),
        "featureEnvironments": names.iter().map(|n| json!({
            "name": n, "featureName": n, "environment": "development", "enabled": true
        })).collect::<Vec<_>>(),
        "featureTags": names.iter().map(|n| json!({
            "featureName": n, "tagType": "simple", "tagValue": "imported"
        })).collect::<Vec<_>>(),
    });
    let body = serde_json::to_vec(&data).expect("serialises");
    println!(
        "{count} flags, {} KiB of JSON, {}",
        body.len() / 1024,
        if url.starts_with("postgres") {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );
    for overwrite in [false, true] {
        let operation = ImportFlags {
            project: ProjectId::parse("default").expect("id"),
            environment: EnvironmentName::parse("development").expect("name"),
            data: serde_json::from_value(data.clone()).expect("document"),
            overwrite,
        };
        let start = Instant::now();
        ops::apply(&store, &cx, operation).await.expect("imported");
        println!(
            "{}: {:.0} ms from taking the change lock to the commit",
            if overwrite {
                "again, overwrite"
            } else {
                "new flags"
            },
            start.elapsed().as_secs_f64() * 1000.0
        );
    }
}
